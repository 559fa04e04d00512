import {
  child,
  children,
  CODE_PAGES,
  decodeWbxml,
  type EasElement,
  el,
  encodeWbxml,
  getItemEstimateRequest,
  syncRequest,
  syncRequestCollection,
  textOf,
  WBXML_CONTENT_TYPE,
} from '@hma-lab/activesync';
import { IMPLEMENTED_COMMANDS } from '@hma-lab/exchange-onprem';
import { createLab, EAS_URL, readyClient, until } from './helpers.js';

const collection = (body: EasElement) =>
  child(child(body, 'AirSync:Collections')!, 'AirSync:Collection')!;

describe('ActiveSync edge cases', () => {
  it('reuses the cached request for an empty Sync (12.1+), and answers 13 when nothing is cached', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const empty = await client.command('Sync');
    expect(textOf(empty.body!, 'AirSync:Status')).toBe('13');
    await client.sync(id(2), { windowSize: 2 });
    const again = await client.command('Sync');
    const c = collection(again.body!);
    expect(textOf(c, 'AirSync:Status')).toBe('1');
    expect(child(c, 'AirSync:Commands')!.children).toHaveLength(2);
  });

  it('deliver() refuses a message it could not serve, and the mailbox goes on syncing', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    await client.syncAll(id(2));
    const bad: unknown[] = [
      { subject: 'a', from: 'x@contoso.com', bodyText: 'b', to: 'a@b.c' },
      { subject: 'a', from: 'x@contoso.com', bodyText: 'b', to: [null] },
      { subject: 'a', from: null, bodyText: 'b' },
      { from: 'x@contoso.com', bodyText: 'b' },
      { subject: 'a', from: 'x@contoso.com', bodyText: 7 },
      { subject: 'a', from: 'x@contoso.com', bodyText: 'b', importance: 5 },
      null,
    ];
    for (const message of bad) {
      expect(() => lab.eas.deliver('alice@contoso.com', message as never)).toThrow(
        expect.objectContaining({
          code: 'invalid_message',
          message: expect.stringMatching(/^deliver: /),
        }),
      );
    }
    expect(() =>
      lab.eas.deliver('alice@contoso.com', { subject: 'a', bodyText: 'b', to: 'x' } as never),
    ).toThrow(
      'deliver: from must be an address text or { name, email }; to must be a list of { name, email }',
    );
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Good one',
      from: 'it@contoso.com',
      bodyText: 'y',
    });
    const delta = await client.sync(id(2), {});
    expect(delta.added.map((i) => i.data['Email:Subject'])).toEqual(['Good one']);
  });

  it('answers an empty Sync before 12.1 with Status 4, even with a request kept', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab, { protocolVersion: '12.0' });
    await client.sync(id(2), { windowSize: 2 });
    const empty = await client.command('Sync');
    expect(empty.status).toBe(200);
    expect(textOf(empty.body!, 'AirSync:Status')).toBe('4');
  });

  it('holds a hanging Sync (Wait) until mail arrives, and validates its range', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const inbox = id(2);
    await client.syncAll(inbox);
    const key = client.exportState().syncKeys[inbox]!;
    const bad = await client.command(
      'Sync',
      el(
        'AirSync:Sync',
        el(
          'AirSync:Collections',
          el('AirSync:Collection', el('AirSync:SyncKey', key), el('AirSync:CollectionId', inbox)),
        ),
        el('AirSync:Wait', 600),
      ),
    );
    expect(textOf(bad.body!, 'AirSync:Status')).toBe('14');
    expect(textOf(bad.body!, 'AirSync:Limit')).toBe('59');
    const hanging = client.command(
      'Sync',
      el(
        'AirSync:Sync',
        el(
          'AirSync:Collections',
          el('AirSync:Collection', el('AirSync:SyncKey', key), el('AirSync:CollectionId', inbox)),
        ),
        el('AirSync:Wait', 5),
      ),
    );
    await until(() => lab.eas.waitingRequests() === 1, 'the hanging Sync');
    lab.eas.deliver('alice@contoso.com', {
      subject: 'While you waited',
      from: 'it@contoso.com',
      bodyText: '.',
    });
    const answer = collection((await hanging).body!);
    const add = child(child(answer, 'AirSync:Commands')!, 'AirSync:Add')!;
    expect(textOf(add, 'AirSync:ApplicationData', 'Email:Subject')).toBe('While you waited');
  });

  it('never replays client commands of a cached request', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const contacts = id(9);
    await client.syncAll(contacts);
    const key = client.exportState().syncKeys[contacts]!;
    await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          key,
          contacts,
          el(
            'AirSync:Commands',
            el(
              'AirSync:Add',
              el('AirSync:ClientId', 'once'),
              el('AirSync:ApplicationData', el('Contacts:FirstName', 'Once')),
            ),
          ),
        ),
      ),
    );
    await client.command('Sync');
    const mailbox = lab.eas.store.mailbox('alice@contoso.com')!;
    expect(
      mailbox
        .items(contacts)
        .filter((i) => i.data.kind === 'contact' && i.data.firstName === 'Once'),
    ).toHaveLength(1);
  });

  it('uses the cached collections for a Sync that carries only Wait', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    await client.syncAll(id(2));
    // Nothing arrives within the minute: the empty Sync response (MS-ASCMD 4.5.10).
    const quiet = client.command('Sync', el('AirSync:Sync', el('AirSync:Wait', 1)));
    await until(() => lab.eas.waitingRequests() === 1, 'the hanging Sync');
    await lab.ctx.clock.advance('1m');
    expect((await quiet).body).toBeUndefined();
    // A message arrives meanwhile: the answer is the cached collection's.
    const hanging = client.command('Sync', el('AirSync:Sync', el('AirSync:Wait', 1)));
    await until(() => lab.eas.waitingRequests() === 1, 'the hanging Sync');
    lab.eas.deliver('alice@contoso.com', {
      subject: 'During the wait',
      from: 'megan@contoso.com',
      bodyText: 'Hello',
    });
    const c = collection((await hanging).body!);
    expect(textOf(c, 'AirSync:CollectionId')).toBe(id(2));
    expect(textOf(c, 'AirSync:Status')).toBe('1');
    expect(children(child(c, 'AirSync:Commands')!, 'AirSync:Add')).toHaveLength(1);
  });

  it('ends waiting requests on close()', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    await client.syncAll(id(2));
    const ping = client.ping([id(2)], 600);
    await until(() => lab.eas.waitingRequests() === 1, 'the Ping');
    await lab.eas.close();
    await expect(ping).resolves.toEqual({ status: 1, changedFolders: [] });
    expect(lab.ctx.clock.pending()).toHaveLength(0);
  });

  it('answers an empty Ping from cached parameters, 3 with none, 7 for a deleted folder', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const none = await client.command('Ping');
    expect(textOf(none.body!, 'Ping:Status')).toBe('3');
    await client.syncAll(id(2));
    const first = client.ping([id(2)], 60);
    await until(() => lab.eas.waitingRequests() === 1, 'Ping');
    await lab.ctx.clock.advance('60s');
    await expect(first).resolves.toMatchObject({ status: 1 });
    const cached = client.command('Ping');
    await until(() => lab.eas.waitingRequests() === 1, 'cached Ping');
    lab.eas.deliver('alice@contoso.com', { subject: 'x', from: 'it@contoso.com', bodyText: 'y' });
    expect(textOf((await cached).body!, 'Ping:Status')).toBe('2');
    const gone = await client.command(
      'Ping',
      el(
        'Ping:Ping',
        el('Ping:HeartbeatInterval', 300),
        el('Ping:Folders', el('Ping:Folder', el('Ping:Id', '4242'), el('Ping:Class', 'Email'))),
      ),
    );
    expect(textOf(gone.body!, 'Ping:Status')).toBe('7');
  });

  it('answers GetItemEstimate 3 before the first Sync and 4 for a bad key', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const ask = (key: string) =>
      client.command(
        'GetItemEstimate',
        getItemEstimateRequest([{ collectionId: id(2), syncKey: key }]),
      );
    expect(
      textOf((await ask('0')).body!, 'GetItemEstimate:Response', 'GetItemEstimate:Status'),
    ).toBe('3');
    await client.sync(id(2), { windowSize: 1 });
    expect(
      textOf((await ask('31337')).body!, 'GetItemEstimate:Response', 'GetItemEstimate:Status'),
    ).toBe('4');
    const key = client.exportState().syncKeys[id(2)]!;
    const ok = (await ask(key)).body!;
    expect(
      textOf(
        ok,
        'GetItemEstimate:Response',
        'GetItemEstimate:Collection',
        'GetItemEstimate:Estimate',
      ),
    ).toBe('10');
  });

  it('sends mail at 12.1 with a MIME body and SaveInSent=T', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab, { protocolVersion: '12.1', deviceId: 'v121' });
    await client.sendMail('To: dave@fabrikam.com\r\nSubject: Old school\r\n\r\nplain MIME body', {
      saveInSent: true,
    });
    const sent = lab.eas.store.mailbox('alice@contoso.com')!.items(id(5));
    expect(sent.some((i) => i.data.kind === 'mail' && i.data.subject === 'Old school')).toBe(true);
  });

  it('serves an attachment with GetAttachment at 12.1 (the file as it is); 400 without a name, 404 for none, 501 from 14.0', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab, { protocolVersion: '12.1', deviceId: 'v121att' });
    await client.syncAll(id(2));
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Scan',
      from: 'megan@contoso.com',
      bodyText: 'Attached.',
      attachments: [
        { name: 'scan.png', contentType: 'image/png', content: new Uint8Array([137, 80, 78, 71]) },
      ],
    });
    const [scan] = (await client.sync(id(2), {})).added;
    const reference =
      scan!.data['AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:FileReference']!;
    const file = await client.getAttachment(reference);
    expect([file.contentType, [...file.bytes]]).toEqual(['image/png', [137, 80, 78, 71]]);
    await expect(client.getAttachment(`${reference}9`)).rejects.toMatchObject({ status: 404 });
    await expect(client.getAttachment('')).rejects.toMatchObject({ status: 400 });
    const modern = await readyClient(lab, { protocolVersion: '14.1', deviceId: 'v141att' });
    await expect(modern.client.getAttachment(reference)).rejects.toMatchObject({ status: 501 });
  });

  it('replies with SmartReply quoting the original', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    const { added } = await client.syncAll(id(2));
    const original = added.find((i) => i.data['Email:Subject'] === 'Quarterly numbers')!;
    const res = await client.command(
      'SmartReply',
      el(
        'ComposeMail:SmartReply',
        el('ComposeMail:ClientId', 'r1'),
        el('ComposeMail:SaveInSentItems'),
        el(
          'ComposeMail:Source',
          el('ComposeMail:FolderId', id(2)),
          el('ComposeMail:ItemId', original.serverId),
        ),
        el(
          'ComposeMail:Mime',
          'To: it@contoso.com\r\nSubject: RE: Quarterly numbers\r\n\r\nThanks!',
        ),
      ),
    );
    expect(res.body).toBeUndefined();
    const reply = lab.eas.store
      .mailbox('alice@contoso.com')!
      .items(id(5))
      .find((i) => i.data.kind === 'mail' && i.data.subject === 'RE: Quarterly numbers')!;
    expect(reply.data.kind === 'mail' && reply.data.bodyText).toContain(
      '-----Original Message-----',
    );
    const missing = await client.command(
      'SmartForward',
      el(
        'ComposeMail:SmartForward',
        el('ComposeMail:ClientId', 'r2'),
        el('ComposeMail:Source', el('ComposeMail:ItemId', `${id(2)}:99999`)),
        el('ComposeMail:Mime', 'To: it@contoso.com\r\nSubject: FW\r\n\r\n.'),
      ),
    );
    expect(textOf(missing.body!, 'ComposeMail:Status')).toBe('150');
  });

  it('speaks 2.5: WAP provisioning document and Email:Body', async () => {
    const lab = createLab();
    const client = lab.client({ protocolVersion: '2.5', deviceId: 'v25', deviceType: 'PocketPC' });
    const res = await client.command(
      'Provision',
      el(
        'Provision:Provision',
        el(
          'Provision:Policies',
          el('Provision:Policy', el('Provision:PolicyType', 'MS-WAP-Provisioning-XML')),
        ),
      ),
    );
    const data = textOf(res.body!, 'Provision:Policies', 'Provision:Policy', 'Provision:Data')!;
    expect(data).toMatch(/^<wap-provisioningdoc>/);
    const lab2 = createLab({ config: { provisioningRequired: false } });
    const old = lab2.client({ protocolVersion: '2.5', deviceId: 'v25', deviceType: 'PocketPC' });
    const { folders } = await old.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const { added } = await old.syncAll(inbox);
    expect(added[0]!.data['Email:Body']).toContain('Welcome to the hybrid lab');
  });

  it('refuses an invalid FilterType with collection Status 4', async () => {
    const lab = createLab();
    const { client, id } = await readyClient(lab);
    await client.sync(id(2), { windowSize: 1 });
    const key = client.exportState().syncKeys[id(2)]!;
    const res = await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(key, id(2), el('AirSync:Options', el('AirSync:FilterType', 42))),
      ),
    );
    expect(textOf(collection(res.body!), 'AirSync:Status')).toBe('4');
  });

  it('never answers 500 to random element trees, for any command', async () => {
    const lab = createLab({ config: { provisioningRequired: false } });
    const tags = CODE_PAGES.flatMap((p) =>
      Object.values(p.tags).map((name) => `${p.name}:${name}`),
    );
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const tree = (depth: number): EasElement => {
      const node = el(tags[random(tags.length)]!);
      if (depth > 0 && random(3) > 0) {
        for (let i = random(4); i > 0; i--) node.children.push(tree(depth - 1));
      } else if (random(2) === 0) {
        node.text = ['0', '1', '5', '2:1', 'x', '-1', '99999999999'][random(7)]!;
      }
      return node;
    };
    const statuses = new Set<number>();
    for (const command of IMPLEMENTED_COMMANDS) {
      if (command === 'GetAttachment') continue; // no WBXML: a query in, the file out
      const root = `${
        command === 'SendMail' || command === 'SmartReply' || command === 'SmartForward'
          ? 'ComposeMail'
          : command === 'MoveItems'
            ? 'Move'
            : command.startsWith('Folder')
              ? 'FolderHierarchy'
              : command === 'Sync'
                ? 'AirSync'
                : command
      }:${command}`;
      for (let i = 0; i < 25; i++) {
        const body = el(root, [tree(3), tree(3), tree(2)]);
        if (command === 'Ping' || command === 'Sync') {
          // Keep waits short: heartbeats are virtual anyway, but a valid one would hold.
          body.children = body.children.filter((c) => !/HeartbeatInterval|Wait/.test(c.tag));
        }
        const res = await lab.fetch(`${EAS_URL}?Cmd=${command}&DeviceId=fuzz&DeviceType=Fuzzer`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${lab.token('alice@contoso.com')}`,
            'Content-Type': WBXML_CONTENT_TYPE,
            'MS-ASProtocolVersion': '16.1',
          },
          body: encodeWbxml(body),
        });
        statuses.add(res.status);
        expect([200, 400]).toContain(res.status);
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (bytes.length > 0) expect(() => decodeWbxml(bytes)).not.toThrow();
      }
    }
    await lab.eas.close();
    expect(lab.ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    expect(statuses.has(200)).toBe(true);
  });
});
