import { createEasClient, findRequest, textOf, type EasClient } from '@hma-lab/activesync';
import { EXO_CLIENT_SECRET, WELL_KNOWN_APPS } from '@hma-lab/core';
import type { OnpremActiveSyncService } from '@hma-lab/exchange-onprem';
import { createLab, type Lab } from '@hma-lab/lab';
import type { FlowResult } from '@hma-lab/outlook-mobile';
import { entraV1Token } from './helpers.js';

/**
 * Mail between the two halves of the hybrid organisation: alice's mailbox is
 * on-premises, bob's in Exchange Online. What one sends the other receives, as
 * through a hybrid organisation's connectors; addresses neither holds stay
 * outside.
 */
describe('hybrid mail flow between on-premises and Exchange Online mailboxes', () => {
  let lab: Lab;
  let alice: EasClient;
  let bob: EasClient;
  let onprem: OnpremActiveSyncService;

  beforeAll(async () => {
    lab = await createLab({ mode: 'in-process' });
    onprem = lab.service<OnpremActiveSyncService>('onprem-eas');
    // bob (flow B): his Exchange Online token, straight to Exchange Online's ActiveSync.
    const bobRun = await lab.runFlow('bob@contoso.com');
    const bobToken = (bobRun.result as FlowResult).tokens.accessToken;
    bob = createEasClient({
      fetch: lab.fetchAs('client'),
      url: 'https://outlook.office365.com/Microsoft-Server-ActiveSync',
      authorization: () => `Bearer ${bobToken}`,
      deviceId: 'BOBPHONE',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    // alice (on-premises): AT1 traded on-behalf-of for AT2, as Exchange Online does (step 17).
    const aliceRun = await lab.runFlow('alice@contoso.com');
    const obo = await entraV1Token(lab, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: WELL_KNOWN_APPS.exchangeOnline,
      client_secret: EXO_CLIENT_SECRET,
      assertion: (aliceRun.result as FlowResult).tokens.accessToken,
      requested_token_use: 'on_behalf_of',
      resource: 'https://mail.contoso.com',
    });
    const at2 = ((await obo.json()) as { access_token: string }).access_token;
    alice = createEasClient({
      fetch: lab.fetchAs('client'),
      url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
      authorization: () => `Bearer ${at2}`,
      deviceId: 'ALICEPHONE',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    await Promise.all([bob.provision(), alice.provision()]);
  });
  afterAll(() => lab?.close());

  const sentEvent = (action: string, subject: string) =>
    lab.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === action && e.summary.includes(subject));

  /** Subjects and senders of what the next Sync of the client's Inbox brings. */
  async function newInInbox(client: EasClient) {
    const { folders } = await client.folderSync();
    const { added } = await client.syncAll(folders.find((f) => f.type === 2)!.serverId);
    return added.map((i) => [i.data['Email:Subject'], i.data['Email:From'], i.body]);
  }

  it("a cloud mailbox sends to an on-premises one: it arrives in alice's Inbox", async () => {
    await newInInbox(alice);
    await bob.sendMail(
      'To: Alice Wong <alice@contoso.com>, partner@example.org\r\nSubject: From the cloud\r\n\r\nHello from Exchange Online',
    );
    expect(await newInInbox(alice)).toEqual([
      ['From the cloud', '"Bob Kelly" <bob@contoso.com>', 'Hello from Exchange Online'],
    ]);
    expect(sentEvent('exo.eas.mail.sent', 'From the cloud')).toMatchObject({
      data: { delivered: ['alice@contoso.com'], external: ['partner@example.org'] },
    });
    expect(sentEvent('onprem.mail.delivered', 'From the cloud')).toMatchObject({
      data: { to: 'alice@contoso.com', from: 'bob@contoso.com' },
    });
    const inbox = onprem.store.mailbox('alice@contoso.com')!;
    const stored = inbox
      .items(inbox.folderByRole('inbox')!.serverId)
      .find((i) => i.data.kind === 'mail' && i.data.subject === 'From the cloud');
    // The MIME as bob's client sent it travels with the message.
    expect(stored?.data).toMatchObject({ kind: 'mail', cc: [] });
    expect(stored?.data.kind === 'mail' && stored.data.mime?.toString()).toContain(
      'partner@example.org',
    );
  });

  it("an on-premises mailbox sends to a cloud one: it arrives in bob's Inbox", async () => {
    await newInInbox(bob);
    await alice.sendMail(
      'To: Bob Kelly <bob@contoso.com>\r\nCc: someone@example.org\r\nSubject: From on-premises\r\n\r\nHello from Exchange 2019',
    );
    expect(await newInInbox(bob)).toEqual([
      ['From on-premises', '"Alice Wong" <alice@contoso.com>', 'Hello from Exchange 2019'],
    ]);
    expect(sentEvent('onprem.eas.mail.sent', 'From on-premises')).toMatchObject({
      data: { delivered: ['bob@contoso.com'], external: ['someone@example.org'] },
    });
  });

  it('a file a cloud mailbox sends reaches the on-premises mailbox as an attachment', async () => {
    await newInInbox(alice);
    await bob.sendMail(
      [
        'To: alice@contoso.com',
        'Subject: Slides',
        'Content-Type: multipart/mixed; boundary="x"',
        '',
        '--x',
        'Content-Type: text/plain',
        '',
        'Attached.',
        '--x',
        'Content-Type: application/vnd.ms-powerpoint',
        'Content-Disposition: attachment; filename="deck.ppt"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('slides').toString('base64'),
        '--x--',
      ].join('\r\n'),
    );
    const { folders } = await alice.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const [slides] = (await alice.sync(inbox, {})).added;
    const attachment = (key: string) =>
      slides!.data[`AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:${key}`];
    expect([slides!.data['Email:Subject'], attachment('DisplayName')]).toEqual([
      'Slides',
      'deck.ppt',
    ]);
    const file = await alice.fetchAttachment(attachment('FileReference')!);
    expect(Buffer.from(file.bytes).toString()).toBe('slides');
  });

  it('a file an on-premises mailbox sends reaches the cloud mailbox as an attachment; Find says so', async () => {
    const { folders } = await bob.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    await bob.syncAll(inbox);
    await alice.sendMail(
      [
        'To: bob@contoso.com',
        'Subject: Budget sheet',
        'Content-Type: multipart/mixed; boundary="y"',
        '',
        '--y',
        'Content-Type: text/plain',
        '',
        'Here it is.',
        '--y',
        'Content-Type: text/csv; name="budget.csv"',
        'Content-Disposition: attachment; filename="budget.csv"',
        '',
        'q1,q2',
        '--y--',
      ].join('\r\n'),
    );
    const [sheet] = (await bob.sync(inbox, {})).added;
    const reference =
      sheet!.data['AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:FileReference']!;
    const file = await bob.fetchAttachment(reference);
    expect([file.contentType, Buffer.from(file.bytes).toString()]).toEqual(['text/csv', 'q1,q2']);
    const found = await bob.command('Find', findRequest({ freeText: 'budget' }));
    expect(
      textOf(found.body!, 'Find:Response', 'Find:Result', 'Find:Properties', 'Find:HasAttachments'),
    ).toBe('1');
  });

  it('without its route, on-premises reports mail for a cloud mailbox as outside', async () => {
    onprem.routeMail(undefined);
    await alice.sendMail('To: bob@contoso.com\r\nSubject: Unrouted\r\n\r\n.');
    expect(sentEvent('onprem.eas.mail.sent', 'Unrouted')).toMatchObject({
      data: { delivered: [], external: ['bob@contoso.com'] },
    });
    expect(await newInInbox(bob)).toEqual([]);
  });
});
