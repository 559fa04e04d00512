import {
  child,
  children,
  clientChange,
  type EasElement,
  el,
  moveItemsRequest,
  syncRequest,
  syncRequestCollection,
  syncWithCommands,
  textOf,
  findRequest,
} from '@hma-lab/activesync';
import { SEEDED_MAIL_AGES_DAYS } from '@hma-lab/core';
import { afterTimers } from '@hma-lab/core/testing';
import { createLab, until } from './helpers.js';

async function ready(
  lab: ReturnType<typeof createLab>,
  opts: Parameters<ReturnType<typeof createLab>['client']>[0] = {},
) {
  const client = lab.client(opts);
  await client.provision();
  const { folders } = await client.folderSync();
  const id = (name: string) => folders.find((f) => f.displayName === name)!.serverId;
  return { client, folders, id };
}

function collectionOf(body: EasElement): EasElement {
  return child(child(body, 'AirSync:Collections')!, 'AirSync:Collection')!;
}

describe('ActiveSync commands', () => {
  it('runs the HMA session of Exchange Online: OPTIONS, Provision x2, FolderSync, Sync (step 19)', async () => {
    const lab = createLab();
    const client = lab.client();
    const options = await client.options();
    expect(options.versions).toContain('16.1');
    await client.provision();
    const { folders } = await client.folderSync();
    expect(folders.map((f) => [f.displayName, f.type])).toEqual(
      expect.arrayContaining([
        ['Inbox', 2],
        ['Sent Items', 5],
        ['Calendar', 8],
        ['Contacts', 9],
        ['Deleted Items', 4],
      ]),
    );
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const mail = await client.syncAll(inbox, { filterType: 5, windowSize: 3 });
    // One month back: the eight messages within four weeks, none of the older three.
    expect(mail.added).toHaveLength(SEEDED_MAIL_AGES_DAYS.filter((d) => d <= 28).length);
    expect(mail.rounds).toBe(3);
    const first = mail.added[0]!;
    expect(first.data['Email:Subject']).toBe('Welcome to the hybrid lab');
    expect(first.data['Email:From']).toBe('"Megan Bowen" <megan@contoso.com>');
    expect(first.data['Email:To']).toBe('"Alice Wong" <alice@contoso.com>');
    expect(first.data['Email:DateReceived']).toMatch(/^2026-01-05T06:36:00\.000Z$/);
    expect(first.data['Email:Read']).toBe('0');
    expect(first.data['Email:MessageClass']).toBe('IPM.Note');
    expect(first.data['AirSyncBase:Body/AirSyncBase:Type']).toBe('1');
    expect(first.body).toContain("day(s) old in the lab's time");
    const device = lab.eas.devices.get('alice@contoso.com', 'OutlookService0001')!;
    expect(device.deviceType).toBe('OutlookService');
  });

  it('syncs calendar and contacts with realistic ApplicationData', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const calendar = await client.syncAll(id('Calendar'));
    expect(calendar.added).toHaveLength(5);
    const offsite = calendar.added.find((i) => i.data['Calendar:Subject'] === 'Offsite')!;
    expect(offsite.data).toMatchObject({
      // 16.x moves Location to AirSyncBase (MS-ASCAL 2.2.2.26).
      'AirSyncBase:Location/AirSyncBase:DisplayName': 'Lakeside',
      'Calendar:OrganizerEmail': 'megan@contoso.com',
      'Calendar:UID': 'alice@contoso.com-offsite',
      'Calendar:Attendees/Calendar:Attendee/Calendar:Email': 'alice@contoso.com',
    });
    expect(offsite.data['Calendar:StartTime']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(offsite.data['Calendar:EndTime']).toMatch(/^\d{8}T\d{6}Z$/);
    const legacy = await ready(createLab(), { protocolVersion: '14.1', deviceId: 'v141' });
    const calendar141 = await legacy.client.syncAll(legacy.id('Calendar'));
    expect(
      calendar141.added.find((i) => i.data['Calendar:Subject'] === 'Offsite')!.data[
        'Calendar:Location'
      ],
    ).toBe('Lakeside');
    const contacts = await client.syncAll(id('Contacts'));
    const megan = contacts.added.find((c) => c.data['Contacts:FirstName'] === 'Megan')!;
    expect(megan.data).toMatchObject({
      'Contacts:LastName': 'Bowen',
      'Contacts:Email1Address': '"Megan Bowen" <megan@contoso.com>',
      'Contacts:CompanyName': 'Contoso',
      'Contacts:JobTitle': 'Marketing Manager',
      'Contacts:MobilePhoneNumber': '+1 425 555 0110',
    });
  });

  it('filters by the calendar window and delivers incrementally after new mail', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    const all = await client.syncAll(inbox);
    expect(all.added).toHaveLength(SEEDED_MAIL_AGES_DAYS.length);
    const none = await client.sync(inbox);
    expect(none.added).toHaveLength(0);
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Fresh news',
      from: 'it@contoso.com',
      bodyText: 'Hello',
    });
    const estimate = await client.getItemEstimate([inbox]);
    expect(estimate[inbox]).toBe(1);
    const next = await client.sync(inbox);
    expect(next.added.map((i) => i.data['Email:Subject'])).toEqual(['Fresh news']);
  });

  it('honours BodyPreference: HTML, truncation with EstimatedDataSize, MIME', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    const html = await client.sync(inbox, { bodyType: 2, windowSize: 1 });
    const h = html.added[0]!;
    expect(h.data['AirSyncBase:Body/AirSyncBase:Type']).toBe('2');
    expect(h.body).toContain('<html>');
    const lab2 = createLab();
    const r2 = await ready(lab2);
    const truncated = await r2.client.sync(r2.id('Inbox'), {
      bodyType: 1,
      truncationSize: 10,
      windowSize: 1,
    });
    const t = truncated.added[0]!;
    expect(t.data['AirSyncBase:Body/AirSyncBase:Truncated']).toBe('1');
    expect(t.body).toBe('Welcome to');
    expect(Number(t.data['AirSyncBase:Body/AirSyncBase:EstimatedDataSize'])).toBeGreaterThan(10);
    const lab3 = createLab();
    const r3 = await ready(lab3);
    const mime = await r3.client.sync(r3.id('Inbox'), { bodyType: 4, windowSize: 1 });
    expect(mime.added[0]!.body).toMatch(/^From: "Megan Bowen" <megan@contoso.com>\r\nTo: /);
    expect(mime.added[0]!.body).toContain('Subject: Welcome to the hybrid lab');
  });

  it('answers Status 3 to an unknown SyncKey and Status 9 to a bad FolderSync key', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const res = await client.command(
      'Sync',
      syncRequest(syncRequestCollection('999', id('Inbox'))),
    );
    const collection = collectionOf(res.body!);
    expect(textOf(collection, 'AirSync:Status')).toBe('3');
    expect(textOf(collection, 'AirSync:SyncKey')).toBe('0');
    const fs = await client.command(
      'FolderSync',
      el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '424242')),
    );
    expect(textOf(fs.body!, 'FolderHierarchy:Status')).toBe('9');
    const unknownFolder = await client.command(
      'Sync',
      syncRequest(syncRequestCollection('0', '777')),
    );
    expect(textOf(collectionOf(unknownFolder.body!), 'AirSync:Status')).toBe('12');
  });

  it('answers a retried SyncKey with the same changes again', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    await client.sync(inbox, { windowSize: 1 });
    const key = client.exportState().syncKeys[inbox]!;
    const ask = () =>
      client.command(
        'Sync',
        syncRequest(syncRequestCollection(key, inbox, el('AirSync:WindowSize', 2))),
      );
    const once = collectionOf((await ask()).body!);
    const twice = collectionOf((await ask()).body!);
    const ids = (c: EasElement) =>
      children(child(c, 'AirSync:Commands')!, 'AirSync:Add').map((a) =>
        textOf(a, 'AirSync:ServerId'),
      );
    expect(ids(twice)).toEqual(ids(once));
    expect(child(twice, 'AirSync:MoreAvailable')).toBeDefined();
  });

  it('answers a Sync with nothing to report empty, keeping the key; a key that changes gets its own state', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const contacts = id('Contacts');
    await client.syncAll(contacts);
    const chain = () =>
      lab.eas.devices.get('alice@contoso.com', 'OutlookService0001')!.collections.get(contacts)!
        .chain;
    const synced = chain().current!.state;
    const key = chain().current!.key;
    expect(synced.size).toBe(4);
    // An incremental sync with nothing new: the empty Sync response (MS-ASCMD
    // 2.2.1.21.2), HTTP 200 with no body, and the client's key stays current.
    const quiet = await client.command('Sync', syncRequest(syncRequestCollection(key, contacts)));
    expect(quiet.body).toBeUndefined();
    expect(chain().current!.key).toBe(key);
    expect(chain().current!.state).toBe(synced);
    expect((await client.sync(contacts)).added).toHaveLength(0);
    // A new contact: the new key gets its own state; the old key's still has four.
    lab.eas.store.mailbox('alice@contoso.com')!.addItem(contacts, {
      kind: 'contact',
      firstName: 'Pat',
      lastName: 'Lee',
      email: 'pat@example.org',
      company: 'Fabrikam',
      jobTitle: 'Buyer',
      mobilePhone: '+1 555 0100',
      categories: [],
    });
    expect((await client.sync(contacts)).added).toHaveLength(1);
    expect(chain().previous!.state).toBe(synced);
    expect(synced.size).toBe(4);
    expect(chain().current!.state.size).toBe(5);
  });

  it('applies client Add, Change and Delete, without echoing them back', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const contacts = id('Contacts');
    await client.syncAll(contacts);
    const key = client.exportState().syncKeys[contacts]!;
    const add = await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          key,
          contacts,
          el(
            'AirSync:Commands',
            el(
              'AirSync:Add',
              el('AirSync:ClientId', 'c1'),
              el(
                'AirSync:ApplicationData',
                el('Contacts:FirstName', 'Pat'),
                el('Contacts:LastName', 'Lee'),
                el('Contacts:Email1Address', 'pat@example.org'),
                el('Contacts:BusinessPhoneNumber', '+1 555 0100'),
              ),
            ),
          ),
        ),
      ),
    );
    const c1 = collectionOf(add.body!);
    const response = child(child(c1, 'AirSync:Responses')!, 'AirSync:Add')!;
    expect(textOf(response, 'AirSync:ClientId')).toBe('c1');
    expect(textOf(response, 'AirSync:Status')).toBe('1');
    const serverId = textOf(response, 'AirSync:ServerId')!;
    expect(child(c1, 'AirSync:Commands')).toBeUndefined();
    const stored = lab.eas.store.mailbox('alice@contoso.com')!.item(serverId)!;
    expect(stored.data).toMatchObject({
      kind: 'contact',
      firstName: 'Pat',
      email: 'pat@example.org',
    });
    // The field the lab does not model is kept and served back.
    const fetched = await client.itemOperationsFetch(contacts, serverId);
    expect(fetched.data['Contacts:BusinessPhoneNumber']).toBe('+1 555 0100');

    const key2 = textOf(c1, 'AirSync:SyncKey')!;
    const change = await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          key2,
          contacts,
          el(
            'AirSync:Commands',
            el(
              'AirSync:Change',
              el('AirSync:ServerId', serverId),
              el('AirSync:ApplicationData', el('Contacts:JobTitle', 'CTO')),
            ),
            el('AirSync:Delete', el('AirSync:ServerId', 'nope:1')),
          ),
        ),
      ),
    );
    const c2 = collectionOf(change.body!);
    const responses = child(c2, 'AirSync:Responses')!;
    expect(children(responses, 'AirSync:Change')).toHaveLength(0);
    expect(textOf(child(responses, 'AirSync:Delete')!, 'AirSync:Status')).toBe('8');
    expect(lab.eas.store.mailbox('alice@contoso.com')!.item(serverId)!.data).toMatchObject({
      jobTitle: 'CTO',
      firstName: 'Pat',
    });

    const key3 = textOf(c2, 'AirSync:SyncKey')!;
    await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          key3,
          contacts,
          el('AirSync:Commands', el('AirSync:Delete', el('AirSync:ServerId', serverId))),
        ),
      ),
    );
    expect(lab.eas.store.mailbox('alice@contoso.com')!.item(serverId)).toBeUndefined();
  });

  it('moves deleted mail to Deleted Items and marks mail read', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    const { added } = await client.syncAll(inbox);
    const [a, b] = added;
    const key = client.exportState().syncKeys[inbox]!;
    await client.command(
      'Sync',
      syncWithCommands(
        key,
        inbox,
        clientChange(a!.serverId, el('Email:Read', 1)),
        el('AirSync:Delete', el('AirSync:ServerId', b!.serverId)),
      ),
    );
    const mailbox = lab.eas.store.mailbox('alice@contoso.com')!;
    expect(mailbox.item(a!.serverId)!.data).toMatchObject({ read: true });
    const deleted = mailbox.items(id('Deleted Items'));
    expect(deleted.map((i) => (i.data as { subject: string }).subject)).toEqual([
      b!.data['Email:Subject'],
    ]);
  });

  it('answers Ping when mail arrives, and on the heartbeat in virtual time', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    await client.syncAll(inbox);
    const pending = client.ping([inbox, id('Calendar')], 480);
    await until(() => lab.eas.waitingRequests() === 1, 'the Ping to wait');
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Ping me',
      from: 'megan@contoso.com',
      bodyText: '!',
    });
    await expect(pending).resolves.toEqual({ status: 2, changedFolders: [inbox] });

    await client.sync(inbox);
    const quiet = client.ping([inbox], 480);
    await until(() => lab.eas.waitingRequests() === 1, 'the second Ping');
    await lab.ctx.clock.advance('7m');
    expect(lab.eas.waitingRequests()).toBe(1);
    await lab.ctx.clock.advance('1m');
    await expect(quiet).resolves.toEqual({ status: 1, changedFolders: [] });
  });

  it("a change the device itself makes meanwhile (on another connection) is no news for its held Ping; another device's is", async () => {
    const lab = createLab();
    const { client, id } = await ready(lab, { deviceId: 'PHONE1' });
    const tablet = (await ready(lab, { deviceId: 'TABLET1' })).client;
    const inbox = id('Inbox');
    const [mail] = (await client.syncAll(inbox)).added;
    await tablet.syncAll(inbox);
    const pending = client.ping([inbox], 480);
    await until(() => lab.eas.waitingRequests() === 1, 'the Ping to wait');
    // The phone, on another connection, marks the mail read.
    const again = lab.client({ deviceId: 'PHONE1', state: client.exportState() });
    await again.command(
      'Sync',
      syncWithCommands(
        again.exportState().syncKeys[inbox]!,
        inbox,
        clientChange(mail!.serverId, el('Email:Read', 1)),
      ),
    );
    await lab.ctx.clock.advance(0);
    expect(lab.eas.waitingRequests()).toBe(1);
    // The tablet's change of the same mail is news.
    await tablet.command(
      'Sync',
      syncWithCommands(
        tablet.exportState().syncKeys[inbox]!,
        inbox,
        clientChange(mail!.serverId, el('Email:Read', 0)),
      ),
    );
    await expect(pending).resolves.toEqual({ status: 2, changedFolders: [inbox] });
  });

  it('answers Ping Status 5 for a heartbeat out of range and Status 2 at once when changes wait', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const res = await client.command(
      'Ping',
      el(
        'Ping:Ping',
        el('Ping:HeartbeatInterval', 10),
        el(
          'Ping:Folders',
          el('Ping:Folder', el('Ping:Id', id('Inbox')), el('Ping:Class', 'Email')),
        ),
      ),
    );
    expect(textOf(res.body!, 'Ping:Status')).toBe('5');
    expect(textOf(res.body!, 'Ping:HeartbeatInterval')).toBe('60');
    await client.sync(id('Inbox'), { windowSize: 1 });
    await expect(client.ping([id('Inbox')], 300)).resolves.toEqual({
      status: 2,
      changedFolders: [id('Inbox')],
    });
  });

  it('sends mail: saved in Sent Items, delivered to another lab mailbox', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const mime = [
      'From: Alice Wong <alice@contoso.com>',
      'To: Dave Fischer <dave@fabrikam.com>, someone@example.org',
      'Subject: =?utf-8?B?' + Buffer.from('Hybrid status ✓').toString('base64') + '?=',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset="utf-8"',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'All green =E2=9C=93',
    ].join('\r\n');
    await client.sendMail(mime, { saveInSent: true });
    const sent = lab.eas.store.mailbox('alice@contoso.com')!.items(id('Sent Items'));
    expect(sent.map((i) => (i.data as { subject: string }).subject)).toContain('Hybrid status ✓');
    const daveInbox = lab.eas.store.mailbox('dave@fabrikam.com')!;
    const arrived = daveInbox
      .items(daveInbox.folderByRole('inbox')!.serverId)
      .find((i) => (i.data as { subject: string }).subject === 'Hybrid status ✓');
    expect(arrived?.data).toMatchObject({
      bodyText: 'All green ✓',
      from: { email: 'alice@contoso.com' },
      read: false,
    });
    const event = lab.ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'onprem.eas.mail.sent');
    expect(event).toMatchObject({
      data: { delivered: ['dave@fabrikam.com'], external: ['someone@example.org'] },
    });
  });

  it("carries attachments: SendMail's MIME parts and deliver()'s files are listed, fetched by FileReference, forwarded; an unknown reference is Status 15", async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const pdf = Buffer.from('%PDF-1.4 quarterly numbers');
    const mime = [
      'To: Dave Fischer <dave@fabrikam.com>',
      'Subject: Report attached',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the report.',
      '--b1',
      'Content-Type: application/pdf; name="report.pdf"',
      'Content-Disposition: attachment; filename="report.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      pdf.toString('base64'),
      '--b1--',
      '',
    ].join('\r\n');
    await client.sendMail(mime, { saveInSent: true });
    const dave = await ready(lab, { upn: 'dave@fabrikam.com', deviceId: 'DAVE1' });
    const { added } = await dave.client.syncAll(dave.id('Inbox'));
    const report = added.find((i) => i.data['Email:Subject'] === 'Report attached')!;
    expect(report.body).toBe('See the report.');
    const listed = (key: string) =>
      report.data[`AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:${key}`];
    expect([listed('DisplayName'), listed('EstimatedDataSize'), listed('Method')]).toEqual([
      'report.pdf',
      String(pdf.length),
      '1',
    ]);
    const fetchFile = (eas: typeof client, reference: string) =>
      eas.fetchAttachment(reference).then(
        (file) => ({ status: '1', type: file.contentType, data: Buffer.from(file.bytes) }),
        (error: { status: number }) => ({
          status: String(error.status),
          type: '',
          data: Buffer.alloc(0),
        }),
      );
    const file = await fetchFile(dave.client, listed('FileReference')!);
    expect([file.status, file.type, file.data.equals(pdf)]).toEqual(['1', 'application/pdf', true]);
    expect((await fetchFile(dave.client, `${id('Inbox')}:9999:0`)).status).toBe('15');
    // The sender's copy in Sent Items lists it too.
    const sent = await client.syncAll(id('Sent Items'));
    expect(
      sent.added.find((i) => i.data['Email:Subject'] === 'Report attached')?.data[
        'AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:DisplayName'
      ],
    ).toBe('report.pdf');

    // deliver() takes files; a forward carries them along.
    expect(() =>
      lab.eas.deliver('alice@contoso.com', {
        subject: 'x',
        from: 'megan@contoso.com',
        bodyText: 'x',
        attachments: [{ name: 'a' }] as never,
      }),
    ).toThrow(/attachments must be a list/);
    const notes = lab.eas.deliver('alice@contoso.com', {
      subject: 'Notes',
      from: 'megan@contoso.com',
      bodyText: 'Attached.',
      attachments: [{ name: 'notes.txt', content: 'first line', contentType: 'text/plain' }],
    });
    await client.syncAll(id('Inbox'));
    const forward = await client.command(
      'SmartForward',
      el(
        'ComposeMail:SmartForward',
        el('ComposeMail:ClientId', 'fw1'),
        el('ComposeMail:Source', el('ComposeMail:ItemId', notes.serverId)),
        el('ComposeMail:Mime', 'To: dave@fabrikam.com\r\nSubject: FW: Notes\r\n\r\nFYI'),
      ),
    );
    expect(forward.body).toBeUndefined();
    const forwarded = (await dave.client.syncAll(dave.id('Inbox'))).added.find(
      (i) => i.data['Email:Subject'] === 'FW: Notes',
    )!;
    const reference =
      forwarded.data['AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:FileReference']!;
    const text = await fetchFile(dave.client, reference);
    expect([text.type, text.data.toString()]).toEqual(['text/plain', 'first line']);
  });

  it('refuses SendMail without recipients (119) and a reused ClientId (118)', async () => {
    const lab = createLab();
    const { client } = await ready(lab);
    const send = (clientId: string, mime: string) =>
      client.command(
        'SendMail',
        el(
          'ComposeMail:SendMail',
          el('ComposeMail:ClientId', clientId),
          el('ComposeMail:Mime', mime),
        ),
      );
    const none = await send('x1', 'From: alice@contoso.com\r\nSubject: nobody\r\n\r\nhi');
    expect(textOf(none.body!, 'ComposeMail:Status')).toBe('119');
    const ok = await send('x2', 'To: dave@fabrikam.com\r\nSubject: one\r\n\r\nhi');
    expect(ok.body).toBeUndefined();
    const again = await send('x2', 'To: dave@fabrikam.com\r\nSubject: one\r\n\r\nhi');
    expect(textOf(again.body!, 'ComposeMail:Status')).toBe('118');
  });

  it('finds mail and people with Find (16.1): newest first, Range and Total, a Preview; the GAL; Status 2 for what it cannot run', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab, { protocolVersion: '16.1' });
    const found = async (query: Parameters<typeof findRequest>[0]) => {
      const answer = await client.command('Find', findRequest(query));
      const response = child(answer.body!, 'Find:Response');
      return {
        status: textOf(answer.body!, 'Find:Status'),
        store: response && textOf(response, 'ItemOperations:Store'),
        results: response ? children(response, 'Find:Result') : [],
        range: response && textOf(response, 'Find:Range'),
        total: response && textOf(response, 'Find:Total'),
      };
    };
    const lunch = await found({ freeText: 'lunch' });
    expect([lunch.status, lunch.store, lunch.range, lunch.total]).toEqual([
      '1',
      'Mailbox',
      '0-1',
      '2',
    ]);
    expect(lunch.results.map((r) => textOf(r, 'Find:Properties', 'Email:Subject'))).toEqual([
      'Re: Lunch on Thursday?',
      'Lunch on Thursday?',
    ]);
    expect(textOf(lunch.results[0]!, 'Find:Properties', 'Find:Preview')).not.toBe('');
    // Its ServerId and CollectionId fetch the mail.
    const first = lunch.results[1]!;
    const item = await client.itemOperationsFetch(
      textOf(first, 'AirSync:CollectionId')!,
      textOf(first, 'AirSync:ServerId')!,
    );
    expect(item.data['Email:Subject']).toBe('Lunch on Thursday?');
    expect((await found({ freeText: 'lunch', collectionId: id('Inbox') })).total).toBe('1');
    expect((await found({ freeText: 'lunch', range: '1-1' })).range).toBe('1-1');
    const people = await found({ gal: 'ali' });
    expect([people.store, people.total]).toEqual(['GAL', '1']);
    expect(textOf(people.results[0]!, 'Find:Properties', 'GAL:EmailAddress')).toBe(
      'alice@contoso.com',
    );
    expect((await found({ freeText: 'x', range: '9-1' })).status).toBe('2');
    const bare = await client.command('Find', el('Find:Find', el('Find:SearchId', 'x')));
    expect(textOf(bare.body!, 'Find:Status')).toBe('2');
  });

  it('fetches with ItemOperations and finds with Search (Mailbox and GAL)', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    const { added } = await client.syncAll(inbox);
    const item = await client.itemOperationsFetch(inbox, added[2]!.serverId);
    expect(item.data['Email:Subject']).toBe(added[2]!.data['Email:Subject']);
    const results = await client.search('lunch');
    expect(results.map((r) => r.data['Email:Subject'])).toEqual([
      'Re: Lunch on Thursday?',
      'Lunch on Thursday?',
    ]);
    const inInbox = await client.search('lunch', { collectionId: inbox });
    expect(inInbox).toHaveLength(1);
    const missing = await client.command(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'Mailbox'),
          el('AirSync:CollectionId', inbox),
          el('AirSync:ServerId', `${inbox}:9999`),
        ),
      ),
    );
    const fetch = child(child(missing.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
    expect(textOf(fetch, 'ItemOperations:Status')).toBe('6');
    const gal = await client.command(
      'Search',
      el(
        'Search:Search',
        el(
          'Search:Store',
          el('Search:Name', 'GAL'),
          el('Search:Query', 'dave'),
          el('Search:Options', el('Search:Range', '0-9')),
        ),
      ),
    );
    const store = child(child(gal.body!, 'Search:Response')!, 'Search:Store')!;
    expect(textOf(store, 'Search:Total')).toBe('1');
    expect(textOf(child(store, 'Search:Result')!, 'Search:Properties', 'GAL:EmailAddress')).toBe(
      'dave@fabrikam.com',
    );
  });

  it('answers Settings: UserInformation, DeviceInformation, Oof Get and Set', async () => {
    const lab = createLab();
    const { client } = await ready(lab);
    const info = await client.settings();
    expect(JSON.stringify(info.userInformation)).toContain('alice@contoso.com');
    const set = await client.command(
      'Settings',
      el(
        'Settings:Settings',
        el(
          'Settings:Oof',
          el(
            'Settings:Set',
            el('Settings:OofState', 1),
            el(
              'Settings:OofMessage',
              el('Settings:AppliesToInternal'),
              el('Settings:Enabled', 1),
              el('Settings:ReplyMessage', 'Away'),
              el('Settings:BodyType', 'TEXT'),
            ),
          ),
        ),
      ),
    );
    expect(textOf(set.body!, 'Settings:Oof', 'Settings:Status')).toBe('1');
    const get = await client.command(
      'Settings',
      el(
        'Settings:Settings',
        el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'TEXT'))),
      ),
    );
    const oof = child(child(get.body!, 'Settings:Oof')!, 'Settings:Get')!;
    expect(textOf(oof, 'Settings:OofState')).toBe('1');
    expect(textOf(oof, 'Settings:OofMessage', 'Settings:ReplyMessage')).toBe('Away');
    expect(lab.eas.devices.get('alice@contoso.com', 'OutlookService0001')!.info.model).toBe(
      'OutlookService',
    );
  });

  it('moves items and creates folders', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id('Inbox');
    const { added } = await client.syncAll(inbox);
    const create = await client.command(
      'FolderCreate',
      el(
        'FolderHierarchy:FolderCreate',
        el('FolderHierarchy:SyncKey', client.exportState().folderSyncKey!),
        el('FolderHierarchy:ParentId', '0'),
        el('FolderHierarchy:DisplayName', 'Projects'),
        el('FolderHierarchy:Type', 12),
      ),
    );
    expect(textOf(create.body!, 'FolderHierarchy:Status')).toBe('1');
    const projects = textOf(create.body!, 'FolderHierarchy:ServerId')!;
    const move = await client.command(
      'MoveItems',
      moveItemsRequest([{ srcMsgId: added[0]!.serverId, srcFldId: inbox, dstFldId: projects }]),
    );
    const response = child(move.body!, 'Move:Response')!;
    expect(textOf(response, 'Move:Status')).toBe('3');
    expect(textOf(response, 'Move:DstMsgId')).toMatch(new RegExp(`^${projects}:`));
    // The next Sync of the Inbox reports the move as a delete.
    const after = await client.sync(inbox);
    expect(after.deleted).toEqual([added[0]!.serverId]);
  });

  it('refuses to move a folder into itself or below itself (Status 5), and deleting it still works', async () => {
    const lab = createLab();
    const { client } = await ready(lab);
    let key = client.exportState().folderSyncKey!;
    const folderCommand = async (command: string, ...fields: Array<[string, string | number]>) => {
      const answer = await client.command(
        command,
        el(
          `FolderHierarchy:${command}`,
          el('FolderHierarchy:SyncKey', key),
          ...fields.map(([name, value]) => el(`FolderHierarchy:${name}`, value)),
        ),
      );
      key = textOf(answer.body!, 'FolderHierarchy:SyncKey') ?? key;
      return answer.body!;
    };
    const create = async (parentId: string, name: string) =>
      textOf(
        await folderCommand(
          'FolderCreate',
          ['ParentId', parentId],
          ['DisplayName', name],
          ['Type', 12],
        ),
        'FolderHierarchy:ServerId',
      )!;
    const a = await create('0', 'A');
    const b = await create(a, 'B');
    const c = await create(b, 'C');
    for (const parent of [a, b, c]) {
      const update = await folderCommand(
        'FolderUpdate',
        ['ServerId', a],
        ['ParentId', parent],
        ['DisplayName', 'A'],
      );
      expect([parent, textOf(update, 'FolderHierarchy:Status')]).toEqual([parent, '5']);
    }
    const mailbox = lab.eas.store.mailbox('alice@contoso.com')!;
    expect(mailbox.folder(a)!.parentId).toBe('0');
    // Moving B (and C under it) to the top is still fine.
    const moveB = await folderCommand(
      'FolderUpdate',
      ['ServerId', b],
      ['ParentId', '0'],
      ['DisplayName', 'B'],
    );
    expect(textOf(moveB, 'FolderHierarchy:Status')).toBe('1');
    const remove = await folderCommand('FolderDelete', ['ServerId', b]);
    expect(textOf(remove, 'FolderHierarchy:Status')).toBe('1');
    expect([a, b, c].map((id) => mailbox.folder(id) !== undefined)).toEqual([true, false, false]);
  });

  it('deletes a folder tree in one pass, and ends even where the stored parents go round', async () => {
    const lab = createLab();
    const mailbox = lab.eas.store.mailbox('alice@contoso.com')!;
    // 20,000 folders in one chain: a walk that scanned every folder for each would take minutes.
    let parent = '0';
    const chain: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      parent = mailbox.createFolder(parent, `F${i}`, 12).serverId;
      chain.push(parent);
    }
    expect(mailbox.subtree(chain[0]!)).toHaveLength(20_000);
    await afterTimers();
    // Parents going round (the store itself does not check): the walk still ends.
    const x = mailbox.createFolder('0', 'X', 12).serverId;
    const y = mailbox.createFolder(x, 'Y', 12).serverId;
    mailbox.updateFolder(x, y, 'X');
    expect(mailbox.subtree(x).sort()).toEqual([x, y].sort());
    expect(mailbox.deleteFolder(x)).toBe(true);
    expect(mailbox.folder(y)).toBeUndefined();
    expect(mailbox.deleteFolder(chain[0]!)).toBe(true);
    expect(mailbox.folders().some((f) => f.displayName.startsWith('F'))).toBe(false);
  }, 5_000);
});
