import { createEasClient, type EasClient } from '@hma-lab/activesync';
import { decodeJwt, EXO_CLIENT_SECRET, WELL_KNOWN_APPS } from '@hma-lab/core';
import type { OnpremActiveSyncService } from '@hma-lab/exchange-onprem';
import { createLab, type Lab } from '@hma-lab/lab';
import type { FlowResult } from '@hma-lab/outlook-mobile';
import { entraV1Token } from './helpers.js';

/**
 * A whole ActiveSync client session against on-premises Exchange over loopback,
 * authenticated the HMA way: AT1 from a real sign-in (flow A), traded
 * on-behalf-of for AT2 exactly as Exchange Online does at step 17.
 */
describe('an ActiveSync client session with AT2 against on-premises Exchange', () => {
  let lab: Lab;
  let at2: string;
  let client: EasClient;
  let eas: OnpremActiveSyncService;
  const EAS_URL = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';

  beforeAll(async () => {
    lab = await createLab({ mode: 'loopback' });
    eas = lab.service<OnpremActiveSyncService>('onprem-eas');
    const run = await lab.runFlow('alice@contoso.com');
    const at1 = (run.result as FlowResult).tokens.accessToken;
    const obo = await entraV1Token(lab, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: WELL_KNOWN_APPS.exchangeOnline,
      client_secret: EXO_CLIENT_SECRET,
      assertion: at1,
      requested_token_use: 'on_behalf_of',
      resource: 'https://mail.contoso.com',
    });
    expect(obo.status).toBe(200);
    at2 = ((await obo.json()) as { access_token: string }).access_token;
    expect(decodeJwt(at2)?.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
    });
    client = createEasClient({
      fetch: lab.fetchAs('client'),
      url: EAS_URL,
      authorization: () => `Bearer ${at2}`,
      deviceId: 'LABTESTPHONE0001',
      deviceType: 'TestPhone',
      deviceModel: 'hma-lab test client',
      protocolVersion: '16.1',
    });
  });
  afterAll(() => lab?.close());

  it('OPTIONS lists the protocol versions and commands', async () => {
    const options = await client.options();
    expect(options.status).toBe(200);
    expect(options.versions).toEqual(expect.arrayContaining(['14.1', '16.0', '16.1']));
    expect(options.commands).toEqual(
      expect.arrayContaining(['Sync', 'FolderSync', 'Provision', 'Ping', 'SendMail']),
    );
  });

  it('Provision runs both phases and yields the final policy key', async () => {
    const calls = lab.trace.exchanges().length;
    const { policyKey, policy } = await client.provision();
    expect(policyKey).toMatch(/^\d+$/);
    expect(Object.keys(policy).length).toBeGreaterThan(0);
    const provisions = lab.trace
      .exchanges()
      .slice(calls)
      .filter((e) => /Cmd=Provision/.test(e.url));
    expect(provisions).toHaveLength(2);
    expect(provisions[1]!.requestHeaders['x-ms-policykey']).not.toBe(policyKey); // phase 2 acknowledges the temporary key
  });

  let inbox: string;
  let sent: string;
  it('FolderSync returns the hierarchy', async () => {
    const { folders } = await client.folderSync();
    inbox = folders.find((f) => f.type === 2)!.serverId;
    sent = folders.find((f) => f.type === 5)!.serverId;
    expect(folders.map((f) => f.type)).toEqual(expect.arrayContaining([2, 3, 4, 5, 8, 9]));
  });

  it('Sync pages through the Inbox (WindowSize, MoreAvailable), calendar and contacts', async () => {
    const mail = await client.syncAll(inbox, { windowSize: 3, bodyType: 1 });
    expect(mail.rounds).toBeGreaterThan(2);
    expect(mail.added.length).toBeGreaterThanOrEqual(8);
    expect(mail.added[0]!.data['Email:Subject']).toBeTruthy();
    const { folders } = await client.folderSync();
    const calendar = await client.syncAll(folders.find((f) => f.type === 8)!.serverId);
    expect(calendar.added.some((item) => item.data['Calendar:Subject'] === 'Weekly sync')).toBe(
      true,
    );
    const contacts = await client.syncAll(folders.find((f) => f.type === 9)!.serverId);
    // Exchange writes Email1Address with the display name: "Megan Bowen" <megan@contoso.com>.
    expect(contacts.added.map((item) => item.data['Contacts:Email1Address'])).toContain(
      '"Megan Bowen" <megan@contoso.com>',
    );
  });

  it('an incremental Sync brings a message that arrived meanwhile', async () => {
    eas.deliver('alice@contoso.com', {
      subject: 'Arrived after the first sync',
      from: 'megan@contoso.com',
      bodyText: 'Hello',
    });
    const next = await client.sync(inbox, { windowSize: 10 });
    expect(next.added.map((item) => item.data['Email:Subject'])).toEqual([
      'Arrived after the first sync',
    ]);
  });

  it('SendMail lands in Sent Items', async () => {
    const mime = [
      'From: alice@contoso.com',
      'To: megan@contoso.com',
      'Subject: Sent from the lab client',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Sent over ActiveSync with AT2.',
    ].join('\r\n');
    await client.sendMail(mime, { saveInSent: true });
    const sentItems = await client.syncAll(sent);
    expect(sentItems.added.map((item) => item.data['Email:Subject'])).toContain(
      'Sent from the lab client',
    );
  });

  it('Ping waits on the virtual clock and answers when mail arrives', async () => {
    const ping = client.ping([inbox], 480);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(eas.waitingRequests()).toBe(1);
    eas.deliver('alice@contoso.com', {
      subject: 'Wake up',
      from: 'megan@contoso.com',
      bodyText: 'Ping!',
    });
    expect(await ping).toEqual({ status: 2, changedFolders: [inbox] });
    // With nothing new, the heartbeat expires in virtual time.
    await client.sync(inbox);
    const idle = client.ping([inbox], 480);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await lab.clock.advance('8m');
    expect((await idle).status).toBe(1);
  });
});
