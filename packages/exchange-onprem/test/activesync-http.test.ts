import {
  base64EasQuery,
  decodeWbxml,
  el,
  encodeWbxml,
  textOf,
  WBXML_CONTENT_TYPE,
} from '@hma-lab/activesync';
import { testPki } from '../../activesync/test/support/certificates.js';
import { createLab, EAS_URL, readyClient } from './helpers.js';

function post(
  lab: ReturnType<typeof createLab>,
  query: string,
  body: Uint8Array | undefined,
  headers: Record<string, string> = {},
) {
  return lab.fetch(`${EAS_URL}${query}`, {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${lab.token('alice@contoso.com')}`,
      'Content-Type': WBXML_CONTENT_TYPE,
      'MS-ASProtocolVersion': '14.1',
      ...headers,
    },
    ...(body ? { body } : {}),
  });
}

const Q = '?Cmd=FolderSync&User=alice&DeviceId=dev1&DeviceType=iPhone';
const folderSync = (key = '0') =>
  encodeWbxml(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)));

async function wbxml(res: Response) {
  expect(res.headers.get('content-type')).toBe(WBXML_CONTENT_TYPE);
  return decodeWbxml(new Uint8Array(await res.arrayBuffer()));
}

describe('MS-ASHTTP', () => {
  it('answers OPTIONS with the protocol headers (facts §6.1)', async () => {
    const lab = createLab();
    const res = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('allow')).toBe('OPTIONS,POST');
    expect(res.headers.get('public')).toBe('OPTIONS,POST');
    expect(res.headers.get('ms-server-activesync')).toBe('15.2');
    expect(res.headers.get('ms-asprotocolversions')).toBe('2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    expect(res.headers.get('ms-asprotocolcommands')).toBe(
      'Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,CreateCollection,DeleteCollection,MoveCollection,FolderSync,FolderCreate,FolderDelete,FolderUpdate,MoveItems,GetItemEstimate,MeetingResponse,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,ValidateCert,Find',
    );
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('refuses an unsupported protocol version with 400 and the supported list', async () => {
    const lab = createLab();
    for (const version of ['2.1', '17.0']) {
      const res = await post(lab, Q, folderSync(), { 'MS-ASProtocolVersion': version });
      expect(res.status).toBe(400);
      expect(res.headers.get('ms-asprotocolversions')).toBe('2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    }
    const missing = await lab.fetch(`${EAS_URL}${Q}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
      body: folderSync(),
    });
    expect(missing.status).toBe(400);
  });

  it('offers an Exchange 2010 mailbox no more than 14.1', async () => {
    const lab = createLab();
    const basic = `Basic ${Buffer.from('carol@contoso.com:Passw0rd!').toString('base64')}`;
    const res = await post(
      lab,
      '?Cmd=FolderSync&User=carol&DeviceId=d&DeviceType=iPhone',
      folderSync(),
      {
        Authorization: basic,
        'MS-ASProtocolVersion': '16.1',
      },
    );
    expect(res.status).toBe(400);
    expect(res.headers.get('ms-asprotocolversions')).toBe('2.5,12.0,12.1,14.0,14.1');
  });

  it('refuses a malformed request line with 400', async () => {
    const lab = createLab();
    expect((await post(lab, '?Cmd=FolderSync&User=alice', folderSync())).status).toBe(400);
    expect((await post(lab, '', folderSync())).status).toBe(400);
  });

  it('answers Status 142 to an unprovisioned device at 14.0+, HTTP 449 at 12.1', async () => {
    const lab = createLab();
    const modern = await post(lab, Q, folderSync());
    expect(modern.status).toBe(200);
    const root = await wbxml(modern);
    expect(root.tag).toBe('FolderHierarchy:FolderSync');
    expect(textOf(root, 'FolderHierarchy:Status')).toBe('142');
    const legacy = await post(lab, Q, folderSync(), { 'MS-ASProtocolVersion': '12.1' });
    expect(legacy.status).toBe(449);
  });

  it('provisions in two phases, then 144 for a wrong key and 143 after a policy change', async () => {
    const lab = createLab();
    const client = lab.client({
      deviceId: 'dev-prov',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    const { policyKey, policy } = await client.provision();
    expect(policyKey).toMatch(/^\d+$/);
    expect(policy['MinDevicePasswordLength']).toBe('4');
    const device = lab.eas.devices.get('alice@contoso.com', 'dev-prov')!;
    expect(device.policy.key).toBe(policyKey);

    const good = await post(
      lab,
      '?Cmd=FolderSync&User=alice&DeviceId=dev-prov&DeviceType=iPhone',
      folderSync(),
      {
        'X-MS-PolicyKey': policyKey,
      },
    );
    expect(textOf(await wbxml(good), 'FolderHierarchy:Status')).toBe('1');

    const wrong = await post(
      lab,
      '?Cmd=FolderSync&User=alice&DeviceId=dev-prov&DeviceType=iPhone',
      folderSync(),
      {
        'X-MS-PolicyKey': '12345',
      },
    );
    expect(textOf(await wbxml(wrong), 'FolderHierarchy:Status')).toBe('144');

    lab.eas.setEasPolicy({ devicePasswordEnabled: true });
    const stale = await post(
      lab,
      '?Cmd=FolderSync&User=alice&DeviceId=dev-prov&DeviceType=iPhone',
      folderSync(),
      {
        'X-MS-PolicyKey': policyKey,
      },
    );
    expect(textOf(await wbxml(stale), 'FolderHierarchy:Status')).toBe('143');
    // The client re-provisions on 143 by itself and gets the new policy.
    const again = await client.provision();
    expect(again.policy['DevicePasswordEnabled']).toBe('1');
    await expect(client.folderSync()).resolves.toMatchObject({ folders: expect.any(Array) });
  });

  it('accepts the base64 request line form', async () => {
    const lab = createLab();
    const client = lab.client({
      deviceId: 'b64dev',
      deviceType: 'SmartPhone',
      queryForm: 'base64',
    });
    await client.provision();
    const { folders } = await client.folderSync();
    expect(folders.map((f) => f.displayName)).toContain('Inbox');
    const query = base64EasQuery({
      cmd: 'FolderSync',
      deviceId: 'b64dev',
      deviceType: 'SmartPhone',
      protocolVersion: '14.1',
      policyKey: client.exportState().policyKey!,
    });
    const res = await post(lab, query, folderSync());
    expect(textOf(await wbxml(res), 'FolderHierarchy:Status')).toBe('1');
  });

  it('answers Provision with RemoteWipe after a wipe request, and records the acknowledgment', async () => {
    const lab = createLab();
    const client = lab.client({ deviceId: 'wipe-me', deviceType: 'iPhone' });
    await client.provision();
    await client.folderSync();
    lab.eas.remoteWipe('alice@contoso.com', 'wipe-me');
    const blocked = await client.command(
      'FolderSync',
      el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
    );
    expect(textOf(blocked.body!, 'FolderHierarchy:Status')).toBe('140');
    const wipe = await client.provision();
    expect(wipe.remoteWipe).toBe(true);
    const ack = await client.command(
      'Provision',
      el('Provision:Provision', el('Provision:RemoteWipe', el('Provision:Status', 1))),
    );
    expect(textOf(ack.body!, 'Provision:Status')).toBe('1');
    expect(lab.eas.devices.get('alice@contoso.com', 'wipe-me')!.wipe).toBe('acknowledged');
  });

  it('answers bad WBXML with 400, a body of the wrong command with its protocol-error Status', async () => {
    const lab = createLab();
    const client = lab.client({ deviceId: 'bad', deviceType: 'iPhone' });
    await client.provision();
    const key = client.exportState().policyKey!;
    const q = '?Cmd=FolderSync&DeviceId=bad&DeviceType=iPhone';
    const garbage = await post(lab, q, new Uint8Array([3, 1, 106, 0, 0x45, 0xff, 0xff]), {
      'X-MS-PolicyKey': key,
    });
    expect(garbage.status).toBe(400);
    const truncated = await post(lab, q, folderSync().subarray(0, 8), { 'X-MS-PolicyKey': key });
    expect(truncated.status).toBe(400);
    const wrongRoot = await post(lab, q, encodeWbxml(el('AirSync:Sync')), {
      'X-MS-PolicyKey': key,
    });
    expect(textOf(await wbxml(wrongRoot), 'FolderHierarchy:Status')).toBe('10');
    const empty = await post(lab, q, undefined, { 'X-MS-PolicyKey': key });
    expect(textOf(await wbxml(empty), 'FolderHierarchy:Status')).toBe('10');
  });

  it('refuses a body over maxRequestLength as IIS request filtering does (404.13)', async () => {
    const lab = createLab({
      scenario: (s) => void (s.exchange.onprem.maxRequestLengthBytes = 1024),
    });
    const res = await post(lab, Q, new Uint8Array(4096));
    expect(res.status).toBe(404);
    expect(await res.text()).toContain('404.13');
    const lab413 = createLab({
      scenario: (s) => void (s.exchange.onprem.maxRequestLengthBytes = 1024),
      config: { oversizeStatus: 413 },
    });
    expect((await post(lab413, Q, new Uint8Array(4096))).status).toBe(413);
  });

  it('answers 451 with X-MS-Location for a mailbox the lab moved', async () => {
    const lab = createLab();
    lab.eas.moveMailbox(
      'alice@contoso.com',
      'https://mail2.contoso.com/Microsoft-Server-ActiveSync',
    );
    const res = await post(lab, Q, folderSync());
    expect(res.status).toBe(451);
    expect(res.headers.get('x-ms-location')).toBe(
      'https://mail2.contoso.com/Microsoft-Server-ActiveSync',
    );
    lab.eas.moveMailbox('alice@contoso.com', undefined);
    expect((await post(lab, Q, folderSync())).status).toBe(200);
  });

  it('answers 403 when ActiveSync is disabled for the user or User= names someone else', async () => {
    const lab = createLab();
    expect(
      (await post(lab, '?Cmd=FolderSync&User=dave&DeviceId=x&DeviceType=iPhone', folderSync()))
        .status,
    ).toBe(403);
    lab.eas.setActiveSyncEnabled('alice@contoso.com', false);
    expect((await post(lab, Q, folderSync())).status).toBe(403);
  });

  it('answers 501 for commands the lab does not implement (the 2.x collection commands)', async () => {
    const lab = createLab();
    const res = await post(lab, '?Cmd=GetHierarchy&DeviceId=x&DeviceType=iPhone', new Uint8Array());
    expect(res.status).toBe(501);
  });

  it("validates an S/MIME client's certificates against its trust, at the lab's time (ValidateCert)", async () => {
    const pki = testPki(Date.now());
    const lab = createLab({
      config: {
        validateCert: {
          systemRoots: false,
          trustedCertificates: [pki.root.pem],
          revokedSerialNumbers: ['10'],
        },
      },
    });
    const { client } = await readyClient(lab);
    const chain = [pki.intermediate.der];
    expect(await client.validateCert([pki.alice.der, pki.selfSigned.pem], { chain })).toEqual({
      status: 1,
      certificates: [1, 4],
    });
    expect(await client.validateCert([pki.alice.base64], { chain, checkCrl: true })).toEqual({
      status: 1,
      certificates: [13],
    });
    // The certificates are valid for five more years.
    for (let year = 0; year < 6; year++) await lab.ctx.clock.advance('366d');
    expect(await client.validateCert([pki.alice.der], { chain })).toEqual({
      status: 1,
      certificates: [7],
    });
    expect(await client.validateCert([])).toEqual({ status: 2, certificates: [] });
    const traced = lab.ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'onprem.eas.certificates.validated');
    expect(traced.map((e) => (e as { data?: unknown }).data)).toEqual([
      { statuses: [1, 4] },
      { statuses: [13] },
      { statuses: [7] },
      { statuses: [] },
    ]);
  });

  it('asks an unprovisioned device to provision before ValidateCert', async () => {
    const lab = createLab();
    const res = await post(
      lab,
      '?Cmd=ValidateCert&User=alice&DeviceId=v1&DeviceType=iPhone',
      encodeWbxml(el('ValidateCert:ValidateCert', el('ValidateCert:Certificates'))),
    );
    expect(res.status).toBe(200);
    expect(textOf(await wbxml(res), 'ValidateCert:Status')).toBe('142');
  });

  it('carries X-MS-RP on Settings and answers the CSS-HMAEAS probe without provisioning', async () => {
    const lab = createLab();
    const res = await post(
      lab,
      '?Cmd=Settings&DeviceId=OutlookService&DeviceType=OutlookService',
      encodeWbxml(el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get')))),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-ms-rp')).toBe('2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    const root = await wbxml(res);
    expect(textOf(root, 'Settings:Status')).toBe('1');
    expect(
      textOf(
        root,
        'Settings:UserInformation',
        'Settings:Get',
        'Settings:Accounts',
        'Settings:Account',
        'Settings:EmailAddresses',
        'Settings:PrimarySmtpAddress',
      ),
    ).toBe('alice@contoso.com');
  });

  it('is traced with decoded WBXML bodies', async () => {
    const lab = createLab();
    await post(lab, Q, folderSync());
    const exchange = lab.ctx.trace
      .exchanges()
      .find((e) => e.to === 'onprem-eas' && e.method === 'POST')!;
    expect(exchange.requestBody?.text).toContain('FolderSync');
    expect(exchange.responseBody?.text).toContain('142');
  });
});
