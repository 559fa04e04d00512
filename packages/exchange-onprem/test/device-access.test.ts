import { decodeWbxml, el, EasHttpError, EasStatusError, textOf } from '@hma-lab/activesync';
import { basic, createLab, EAS_URL } from './helpers.js';

describe('device access (Allow / Block / Quarantine)', () => {
  it('blocks Outlook for iOS and Android connecting directly with Basic (HMA-DOC rule): Status 129', async () => {
    const lab = createLab();
    const app = lab.client({
      deviceId: 'phone1',
      deviceType: 'Outlook',
      deviceModel: 'Outlook for iOS and Android',
      authorization: () => basic('alice@contoso.com', 'Passw0rd!'),
    });
    await expect(app.provision()).rejects.toMatchObject({ status: 129 });
    expect(lab.eas.deviceAccess('alice@contoso.com', 'phone1')).toMatchObject({
      level: 'Block',
      reason: 'DeviceRule',
      rule: { characteristic: 'DeviceModel' },
    });
    const fs = await app.command(
      'FolderSync',
      el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
    );
    // The policy-key gate runs first: 142 sends it back to Provision, which answers 129.
    expect(textOf(fs.body!, 'FolderHierarchy:Status')).toBe('142');
  });

  it('answers a blocked device with 129 on every command, and HTTP 403 before 14.0', async () => {
    const lab = createLab({
      scenario: (s) => void (s.exchange.onprem.deviceAccess!.defaultAccessLevel = 'Block'),
      config: { provisioningRequired: false },
    });
    const blocked = lab.client({ deviceId: 'any', deviceType: 'Android' });
    await expect(blocked.folderSync()).rejects.toBeInstanceOf(EasStatusError);
    await expect(blocked.folderSync()).rejects.toMatchObject({ status: 129 });
    await expect(blocked.settings()).rejects.toMatchObject({ status: 129 });
    const legacy = lab.client({ deviceId: 'old', deviceType: 'Android', protocolVersion: '12.1' });
    await expect(legacy.folderSync()).rejects.toBeInstanceOf(EasHttpError);
    await expect(legacy.folderSync()).rejects.toMatchObject({ status: 403 });
    // Exchange Online's connection is allowed by its DeviceType rule even under a Block default.
    const exo = lab.client();
    await expect(exo.folderSync()).resolves.toMatchObject({ folders: expect.any(Array) });
  });

  it('lets a quarantined device sync only the quarantine notice until the administrator allows it', async () => {
    const lab = createLab({
      scenario: (s) => void (s.exchange.onprem.deviceAccess!.defaultAccessLevel = 'Quarantine'),
    });
    const client = lab.client({ deviceId: 'q1', deviceType: 'iPhone', deviceModel: 'iPhone15,2' });
    await client.provision();
    const { folders } = await client.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const calendar = folders.find((f) => f.type === 8)!.serverId;
    const first = await client.syncAll(inbox);
    expect(first.added.map((i) => i.data['Email:Subject'])).toEqual([
      'Your device is temporarily blocked from synchronizing using Exchange ActiveSync',
    ]);
    expect((await client.syncAll(calendar)).added).toHaveLength(0);
    await expect(
      client.sendMail('To: dave@fabrikam.com\r\nSubject: x\r\n\r\ny'),
    ).rejects.toMatchObject({ status: 129 });
    expect(lab.eas.deviceAccess('alice@contoso.com', 'q1').level).toBe('Quarantine');

    lab.eas.setDeviceAccess('alice@contoso.com', 'q1', 'Allow');
    const released = await client.sync(inbox);
    expect(released.deleted).toEqual([first.added[0]!.serverId]);
    expect(released.added.length).toBeGreaterThan(5);
  });

  it('treats a quarantined device as blocked when configured so', async () => {
    const lab = createLab({
      scenario: (s) => void (s.exchange.onprem.deviceAccess!.defaultAccessLevel = 'Quarantine'),
      config: { quarantine: 'block' },
    });
    await expect(
      lab.client({ deviceId: 'q2', deviceType: 'iPhone' }).provision(),
    ).rejects.toMatchObject({ status: 129 });
  });

  it('matches rules by UserAgent', async () => {
    const lab = createLab({
      scenario: (s) => {
        s.exchange.onprem.deviceAccess!.rules!.push({
          characteristic: 'UserAgent',
          queryString: 'BadAgent/1.0',
          accessLevel: 'Block',
        });
      },
      config: { provisioningRequired: false },
    });
    const res = await lab.fetch(`${EAS_URL}?Cmd=FolderSync&DeviceId=ua1&DeviceType=Phone`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${lab.token('alice@contoso.com')}`,
        'MS-ASProtocolVersion': '14.1',
        'User-Agent': 'BadAgent/1.0',
      },
      body: new Uint8Array([3, 1, 106, 0, 0, 7, 0x56, 0x52, 3, 0x30, 0, 1, 1]),
    });
    expect(res.status).toBe(200);
    expect(
      textOf(decodeWbxml(new Uint8Array(await res.arrayBuffer())), 'FolderHierarchy:Status'),
    ).toBe('129');
  });
});
