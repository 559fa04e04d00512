import {
  child,
  clientChange,
  children,
  createEasClient,
  decodeWbxml,
  el,
  findRequest,
  getItemEstimateRequest,
  moveItemsRequest,
  syncRequest,
  syncRequestCollection,
  syncWithCommands,
  textOf,
  type EasClientState,
  type EasElement,
} from '@hma-lab/activesync';
import { createTestContext, WELL_KNOWN_APPS } from '@hma-lab/core';
import { testPki } from '../../activesync/test/support/certificates.js';
import { EXO, hybridLab, mintAccessToken } from './support.js';

const EXO_EAS = `${EXO}/Microsoft-Server-ActiveSync`;
const BOB = 'bob@contoso.com';

describe('Exchange Online ActiveSync for cloud mailboxes (flow B)', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  /** An EAS client of bob's (Outlook's token for Exchange Online) on this device (with its state: another connection of it). */
  function bobDevice(deviceId: string, protocolVersion = '14.1', state?: EasClientState) {
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    return createEasClient({
      fetch: lab.ctx.fetchFor('device'),
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId,
      deviceType: 'iPhone',
      user: BOB,
      protocolVersion,
      ...(state ? { state } : {}),
    });
  }

  /** ActiveSync's OPTIONS with this Bearer token, from `party`. */
  const optionsWith = (token: string, party: 'client' | 'device' = 'client') =>
    lab.ctx.fetchFor(party)(EXO_EAS, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${token}` },
    });

  /** bob's device, provisioned, with its Inbox synced to the end. */
  async function bobInSync(deviceId: string) {
    const eas = bobDevice(deviceId);
    await eas.provision();
    const { folders } = await eas.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    await eas.syncAll(inbox);
    return { eas, inbox };
  }

  /** Two of bob's devices in sync, each holding a mail just delivered (`item`, its first Sync on `other`). */
  async function twoDevicesWith(subject: string, ids: [string, string]) {
    const { eas, inbox } = await bobInSync(ids[0]);
    const { eas: other } = await bobInSync(ids[1]);
    const item = lab.exo.deliver(BOB, { subject });
    await eas.sync(inbox, {});
    const held = await other.sync(inbox, {});
    return { eas, other, inbox, item, held };
  }

  /** Two of bob's devices, provisioned, with his calendar and contacts synced to the end on both. */
  async function twoCalendarDevices(ids: [string, string]) {
    const eas = bobDevice(ids[0]);
    const other = bobDevice(ids[1]);
    await eas.provision();
    await other.provision();
    const { folders } = await eas.folderSync();
    await other.folderSync();
    const calendar = folders.find((f) => f.type === 8)!.serverId;
    const contacts = folders.find((f) => f.type === 9)!.serverId;
    for (const device of [eas, other]) {
      await device.syncAll(calendar);
      await device.syncAll(contacts);
    }
    return { eas, other, calendar, contacts };
  }

  /** The Responses of a one-collection Sync answer. */
  const responsesOf = (answer: { body?: EasElement }) =>
    children(
      child(child(answer.body!, 'AirSync:Collections')!, 'AirSync:Collection')!,
      'AirSync:Responses',
    ).flatMap((r) => r.children);

  /** bob's events as Outlook's REST view shows them. */
  const bobEvents = () =>
    lab.call(
      'GET',
      '/api/hma/v1/mailbox/events',
      mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile }),
    );

  it('answers an empty Bearer with 401 and the Exchange Online challenge (steps 3-4)', async () => {
    lab = hybridLab();
    const res = await lab.ctx.fetchFor('autodetect')(EXO_EAS, {
      headers: { authorization: 'Bearer' },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-length')).toBe('0');
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toBe(
      'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
    );
    expect(challenge).not.toContain('Basic');
    const basic = await lab.ctx.fetchFor('client')(EXO_EAS, {
      method: 'OPTIONS',
      headers: { authorization: `Basic ${Buffer.from(`${BOB}:Passw0rd!`).toString('base64')}` },
    });
    expect(basic.status).toBe(401);
  });

  it('offers and accepts Basic only when allowBasicAuthActiveSync is on', async () => {
    lab = hybridLab({ allowBasicAuthActiveSync: true });
    const anonymous = await lab.ctx.fetchFor('client')(EXO_EAS, { method: 'OPTIONS' });
    expect(anonymous.headers.get('www-authenticate')).toContain(
      'Basic realm="outlook.office365.com"',
    );
    const basic = await lab.ctx.fetchFor('client')(EXO_EAS, {
      method: 'OPTIONS',
      headers: { authorization: `Basic ${Buffer.from(`${BOB}:Passw0rd!`).toString('base64')}` },
    });
    expect(basic.status).toBe(200);
  });

  it('syncs bob with his access token: OPTIONS, Provision x2, FolderSync, Sync, Settings (step 15)', async () => {
    lab = hybridLab();
    const token = mintAccessToken(lab.ctx, BOB, {
      appid: WELL_KNOWN_APPS.outlookMobile,
      amr: ['pwd', 'fed'],
    });
    const eas = createEasClient({
      fetch: lab.ctx.fetchFor('device'),
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId: 'bobphone1',
      deviceType: 'iPhone',
      user: BOB,
      protocolVersion: '14.1',
    });
    const options = await eas.options();
    expect(options.status).toBe(200);
    expect(options.versions).toContain('14.1');
    expect(options.commands).toEqual(expect.arrayContaining(['Sync', 'FolderSync', 'Provision']));
    const provisioned = await eas.provision();
    expect(provisioned.policyKey).toMatch(/^\d+$/);
    const { folders } = await eas.folderSync();
    expect(folders.map((f) => [f.displayName, f.type])).toEqual(
      expect.arrayContaining([
        ['Inbox', 2],
        ['Calendar', 8],
        ['Contacts', 9],
      ]),
    );
    const inbox = folders.find((f) => f.type === 2)!;
    const all = await eas.syncAll(inbox.serverId, { windowSize: 4 });
    expect(all.added).toHaveLength(11);
    expect(all.rounds).toBeGreaterThan(2);
    expect(all.added[0]!.data['Email:Subject']).toBeDefined();
    const month = createEasClient({
      fetch: lab.ctx.fetchFor('device'),
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId: 'bobphone2',
      deviceType: 'iPhone',
      user: BOB,
      protocolVersion: '14.1',
    });
    await month.provision();
    await month.folderSync();
    const recent = await month.syncAll(inbox.serverId, { filterType: 5 });
    expect(recent.added).toHaveLength(8); // ages 0.1-26 days; 33, 45 and 70 are older than a month

    lab.exo.deliver(BOB, { subject: 'Fresh cloud mail' });
    const delta = await eas.sync(inbox.serverId, {});
    expect(delta.added.map((i) => i.data['Email:Subject'])).toEqual(['Fresh cloud mail']);
    const calendar = await eas.syncAll(folders.find((f) => f.type === 8)!.serverId);
    expect(calendar.added[0]!.data['Calendar:Subject']).toBeDefined();
    const settings = await eas.settings();
    expect(settings.status).toBe(1);
    const calls = lab.ctx.trace.exchanges().filter((e) => e.from === 'device' && e.to === 'exo');
    expect(calls.every((e) => e.status === 200)).toBe(true);
  });

  it('a Sync collection or FolderSync without a SyncKey is refused, and the device keeps its state', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone3');
    const statusOf = (body: EasElement | undefined, ...path: string[]) => textOf(body!, ...path);
    const noKey = await eas.command(
      'Sync',
      el(
        'AirSync:Sync',
        el('AirSync:Collections', el('AirSync:Collection', el('AirSync:CollectionId', inbox))),
      ),
    );
    expect(
      statusOf(noKey.body, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:Status'),
    ).toBe('4');
    const unknown = await eas.command(
      'Sync',
      syncRequest(syncRequestCollection(eas.exportState().syncKeys[inbox]!, '999')),
    );
    expect(
      statusOf(unknown.body, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:Status'),
    ).toBe('12');
    const noFolderKey = await eas.command('FolderSync', el('FolderHierarchy:FolderSync'));
    expect(statusOf(noFolderKey.body, 'FolderHierarchy:Status')).toBe('10');
    // The device's own keys still work: nothing was reset.
    lab.exo.deliver(BOB, { subject: 'After the bad requests' });
    const delta = await eas.sync(inbox, {});
    expect(delta.added.map((i) => i.data['Email:Subject'])).toEqual(['After the bad requests']);
    await expect(eas.folderSync()).resolves.toBeDefined();
  });

  it('a retried previous SyncKey gets the changes again; an older one is Status 3 (MS-ASCMD 3.1.5.3)', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone7');
    const k1 = eas.exportState().syncKeys[inbox]!;
    const syncWith = async (key: string) => {
      const answer = await eas.command('Sync', syncRequest(syncRequestCollection(key, inbox)));
      const collection = child(child(answer.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
      const adds = children(child(collection, 'AirSync:Commands') ?? collection, 'AirSync:Add');
      return {
        status: textOf(collection, 'AirSync:Status'),
        key: textOf(collection, 'AirSync:SyncKey')!,
        subjects: adds.map((a) => textOf(a, 'AirSync:ApplicationData', 'Email:Subject')),
      };
    };
    lab.exo.deliver(BOB, { subject: 'Lost on the way' });
    const first = await syncWith(k1);
    expect(first.subjects).toEqual(['Lost on the way']);
    // The answer never reached the device: it asks again with the key it has.
    const again = await syncWith(k1);
    expect(again).toMatchObject({ status: '1', subjects: ['Lost on the way'] });
    expect(Number(again.key)).toBeGreaterThan(Number(first.key));
    lab.exo.deliver(BOB, { subject: 'Next one' });
    expect((await syncWith(again.key)).subjects).toEqual(['Next one']);
    // Two keys back is gone: the device must start the collection over.
    expect((await syncWith(first.key)).status).toBe('3');

    const folderKey = eas.exportState().folderSyncKey!;
    const folderSync = async (key: string) => {
      const body = (
        await eas.command(
          'FolderSync',
          el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)),
        )
      ).body!;
      return {
        status: textOf(body, 'FolderHierarchy:Status'),
        key: textOf(body, 'FolderHierarchy:SyncKey')!,
      };
    };
    expect((await folderSync(folderKey)).status).toBe('1');
    // The device never saw that answer: its key is answered again.
    const retried = await folderSync(folderKey);
    expect(retried.status).toBe('1');
    expect((await folderSync(retried.key)).status).toBe('1');
    expect((await folderSync(folderKey)).status).toBe('9'); // two back
  });

  it('answers a Sync with nothing to tell with an empty 200 (12.1+), keys unchanged; an empty request repeats the last one', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone8');
    const key = eas.exportState().syncKeys[inbox]!;
    const quiet = await eas.command('Sync', syncRequest(syncRequestCollection(key, inbox)));
    expect(quiet.status).toBe(200);
    expect(quiet.body).toBeUndefined();
    expect(quiet.headers.get('content-length')).toBe('0');
    // The key is still current: the next change comes under it.
    lab.exo.deliver(BOB, { subject: 'While quiet' });
    // An empty request (12.1+) stands for the last full one.
    const empty = await eas.command('Sync');
    const collection = child(child(empty.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(textOf(collection, 'AirSync:SyncKey')).toBe(String(Number(key) + 1));
    expect(
      textOf(
        collection,
        'AirSync:Commands',
        'AirSync:Add',
        'AirSync:ApplicationData',
        'Email:Subject',
      ),
    ).toBe('While quiet');

    // It stands for the last request with the keys the device holds now: an
    // answer that moved a key on is not sent again.
    lab.exo.deliver(BOB, { subject: 'Then this' });
    const next = await eas.command('Sync');
    const nextCollection = child(child(next.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(textOf(nextCollection, 'AirSync:SyncKey')).toBe(String(Number(key) + 2));
    expect(
      children(child(nextCollection, 'AirSync:Commands')!, 'AirSync:Add').map((a) =>
        textOf(a, 'AirSync:ApplicationData', 'Email:Subject'),
      ),
    ).toEqual(['Then this']);
    const fresh = bobDevice('bobphone9');
    await fresh.provision();
    const none = await fresh.command('Sync');
    expect(textOf(none.body!, 'AirSync:Status')).toBe('13');

    // Before 12.1 there is neither: a body with a new key, and an empty request is Status 4.
    const old = bobDevice('bobphone10', '12.0');
    await old.provision();
    await old.folderSync();
    await old.syncAll(inbox);
    const oldKey = old.exportState().syncKeys[inbox]!;
    const answered = await old.command('Sync', syncRequest(syncRequestCollection(oldKey, inbox)));
    expect(
      textOf(answered.body!, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey'),
    ).toBe(String(Number(oldKey) + 1));
    expect(textOf((await old.command('Sync')).body!, 'AirSync:Status')).toBe('4');
  });

  it('checks the request line as on-premises does: User= the signed-in user, an offered version; a disabled user 403', async () => {
    lab = hybridLab();
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const fetch = lab.ctx.fetchFor('device');
    const post = (query: string, version = '14.1') =>
      fetch(`${EXO_EAS}?Cmd=FolderSync&DeviceId=bobphone4&DeviceType=iPhone&${query}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'ms-asprotocolversion': version },
      });
    expect((await post('User=alice@contoso.com')).status).toBe(403);
    expect((await post('User=bob')).status).not.toBe(403);
    const version = await post('User=bob@contoso.com', '99.9');
    expect(version.status).toBe(400);
    expect(version.headers.get('ms-asprotocolversions')).toContain('14.1');
    lab.ctx.directory.setDisabled(BOB, true);
    expect((await post('User=bob@contoso.com')).status).toBe(403);
    expect((await optionsWith(token, 'device')).status).toBe(403);
  });

  it('Settings Oof Set changes what the next Get reads; a scheduled state it does not model is Status 5', async () => {
    lab = hybridLab();
    const eas = bobDevice('bobphone5');
    await eas.provision();
    const oof = async (body: EasElement) =>
      (await eas.command('Settings', el('Settings:Settings', el('Settings:Oof', body)))).body!;
    const set = (state: number) =>
      oof(
        el(
          'Settings:Set',
          el('Settings:OofState', state),
          el(
            'Settings:OofMessage',
            el('Settings:AppliesToInternal'),
            el('Settings:Enabled', 1),
            el('Settings:ReplyMessage', 'Back Monday'),
            el('Settings:BodyType', 'Text'),
          ),
        ),
      );
    expect(textOf(await set(1), 'Settings:Oof', 'Settings:Status')).toBe('1');
    const got = await oof(el('Settings:Get', el('Settings:BodyType', 'Text')));
    expect(textOf(got, 'Settings:Oof', 'Settings:Get', 'Settings:OofState')).toBe('1');
    expect(
      textOf(got, 'Settings:Oof', 'Settings:Get', 'Settings:OofMessage', 'Settings:ReplyMessage'),
    ).toBe('Back Monday');
    expect(textOf(await set(2), 'Settings:Oof', 'Settings:Status')).toBe('5');
    const still = await oof(el('Settings:Get', el('Settings:BodyType', 'Text')));
    expect(textOf(still, 'Settings:Oof', 'Settings:Get', 'Settings:OofState')).toBe('1');
  });

  it('deliver() refuses a message it could not serve, and the mailbox goes on syncing', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone11');
    for (const message of [
      { subject: 'a', to: 'a@b.c' },
      { subject: 'a', cc: [{ email: 'x@y.z' }] },
      { subject: 'a', from: null },
      {},
      // Not a date: every answer that shows the message failed.
      { subject: 'a', receivedMs: 1e20 },
    ]) {
      expect(() => lab.exo.deliver(BOB, message as never)).toThrow(/^deliver: /);
    }
    lab.exo.deliver(BOB, { subject: 'Good one' });
    // Files as a test writes them (text content, no content type) are kept as files.
    lab.exo.deliver(BOB, {
      subject: 'With a note',
      attachments: [{ name: 'note.txt', content: 'hello' }] as never,
    });
    const delta = await eas.sync(inbox, {});
    expect(delta.added.map((i) => i.data['Email:Subject'])).toEqual(['Good one', 'With a note']);
    const reference =
      delta.added[1]!.data[
        'AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:FileReference'
      ]!;
    const old = bobDevice('bobphone11old', '12.1');
    await old.provision();
    const file = await old.getAttachment(reference);
    expect([file.contentType, Buffer.from(file.bytes).toString()]).toEqual([
      'application/octet-stream',
      'hello',
    ]);
  });

  it("applies the client's Delete (mail to Deleted Items), a read flag (other devices get a Change), Fetch; an Add of mail is Status 6, unknown ids 8", async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone12');
    const { eas: other } = await bobInSync('bobphone13');
    const held = eas.exportState().syncKeys[inbox]!;
    const first = lab.exo.deliver(BOB, { subject: 'Read me' });
    const second = lab.exo.deliver(BOB, { subject: 'Bin me' });
    await other.sync(inbox, {});
    const got = await eas.sync(inbox, {});
    expect(got.added.map((i) => i.data['Email:Subject'])).toEqual(['Read me', 'Bin me']);
    const key = eas.exportState().syncKeys[inbox]!;
    expect(key).not.toBe(held);
    const answer = await eas.command(
      'Sync',
      syncWithCommands(
        key,
        inbox,
        clientChange(first, el('Email:Read', 1)),
        el('AirSync:Delete', el('AirSync:ServerId', second)),
        el('AirSync:Delete', el('AirSync:ServerId', '2:999')),
        el(
          'AirSync:Add',
          el('AirSync:ClientId', 'c1'),
          el('AirSync:ApplicationData', el('Email:Subject', 'x')),
        ),
        el('AirSync:Fetch', el('AirSync:ServerId', first)),
      ),
    );
    const collection = child(child(answer.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(textOf(collection, 'AirSync:Status')).toBe('1');
    // Its own Delete is not sent back to it.
    expect(child(collection, 'AirSync:Commands')).toBeUndefined();
    const responses = child(collection, 'AirSync:Responses')!.children;
    expect(
      responses.map((r) => [
        r.tag,
        textOf(r, 'AirSync:ServerId') ?? textOf(r, 'AirSync:ClientId'),
        textOf(r, 'AirSync:Status'),
      ]),
    ).toEqual([
      ['AirSync:Delete', '2:999', '8'],
      ['AirSync:Add', 'c1', '6'],
      ['AirSync:Fetch', first, '1'],
    ]);
    expect(textOf(responses[2]!, 'AirSync:ApplicationData', 'Email:Read')).toBe('1');
    // The mailbox as Outlook's REST API reads it: read, and moved to Deleted Items.
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const inboxView = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', token);
    const messages = (inboxView.body as { value: Array<{ subject: string; isRead: boolean }> })
      .value;
    expect(messages.find((m) => m.subject === 'Read me')?.isRead).toBe(true);
    expect(messages.some((m) => m.subject === 'Bin me')).toBe(false);
    const { folders } = await eas.folderSync();
    const deleted = folders.find((f) => f.type === 4)!.serverId;
    const bin = await eas.syncAll(deleted);
    expect(bin.added.map((i) => i.data['Email:Subject'])).toContain('Bin me');
    // The other device is told of both; this one is not told of its own changes.
    const elsewhere = await other.sync(inbox, {});
    expect(elsewhere.changed.map((i) => [i.serverId, i.data['Email:Read']])).toEqual([
      [first, '1'],
    ]);
    expect(elsewhere.deleted).toEqual([second]);
    // Under the key its answer handed out, nothing is new to this device.
    const newKey = textOf(collection, 'AirSync:SyncKey')!;
    const quiet = await eas.command('Sync', syncRequest(syncRequestCollection(newKey, inbox)));
    expect([quiet.status, quiet.body]).toEqual([200, undefined]);
  });

  it("takes a device's Add and Change of events and contacts: other devices get them, the device not; Status 6 for an unreadable StartTime, 4 for an Add without ApplicationData", async () => {
    lab = hybridLab();
    const { eas, other, calendar, contacts } = await twoCalendarDevices(['bobcal1', 'bobcal2']);
    const added = await eas.command(
      'Sync',
      syncWithCommands(
        eas.exportState().syncKeys[calendar]!,
        calendar,
        el(
          'AirSync:Add',
          el('AirSync:ClientId', 'e1'),
          el(
            'AirSync:ApplicationData',
            el('Calendar:Subject', 'Dentist'),
            el('Calendar:StartTime', '20260110T090000Z'),
            el('Calendar:EndTime', '20260110T100000Z'),
            el('Calendar:Location', 'Main St'),
          ),
        ),
        el(
          'AirSync:Add',
          el('AirSync:ClientId', 'e2'),
          el('AirSync:ApplicationData', el('Calendar:StartTime', 'soon')),
        ),
        el('AirSync:Add', el('AirSync:ClientId', 'e3')),
      ),
    );
    const collection = child(child(added.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    // Its own Add is not sent back to it.
    expect(child(collection, 'AirSync:Commands')).toBeUndefined();
    const responses = responsesOf(added).map((r) => [
      textOf(r, 'AirSync:ClientId'),
      textOf(r, 'AirSync:Status'),
      textOf(r, 'AirSync:ServerId') !== undefined,
    ]);
    expect(responses).toEqual([
      ['e1', '1', true],
      ['e2', '6', false],
      ['e3', '4', false],
    ]);
    const serverId = textOf(responsesOf(added)[0]!, 'AirSync:ServerId')!;
    const seen = await other.sync(calendar, {});
    expect(
      seen.added.map((i) => [
        i.serverId,
        i.data['Calendar:Subject'],
        i.data['Calendar:Location'],
        i.data['Calendar:StartTime'],
      ]),
    ).toEqual([[serverId, 'Dentist', 'Main St', '20260110T090000Z']]);
    // A Change replaces what it sends, keeps the rest.
    const moved = await eas.command(
      'Sync',
      syncWithCommands(
        textOf(collection, 'AirSync:SyncKey')!,
        calendar,
        clientChange(
          serverId,
          el('Calendar:Subject', 'Dentist (moved)'),
          el('Calendar:StartTime', '20260111T090000Z'),
          el('Calendar:EndTime', '20260111T093000Z'),
        ),
      ),
    );
    expect(responsesOf(moved)).toEqual([]);
    const changed = await other.sync(calendar, {});
    expect(
      changed.changed.map((i) => [
        i.data['Calendar:Subject'],
        i.data['Calendar:Location'],
        i.data['Calendar:EndTime'],
      ]),
    ).toEqual([['Dentist (moved)', 'Main St', '20260111T093000Z']]);
    const reversed = await eas.command(
      'Sync',
      syncWithCommands(
        textOf(moved.body!, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey')!,
        calendar,
        clientChange(serverId, el('Calendar:EndTime', '20260101T000000Z')),
      ),
    );
    expect(responsesOf(reversed).map((r) => textOf(r, 'AirSync:Status'))).toEqual(['6']);
    // A contact: renamed here, seen renamed there, and in Outlook's REST view.
    const people = await eas.syncAll(contacts);
    expect(people.added).toEqual([]);
    const [first] = (await bobDevice('bobcal3').syncAll(contacts)).added;
    await eas.command(
      'Sync',
      syncWithCommands(
        eas.exportState().syncKeys[contacts]!,
        contacts,
        clientChange(first!.serverId, el('Contacts:FirstName', 'Renamed')),
      ),
    );
    const renamed = await other.sync(contacts, {});
    expect(renamed.changed.map((i) => [i.serverId, i.data['Contacts:FirstName']])).toEqual([
      [first!.serverId, 'Renamed'],
    ]);
    const events = await bobEvents();
    expect(JSON.stringify(events.body)).toContain('Dentist (moved)');
  });

  it('keeps the recurrence a device gives an event: the other devices get it, the REST view shows its pattern and range, an invalid one is Status 6', async () => {
    lab = hybridLab();
    const { eas, other, calendar } = await twoCalendarDevices(['bobrec1', 'bobrec2']);
    const add = (clientId: string, ...recurrence: EasElement[]) =>
      el(
        'AirSync:Add',
        el('AirSync:ClientId', clientId),
        el(
          'AirSync:ApplicationData',
          el('Calendar:Subject', `Series ${clientId}`),
          el('Calendar:StartTime', '20260105T090000Z'),
          el('Calendar:EndTime', '20260105T093000Z'),
          el('Calendar:Recurrence', ...recurrence),
        ),
      );
    const answer = await eas.command(
      'Sync',
      syncWithCommands(
        eas.exportState().syncKeys[calendar]!,
        calendar,
        add(
          'r1',
          el('Calendar:Type', 3),
          el('Calendar:Interval', 1),
          el('Calendar:WeekOfMonth', 5),
          el('Calendar:DayOfWeek', 34),
          el('Calendar:Occurrences', 12),
        ),
        add('r2', el('Calendar:Type', 7)),
      ),
    );
    const statuses = responsesOf(answer).map((r) => [
      textOf(r, 'AirSync:ClientId'),
      textOf(r, 'AirSync:Status'),
    ]);
    expect(statuses).toEqual([
      ['r1', '1'],
      ['r2', '6'],
    ]);
    const [seen] = (await other.sync(calendar, {})).added;
    expect(
      Object.entries(seen!.data).filter(([k]) => k.startsWith('Calendar:Recurrence/')),
    ).toEqual([
      ['Calendar:Recurrence/Calendar:Type', '3'],
      ['Calendar:Recurrence/Calendar:Occurrences', '12'],
      ['Calendar:Recurrence/Calendar:Interval', '1'],
      ['Calendar:Recurrence/Calendar:WeekOfMonth', '5'],
      ['Calendar:Recurrence/Calendar:DayOfWeek', '34'],
    ]);
    const events = await bobEvents();
    const series = events.body.value.find((e: { subject: string }) => e.subject === 'Series r1');
    expect(series.recurrence).toEqual({
      pattern: {
        type: 'relativeMonthly',
        interval: 1,
        daysOfWeek: ['monday', 'friday'],
        index: 'last',
      },
      range: { type: 'numbered', startDate: '2026-01-05', numberOfOccurrences: 12 },
    });
    // Besides the default seed's weekly series, only the pattern that could be kept.
    expect(
      events.body.value
        .filter((e: { recurrence?: unknown }) => e.recurrence !== undefined)
        .map((e: { subject: string }) => e.subject)
        .sort(),
    ).toEqual(['Series r1', 'Weekly sync']);
  });

  it("a mail's flag and categories, and an event's categories, set on one device reach the others (not the one that set them)", async () => {
    lab = hybridLab();
    const { eas, other, inbox, item, held } = await twoDevicesWith('Follow me up', [
      'bobflag1',
      'bobflag2',
    ]);
    const fresh = held.added[0]!;
    // Unflagged, no categories: an empty Flag, and (14.1) empty Categories.
    expect(Object.keys(fresh.data).filter((k) => /Flag|Categor/.test(k))).toEqual([
      'Email:Flag',
      'Email:Categories',
    ]);
    const flag = (status: number) =>
      el('Email:Flag', el('Email:Status', status), el('Email:FlagType', 'Follow up'));
    const categories = (...names: string[]) =>
      el(
        'Email:Categories',
        names.map((n) => el('Email:Category', n)),
      );
    // This device's Changes, each with the key the one before answered.
    let key = eas.exportState().syncKeys[inbox]!;
    const change = async (...data: EasElement[]) => {
      const answer = await eas.command(
        'Sync',
        syncWithCommands(key, inbox, clientChange(item, ...data)),
      );
      key = textOf(answer.body!, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey')!;
      return answer;
    };
    await change(flag(2), categories('Red', 'Project X'));
    const seen = await other.sync(inbox, {});
    expect(
      seen.changed.map((i) => [
        i.serverId,
        i.data['Email:Flag/Email:Status'],
        i.data['Email:Flag/Email:FlagType'],
        i.data['Email:Categories/Email:Category'],
        i.data['Email:Categories/Email:Category[1]'],
      ]),
    ).toEqual([[item, '2', 'Follow up', 'Red', 'Project X']]);
    // Outlook's REST view shows them too.
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const listed = await lab.call('GET', '/api/hma/v1/mailbox/messages', token);
    expect(listed.body.value.find((m: { id: string }) => m.id === item)).toMatchObject({
      flag: { flagStatus: 'flagged' },
      categories: ['Red', 'Project X'],
    });
    // The device that set them is not told again: its next Sync has nothing.
    const mine = await eas.command('Sync', syncRequest(syncRequestCollection(key, inbox)));
    expect([mine.status, mine.body]).toEqual([200, undefined]);
    // Completed, then cleared with an empty Flag and empty Categories.
    await change(flag(1));
    expect((await other.sync(inbox, {})).changed[0]!.data['Email:Flag/Email:Status']).toBe('1');
    await change(el('Email:Flag'), el('Email:Categories'));
    const unmarked = (await lab.call('GET', '/api/hma/v1/mailbox/messages', token)).body.value.find(
      (m: { id: string }) => m.id === item,
    );
    expect(unmarked).not.toHaveProperty('flag');
    expect(unmarked).not.toHaveProperty('categories');
    const cleared = (await other.sync(inbox, {})).changed[0]!;
    expect(Object.keys(cleared.data).filter((k) => /Flag|Categor/.test(k))).toEqual([
      'Email:Flag',
      'Email:Categories',
    ]);
    // The same Change again changes nothing: no Change for the other device.
    await change(el('Email:Flag'), el('Email:Read', 0));
    expect((await other.sync(inbox, {})).changed).toEqual([]);
    // An event added with categories.
    const { folders } = await eas.folderSync();
    const calendar = folders.find((f) => f.type === 8)!.serverId;
    await eas.syncAll(calendar);
    await other.syncAll(calendar);
    await eas.command(
      'Sync',
      syncWithCommands(
        eas.exportState().syncKeys[calendar]!,
        calendar,
        el(
          'AirSync:Add',
          el('AirSync:ClientId', 'cat1'),
          el(
            'AirSync:ApplicationData',
            el('Calendar:Subject', 'Review'),
            el('Calendar:StartTime', '20260110T090000Z'),
            el('Calendar:EndTime', '20260110T100000Z'),
            el('Calendar:Categories', el('Calendar:Category', 'Blue')),
          ),
        ),
      ),
    );
    const event = (await other.sync(calendar, {})).added[0]!;
    expect([
      event.data['Calendar:Subject'],
      event.data['Calendar:Categories/Calendar:Category'],
    ]).toEqual(['Review', 'Blue']);
  });

  it('an item the device deletes while another device changed it is not sent back to it', async () => {
    lab = hybridLab();
    const { eas, other, inbox, item, held } = await twoDevicesWith('Both have it', [
      'bobphone14',
      'bobphone15',
    ]);
    expect(held.added.map((i) => i.serverId)).toEqual([item]);
    // The other device marks it read; this one, not yet told, deletes it.
    const otherKey = other.exportState().syncKeys[inbox]!;
    await other.command(
      'Sync',
      syncWithCommands(otherKey, inbox, clientChange(item, el('Email:Read', 1))),
    );
    const answer = await eas.command(
      'Sync',
      syncWithCommands(
        eas.exportState().syncKeys[inbox]!,
        inbox,
        el('AirSync:Delete', el('AirSync:ServerId', item)),
      ),
    );
    const collection = child(child(answer.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(child(collection, 'AirSync:Commands')).toBeUndefined();
    const next = await eas.command(
      'Sync',
      syncRequest(syncRequestCollection(textOf(collection, 'AirSync:SyncKey')!, inbox)),
    );
    expect([next.status, next.body]).toEqual([200, undefined]);
  });

  it('sends bodies as BodyPreference asks (HTML, truncated plain text, MIME), the last Options kept; ItemOperations Fetch too', async () => {
    lab = hybridLab();
    const eas = bobDevice('bobbody1');
    await eas.provision();
    const { folders } = await eas.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    await eas.syncAll(inbox);
    const serverId = lab.exo.deliver(BOB, {
      subject: 'Budget <draft>',
      bodyText: 'Numbers & notes for Q3, see the sheet.',
    });
    const html = (await eas.sync(inbox, { bodyType: 2 })).added[0]!;
    expect(html.data['AirSyncBase:Body/AirSyncBase:Type']).toBe('2');
    expect(html.body).toContain('<div>Numbers &amp; notes for Q3, see the sheet.</div>');
    // A later Sync without Options keeps the HTML.
    lab.exo.deliver(BOB, { subject: 'Second', bodyText: 'More numbers' });
    const key = eas.exportState().syncKeys[inbox]!;
    const later = await eas.command('Sync', syncRequest(syncRequestCollection(key, inbox)));
    const added = child(
      child(child(later.body!, 'AirSync:Collections')!, 'AirSync:Collection')!,
      'AirSync:Commands',
    )!;
    expect(
      textOf(
        added,
        'AirSync:Add',
        'AirSync:ApplicationData',
        'AirSyncBase:Body',
        'AirSyncBase:Type',
      ),
    ).toBe('2');
    // Another device: plain text cut at 7 bytes; and MIME.
    const other = bobDevice('bobbody2');
    await other.provision();
    await other.folderSync();
    const cut = (await other.sync(inbox, { bodyType: 1, truncationSize: 7, windowSize: 200 }))
      .added;
    const mine = cut.find((i) => i.serverId === serverId)!;
    expect([mine.body, mine.data['AirSyncBase:Body/AirSyncBase:Truncated']]).toEqual([
      'Numbers',
      '1',
    ]);
    expect(Number(mine.data['AirSyncBase:Body/AirSyncBase:EstimatedDataSize'])).toBe(38);
    const fetched = await eas.command(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'Mailbox'),
          el('AirSync:CollectionId', inbox),
          el('AirSync:ServerId', serverId),
          el('ItemOperations:Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 4))),
        ),
      ),
    );
    const mime = textOf(
      fetched.body!,
      'ItemOperations:Response',
      'ItemOperations:Fetch',
      'ItemOperations:Properties',
      'AirSyncBase:Body',
      'AirSyncBase:Data',
    )!;
    expect(mime).toMatch(/^From: "Megan Bowen" <megan@contoso\.com>\r\n/);
    expect(mime).toContain('Subject: Budget <draft>');
  });

  it('sends at most 512 items an answer, whatever WindowSize asks', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobphone6');
    for (let i = 0; i < 600; i++) lab.exo.deliver(BOB, { subject: `bulk ${i}` });
    const answer = await eas.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          eas.exportState().syncKeys[inbox]!,
          inbox,
          el('AirSync:WindowSize', 100_000),
        ),
      ),
    );
    const collection = child(child(answer.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
    expect(children(child(collection, 'AirSync:Commands')!, 'AirSync:Add')).toHaveLength(512);
    expect(child(collection, 'AirSync:MoreAvailable')).toBeDefined();
  });

  it('refuses tokens of the wrong audience with x-ms-diagnostics, and users without a cloud mailbox with 403', async () => {
    lab = hybridLab();
    const wrong = mintAccessToken(lab.ctx, BOB, {
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
    });
    const res = await optionsWith(wrong);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-diagnostics')).toMatch(/^2000003;/);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const alice = mintAccessToken(lab.ctx, 'alice@contoso.com', {
      appid: WELL_KNOWN_APPS.outlookMobile,
    });
    expect((await optionsWith(alice)).status).toBe(403);
  });

  it('answers malformed ActiveSync requests with 400, unknown commands with 501, never a stack trace', async () => {
    lab = hybridLab();
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const fetch = lab.ctx.fetchFor('client');
    const headers = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/vnd.ms-sync.wbxml',
    };
    const noQuery = await fetch(EXO_EAS, {
      method: 'POST',
      headers,
      body: new Uint8Array([3, 1, 106, 0]),
    });
    expect(noQuery.status).toBe(400);
    expect(await noQuery.text()).toBe('');
    const garbage = await fetch(`${EXO_EAS}?Cmd=Sync&User=bob&DeviceId=x1&DeviceType=iPhone`, {
      method: 'POST',
      headers,
      body: new Uint8Array([3, 1, 106, 0, 0x45, 0x99, 0x99]),
    });
    expect(garbage.status).toBe(400);
    const eas = createEasClient({
      fetch,
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId: 'x2',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    await eas.provision();
    expect((await eas.command('GetHierarchy')).status).toBe(501);
    const get = await fetch(EXO_EAS, { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(501);
  });

  it("applies Exchange Online's device access rules: a blocked or quarantined device gets Status 129 (HTTP 403 before 14.0), others sync", async () => {
    const base = createTestContext();
    const scenario = structuredClone(base.scenario);
    scenario.exchange.online.deviceAccess = {
      defaultAccessLevel: 'Allow',
      rules: [
        { characteristic: 'DeviceModel', queryString: 'Old Phone', accessLevel: 'Block' },
        { characteristic: 'DeviceType', queryString: 'Unknown', accessLevel: 'Quarantine' },
      ],
    };
    lab = hybridLab({}, createTestContext({ scenario }));
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const device = (deviceId: string, deviceType: string, deviceModel: string, version = '14.1') =>
      createEasClient({
        fetch: lab.ctx.fetchFor('device'),
        url: EXO_EAS,
        authorization: () => `Bearer ${token}`,
        deviceId,
        deviceType,
        deviceModel,
        user: BOB,
        protocolVersion: version,
      });
    /** A FolderSync from key 0, answered as it comes (no retry, no throw). */
    const firstFolderSync = (eas: ReturnType<typeof device>) =>
      eas.command(
        'FolderSync',
        el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
      );
    // Allowed: provisions and syncs.
    const allowed = device('ok1', 'iPhone', 'New Phone');
    await allowed.provision();
    expect((await allowed.folderSync()).folders.length).toBeGreaterThan(0);
    // Blocked by its model, which its Provision's DeviceInformation names: Status 129 there.
    const blocked = device('old1', 'iPhone', 'Old Phone');
    await expect(blocked.provision()).rejects.toMatchObject({ status: 129 });
    const folderSync = await firstFolderSync(blocked);
    expect(textOf(folderSync.body!, 'FolderHierarchy:Status')).toBe('142');
    // Quarantined by its type (refused like a blocked one), here in Settings.
    const quarantined = device('q1', 'Unknown', 'Any');
    const settings = await quarantined.command(
      'Settings',
      el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get'))),
    );
    expect(textOf(settings.body!, 'Settings:Status')).toBe('129');
    expect(lab.exo.deviceAccess(BOB, 'q1')).toMatchObject({
      level: 'Quarantine',
      reason: 'DeviceRule',
    });
    // The administrator approves it (and could block one the rules allow).
    lab.exo.setDeviceAccess(BOB, 'q1', 'Allow');
    expect(lab.exo.deviceAccess(BOB, 'q1')).toEqual({ level: 'Allow', reason: 'Individual' });
    await quarantined.provision();
    expect((await quarantined.folderSync()).folders.length).toBeGreaterThan(0);
    lab.exo.setDeviceAccess(BOB, 'q1', undefined);
    expect(lab.exo.deviceAccess(BOB, 'q1').level).toBe('Quarantine');
    expect(() => lab.exo.deviceAccess(BOB, 'never-seen')).toThrow('no device never-seen');
    // Before 14.0 the Settings of a blocked model is refused too, and a provisioned
    // device whose rule came later gets HTTP 403.
    const olderAllowed = device('ok2', 'Legacy', 'Any', '12.1');
    await olderAllowed.provision();
    const legacy = device('old2', 'iPhone', 'Old Phone', '12.1');
    const old = await legacy.command(
      'Settings',
      el(
        'Settings:Settings',
        el('Settings:DeviceInformation', el('Settings:Set', el('Settings:Model', 'Old Phone'))),
      ),
    );
    expect(textOf(old.body!, 'Settings:Status')).toBe('129');
    lab.ctx.scenario.exchange.online.deviceAccess.rules.push(
      { characteristic: 'DeviceModel', queryString: 'New Phone', accessLevel: 'Block' },
      { characteristic: 'DeviceType', queryString: 'Legacy', accessLevel: 'Block' },
    );
    const after = await firstFolderSync(allowed);
    expect(textOf(after.body!, 'FolderHierarchy:Status')).toBe('129');
    const older = await firstFolderSync(olderAllowed);
    expect([older.status, older.body]).toEqual([403, undefined]);
    expect(
      lab.ctx.trace
        .entries()
        .filter((e) => e.kind === 'event' && e.action === 'exo.eas.device.refused').length,
    ).toBeGreaterThanOrEqual(4);
  });

  it("validates an S/MIME client's certificates as on-premises does (ValidateCert)", async () => {
    const pki = testPki(Date.now());
    lab = hybridLab({
      validateCert: {
        systemRoots: false,
        trustedCertificates: [pki.root.pem],
        revokedSerialNumbers: [],
      },
    });
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const eas = createEasClient({
      fetch: lab.ctx.fetchFor('client'),
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId: 'smime1',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    const unprovisioned = await eas.command(
      'ValidateCert',
      el('ValidateCert:ValidateCert', el('ValidateCert:Certificates')),
    );
    expect(textOf(unprovisioned.body!, 'ValidateCert:Status')).toBe('142');
    await eas.provision();
    expect(
      await eas.validateCert([pki.alice.der, pki.forged.der, pki.webServer.der, 'garbage'], {
        chain: [pki.intermediate.der],
      }),
    ).toEqual({ status: 1, certificates: [1, 3, 9, 10] });
    expect(await eas.validateCert([pki.alice.der])).toEqual({ status: 1, certificates: [5] });
    const noBody = await eas.command('ValidateCert');
    expect(textOf(noBody.body!, 'ValidateCert:Status')).toBe('103');
    expect(
      lab.ctx.trace
        .entries()
        .filter((e) => e.kind === 'event' && e.action === 'exo.eas.certificates.validated'),
    ).toHaveLength(2);
  });

  it('asks an unprovisioned 14.1 device to provision (Status 142), and 12.1 with HTTP 449', async () => {
    lab = hybridLab();
    const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
    const fetch = lab.ctx.fetchFor('client');
    const old = await fetch(`${EXO_EAS}?Cmd=FolderSync&User=bob&DeviceId=o1&DeviceType=iPhone`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/vnd.ms-sync.wbxml',
        'ms-asprotocolversion': '12.1',
      },
      body: new Uint8Array([3, 1, 106, 0, 0, 7, 0x56, 0x52, 3, 0x30, 0, 1, 1]),
    });
    expect(old.status).toBe(449);
    // The client re-provisions by itself on 142 and carries on.
    const eas = createEasClient({
      fetch,
      url: EXO_EAS,
      authorization: () => `Bearer ${token}`,
      deviceId: 'n1',
      deviceType: 'iPhone',
      protocolVersion: '14.1',
    });
    const { folders } = await eas.folderSync();
    expect(folders.length).toBeGreaterThan(0);
    const provisions = lab.ctx.trace.exchanges().filter((e) => /Cmd=Provision/.test(e.url));
    expect(provisions).toHaveLength(2);
  });

  describe('mail commands', () => {
    /** A mail command with this body (14.1), from bob's device. */
    const compose = (eas: ReturnType<typeof bobDevice>, kind: string, ...parts: EasElement[]) =>
      eas.command(kind, el(`ComposeMail:${kind}`, ...parts));
    const mime = (to: string, subject: string, text: string) =>
      el('ComposeMail:Mime', `To: ${to}\r\nSubject: ${subject}\r\n\r\n${text}`);
    const statusOf = (answer: { body?: EasElement }) =>
      answer.body && textOf(answer.body, 'ComposeMail:Status');
    /** Subject, sender and text of the mail a device's next Sync of a folder of this type brings. */
    async function mailIn(eas: ReturnType<typeof bobDevice>, type: number) {
      const { folders } = await eas.folderSync();
      const { added } = await eas.syncAll(folders.find((f) => f.type === type)!.serverId);
      return added.map((i) => ({
        subject: i.data['Email:Subject'],
        from: i.data['Email:From'],
        ...(i.data['Email:Cc'] !== undefined ? { cc: i.data['Email:Cc'] } : {}),
        text: i.body,
      }));
    }
    const sentEvents = () =>
      lab.ctx.trace.entries().filter((e) => e.kind === 'event' && e.action === 'exo.eas.mail.sent');

    it("SendMail sends as bob: a copy in Sent Items, the mail in each cloud recipient's Inbox, other recipients outside; 118, 119, 107", async () => {
      lab = hybridLab();
      const { eas } = await bobInSync('bobmail1');
      await mailIn(eas, 5); // what Sent Items holds already
      const sent = await compose(
        eas,
        'SendMail',
        el('ComposeMail:ClientId', 'm1'),
        el('ComposeMail:SaveInSentItems'),
        el(
          'ComposeMail:Mime',
          'To: Bob <bob@contoso.com>, alice@contoso.com\r\nCc: Carol <carol@contoso.com>\r\nSubject: Note to self\r\n\r\nRemember the milk',
        ),
      );
      expect([sent.status, sent.body]).toEqual([200, undefined]);
      expect(await mailIn(eas, 5)).toEqual([
        {
          subject: 'Note to self',
          from: '"Bob Kelly" <bob@contoso.com>',
          cc: '"Carol" <carol@contoso.com>',
          text: 'Remember the milk',
        },
      ]);
      expect(await mailIn(bobDevice('bobmail2'), 2)).toContainEqual({
        subject: 'Note to self',
        from: '"Bob Kelly" <bob@contoso.com>',
        cc: '"Carol" <carol@contoso.com>',
        text: 'Remember the milk',
      });
      // Outlook's REST view of the Inbox shows the Cc too.
      const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
      const view = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', token);
      const messages = (view.body as { value: Array<{ subject: string; ccRecipients?: unknown }> })
        .value;
      expect(messages.find((m) => m.subject === 'Note to self')?.ccRecipients).toEqual([
        { name: 'Carol', address: 'carol@contoso.com' },
      ]);
      expect(sentEvents()).toMatchObject([
        {
          data: {
            kind: 'SendMail',
            delivered: ['bob@contoso.com'],
            external: ['alice@contoso.com', 'carol@contoso.com'],
            savedInSentItems: true,
          },
        },
      ]);
      const again = await compose(
        eas,
        'SendMail',
        el('ComposeMail:ClientId', 'm1'),
        mime(BOB, 'x', 'y'),
      );
      expect(statusOf(again)).toBe('118');
      const nobody = await compose(
        eas,
        'SendMail',
        el('ComposeMail:ClientId', 'm2'),
        el('ComposeMail:Mime', 'Subject: to no one\r\n\r\nhello'),
      );
      expect(statusOf(nobody)).toBe('119');
      const notMime = await compose(
        eas,
        'SendMail',
        el('ComposeMail:ClientId', 'm3'),
        el('ComposeMail:Mime', 'no header block at all'),
      );
      expect(statusOf(notMime)).toBe('107');
      const noMime = await compose(eas, 'SendMail', el('ComposeMail:ClientId', 'm4'));
      expect(statusOf(noMime)).toBe('103');
      // Nothing refused was sent or kept.
      expect(sentEvents()).toHaveLength(1);
      expect(await mailIn(eas, 5)).toEqual([]);
    });

    it('SmartReply and SmartForward quote their source mail; an unknown source is 150, none 103; before provisioning 142', async () => {
      lab = hybridLab();
      const { eas, inbox } = await bobInSync('bobmail3');
      const original = lab.exo.deliver(BOB, {
        subject: 'Quarterly numbers',
        bodyText: 'Numbers attached.',
      });
      await mailIn(eas, 5);
      const reply = await compose(
        eas,
        'SmartReply',
        el('ComposeMail:ClientId', 'r1'),
        el('ComposeMail:SaveInSentItems'),
        el(
          'ComposeMail:Source',
          el('ComposeMail:FolderId', inbox),
          el('ComposeMail:ItemId', original),
        ),
        mime(BOB, 'RE: Quarterly numbers', 'Thanks!'),
      );
      expect([reply.status, reply.body]).toEqual([200, undefined]);
      const [kept] = await mailIn(eas, 5);
      expect(kept!.text).toMatch(
        /^Thanks!\r\n\r\n-----Original Message-----\r\nFrom: "Megan Bowen" <megan@contoso\.com>\r\nSent: .+\r\nTo: .*bob@contoso\.com>?\r\nSubject: Quarterly numbers\r\n\r\nNumbers attached\.$/,
      );
      const replaced = await compose(
        eas,
        'SmartForward',
        el('ComposeMail:ClientId', 'r2'),
        el('ComposeMail:ReplaceMime'),
        el('ComposeMail:Source', el('ComposeMail:ItemId', original)),
        mime(BOB, 'FW: Quarterly numbers', 'See below, rewritten'),
      );
      expect(replaced.status).toBe(200);
      const forwarded = (await mailIn(eas, 2)).find((m) => m.subject === 'FW: Quarterly numbers');
      expect(forwarded?.text).toBe('See below, rewritten');
      const elsewhere = await compose(
        eas,
        'SmartReply',
        el('ComposeMail:ClientId', 'r3'),
        el(
          'ComposeMail:Source',
          el('ComposeMail:FolderId', '99'),
          el('ComposeMail:ItemId', original),
        ),
        mime(BOB, 'RE', '.'),
      );
      expect(statusOf(elsewhere)).toBe('150');
      const sourceless = await compose(
        eas,
        'SmartForward',
        el('ComposeMail:ClientId', 'r4'),
        mime(BOB, 'FW', '.'),
      );
      expect(statusOf(sourceless)).toBe('103');
      const unprovisioned = await compose(
        bobDevice('bobmail4'),
        'SendMail',
        el('ComposeMail:ClientId', 'r5'),
        mime(BOB, 'early', '.'),
      );
      expect(statusOf(unprovisioned)).toBe('142');
      expect(sentEvents().map((e) => e.kind === 'event' && e.data?.['kind'])).toEqual([
        'SmartReply',
        'SmartForward',
      ]);
    });

    it("keeps a sent message's files: listed, fetched by FileReference, carried along by SmartForward; an unknown reference is Status 15", async () => {
      lab = hybridLab();
      const { eas, inbox } = await bobInSync('bobfiles1');
      const sent = await compose(
        eas,
        'SendMail',
        el('ComposeMail:ClientId', 'f1'),
        el(
          'ComposeMail:Mime',
          [
            `To: ${BOB}`,
            'Subject: Photo',
            'Content-Type: multipart/mixed; boundary="z"',
            '',
            '--z',
            'Content-Type: text/plain',
            '',
            'Look.',
            '--z',
            'Content-Type: image/jpeg',
            'Content-Disposition: attachment; filename="lake.jpg"',
            'Content-Transfer-Encoding: base64',
            '',
            Buffer.from('jpeg bytes').toString('base64'),
            '--z--',
          ].join('\r\n'),
        ),
      );
      expect(sent.status).toBe(200);
      const [photo] = (await eas.sync(inbox, {})).added;
      const listed = (item: typeof photo, key: string) =>
        item!.data[`AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:${key}`];
      expect([listed(photo, 'DisplayName'), listed(photo, 'EstimatedDataSize')]).toEqual([
        'lake.jpg',
        '10',
      ]);
      const fetchFile = (reference: string) =>
        eas.fetchAttachment(reference).then(
          (file) => ({ status: '1', text: Buffer.from(file.bytes).toString() }),
          (error: { status: number }) => ({ status: String(error.status), text: undefined }),
        );
      expect(await fetchFile(listed(photo, 'FileReference')!)).toEqual({
        status: '1',
        text: 'jpeg bytes',
      });
      expect((await fetchFile(`${photo!.serverId}:7`)).status).toBe('15');
      const forward = await compose(
        eas,
        'SmartForward',
        el('ComposeMail:ClientId', 'f2'),
        el('ComposeMail:Source', el('ComposeMail:ItemId', photo!.serverId)),
        mime(BOB, 'FW: Photo', 'Passing it on'),
      );
      expect(forward.status).toBe(200);
      const [again] = (await eas.sync(inbox, {})).added;
      expect(await fetchFile(listed(again, 'FileReference')!)).toEqual({
        status: '1',
        text: 'jpeg bytes',
      });
      // Outlook's REST view says the message has files.
      const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
      const view = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', token);
      const listedInView = (
        view.body as { value: Array<{ subject: string; hasAttachments: boolean }> }
      ).value;
      expect(listedInView.find((m) => m.subject === 'Photo')?.hasAttachments).toBe(true);
      expect(listedInView.some((m) => !m.hasAttachments)).toBe(true);
      // Before 14.0, GetAttachment brings the file as it is; from 14.0 it is not offered.
      const old = bobDevice('bobfiles2', '12.1');
      await old.provision();
      const file = await old.getAttachment(listed(photo, 'FileReference')!);
      expect([file.contentType, Buffer.from(file.bytes).toString()]).toEqual([
        'image/jpeg',
        'jpeg bytes',
      ]);
      await expect(old.getAttachment(`${photo!.serverId}:7`)).rejects.toMatchObject({
        status: 404,
      });
      await expect(eas.getAttachment(listed(photo, 'FileReference')!)).rejects.toMatchObject({
        status: 501,
      });
    });

    it('12.1 sends the MIME message as the body with SaveInSent=T and SmartReply by ItemId; a refusal is HTTP 500', async () => {
      lab = hybridLab();
      const eas = bobDevice('bobmail5', '12.1');
      await eas.provision();
      const { folders } = await eas.folderSync();
      const inbox = folders.find((f) => f.type === 2)!.serverId;
      await mailIn(eas, 5);
      await eas.sendMail(`To: ${BOB}\r\nSubject: Old school\r\n\r\nplain MIME body`, {
        saveInSent: true,
      });
      expect((await mailIn(eas, 5)).map((m) => [m.subject, m.text])).toEqual([
        ['Old school', 'plain MIME body'],
      ]);
      const { added } = await eas.syncAll(inbox);
      const original = added.find((i) => i.data['Email:Subject'] === 'Old school')!;
      const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
      const post = (query: string, body: string) =>
        lab.ctx.fetchFor('device')(
          `${EXO_EAS}?User=bob&DeviceId=bobmail5&DeviceType=iPhone&${query}`,
          {
            method: 'POST',
            headers: {
              authorization: `Bearer ${token}`,
              'content-type': 'message/rfc822',
              'ms-asprotocolversion': '12.1',
              'x-ms-policykey': eas.exportState().policyKey!,
            },
            body,
          },
        );
      const reply = await post(
        `Cmd=SmartReply&ItemId=${encodeURIComponent(original.serverId)}&CollectionId=${inbox}`,
        `To: ${BOB}\r\nSubject: RE: Old school\r\n\r\nNew school`,
      );
      expect(reply.status).toBe(200);
      expect((await mailIn(eas, 2)).find((m) => m.subject === 'RE: Old school')?.text).toContain(
        'New school\r\n\r\n-----Original Message-----',
      );
      const refused = await post('Cmd=SendMail', 'Subject: nobody\r\n\r\n.');
      expect([refused.status, await refused.text()]).toEqual([500, '']);
    });
  });

  it('searches the mailbox (newest first, Range, Total; a LongId fetches the item and is a source) and the GAL; Status 2, 8, 142', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('bobsearch1');
    lab.exo.deliver(BOB, { subject: 'Zephyr budget draft', bodyText: 'first cut' });
    await lab.ctx.clock.advance('1m');
    lab.exo.deliver(BOB, { subject: 'Zephyr budget final', bodyText: 'signed off' });
    lab.exo.deliver(BOB, { subject: 'Lunch', bodyText: 'zephyr cafe?' });
    const found = await eas.search('zephyr budget');
    expect(found.map((i) => [i.data['Email:Subject'], i.collectionId, i.class])).toEqual([
      ['Zephyr budget final', inbox, 'Email'],
      ['Zephyr budget draft', inbox, 'Email'],
    ]);
    const store = (answer: { body?: EasElement }) =>
      child(child(answer.body!, 'Search:Response')!, 'Search:Store')!;
    const query = (name: string, q: EasElement | string, ...options: EasElement[]) =>
      eas.command(
        'Search',
        el(
          'Search:Search',
          el(
            'Search:Store',
            el('Search:Name', name),
            el('Search:Query', q),
            options.length > 0 && el('Search:Options', ...options),
          ),
        ),
      );
    const second = store(
      await query('Mailbox', el('Search:FreeText', 'zephyr'), el('Search:Range', '1-1')),
    );
    expect([textOf(second, 'Search:Range'), textOf(second, 'Search:Total')]).toEqual(['1-1', '3']);
    // The LongId a result carries fetches the item, and names a reply's source.
    const fetched = await eas.command(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'Mailbox'),
          el('Search:LongId', found[0]!.serverId),
        ),
      ),
    );
    const fetch = child(child(fetched.body!, 'ItemOperations:Response')!, 'ItemOperations:Fetch')!;
    expect(textOf(fetch, 'ItemOperations:Status')).toBe('1');
    expect(textOf(fetch, 'ItemOperations:Properties', 'Email:Subject')).toBe('Zephyr budget final');
    const reply = await eas.command(
      'SmartReply',
      el(
        'ComposeMail:SmartReply',
        el('ComposeMail:ClientId', 's1'),
        el('ComposeMail:Source', el('ComposeMail:LongId', found[0]!.serverId)),
        el('ComposeMail:Mime', `To: ${BOB}\r\nSubject: RE: Zephyr\r\n\r\nOK`),
      ),
    );
    expect([reply.status, reply.body]).toEqual([200, undefined]);
    const gal = store(await query('GAL', 'ali'));
    expect(textOf(gal, 'Search:Result', 'Search:Properties', 'GAL:EmailAddress')).toBe(
      'alice@contoso.com',
    );
    const nobody = store(await query('GAL', 'zzz'));
    expect(textOf(nobody, 'Search:Total')).toBe('0');
    const badRange = store(
      await query('Mailbox', el('Search:FreeText', 'x'), el('Search:Range', '9-1')),
    );
    expect(textOf(badRange, 'Search:Status')).toBe('2');
    const documents = store(await query('DocumentLibrary', el('Search:FreeText', 'x')));
    expect(textOf(documents, 'Search:Status')).toBe('2');
    const tooComplex = store(await query('Mailbox', el('Search:EqualTo', el('Search:Value', 'x'))));
    expect(textOf(tooComplex, 'Search:Status')).toBe('8');
    const early = await bobDevice('bobsearch2').command(
      'Search',
      el('Search:Search', el('Search:Store', el('Search:Name', 'GAL'))),
    );
    expect(textOf(early.body!, 'Search:Status')).toBe('142');
  });

  it('finds mail and people with Find (16.1) as on-premises: newest first, Range and Total; the GAL; Status 2, 142', async () => {
    lab = hybridLab();
    const eas = bobDevice('bobfind1', '16.1');
    await eas.provision();
    const { folders } = await eas.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    lab.exo.deliver(BOB, { subject: 'Quokka sighting', bodyText: 'near the lake' });
    await lab.ctx.clock.advance('1m');
    lab.exo.deliver(BOB, { subject: 'Quokka photos', bodyText: 'attached soon' });
    const found = await eas.command('Find', findRequest({ freeText: 'quokka' }));
    const response = child(found.body!, 'Find:Response')!;
    expect(textOf(found.body!, 'Find:Status')).toBe('1');
    expect(
      children(response, 'Find:Result').map((r) => [
        textOf(r, 'Find:Properties', 'Email:Subject'),
        textOf(r, 'AirSync:CollectionId'),
        textOf(r, 'Find:Properties', 'Find:Preview'),
      ]),
    ).toEqual([
      ['Quokka photos', inbox, 'attached soon'],
      ['Quokka sighting', inbox, 'near the lake'],
    ]);
    expect([textOf(response, 'Find:Range'), textOf(response, 'Find:Total')]).toEqual(['0-1', '2']);
    const people = await eas.command('Find', findRequest({ gal: 'ali' }));
    expect(
      textOf(people.body!, 'Find:Response', 'Find:Result', 'Find:Properties', 'GAL:EmailAddress'),
    ).toBe('alice@contoso.com');
    const bad = await eas.command('Find', findRequest({ freeText: 'x', range: 'all' }));
    expect(textOf(bad.body!, 'Find:Status')).toBe('2');
    const early = await bobDevice('bobfind2', '16.1').command('Find', findRequest({ gal: 'ali' }));
    expect(textOf(early.body!, 'Find:Status')).toBe('142');
  });

  it('resolves recipients against the directory (Type 1) and its own contacts (Type 2): Status 1 found, 4 none; 5 without a To', async () => {
    lab = hybridLab();
    const { eas } = await bobInSync('bobresolve1');
    const answer = await eas.command(
      'ResolveRecipients',
      el(
        'ResolveRecipients:ResolveRecipients',
        el('ResolveRecipients:To', 'alice@contoso.com'),
        el('ResolveRecipients:To', 'nobody-here'),
      ),
    );
    const responses = children(answer.body!, 'ResolveRecipients:Response').map((r) => [
      textOf(r, 'ResolveRecipients:To'),
      textOf(r, 'ResolveRecipients:Status'),
      textOf(r, 'ResolveRecipients:Recipient', 'ResolveRecipients:EmailAddress'),
    ]);
    expect(responses).toEqual([
      ['alice@contoso.com', '1', 'alice@contoso.com'],
      ['nobody-here', '4', undefined],
    ]);
    // A name the directory and the mailbox's contacts both know: ambiguous.
    const { folders } = await eas.folderSync();
    const contacts = await eas.syncAll(folders.find((f) => f.type === 9)!.serverId);
    const first = contacts.added[0]!.data['Contacts:FirstName']!;
    const several = await eas.command(
      'ResolveRecipients',
      el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:To', first)),
    );
    const response = child(several.body!, 'ResolveRecipients:Response')!;
    expect(Number(textOf(response, 'ResolveRecipients:RecipientCount'))).toBeGreaterThanOrEqual(1);
    expect(
      children(response, 'ResolveRecipients:Recipient').map((r) =>
        textOf(r, 'ResolveRecipients:Type'),
      ),
    ).toContain('2');
    const none = await eas.command('ResolveRecipients', el('ResolveRecipients:ResolveRecipients'));
    expect(textOf(none.body!, 'ResolveRecipients:Status')).toBe('5');
  });

  it('estimates what the next Sync brings (GetItemEstimate), keys left where they are', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('estimate1');
    expect(await eas.getItemEstimate([inbox])).toEqual({ [inbox]: 0 });
    lab.exo.deliver(BOB, { subject: 'One' });
    lab.exo.deliver(BOB, { subject: 'Two' });
    expect(await eas.getItemEstimate([inbox])).toEqual({ [inbox]: 2 });
    expect(await eas.getItemEstimate([inbox])).toEqual({ [inbox]: 2 });
    expect((await eas.syncAll(inbox)).added).toHaveLength(2);
    expect(await eas.getItemEstimate([inbox])).toEqual({ [inbox]: 0 });
    // A new device: its whole Inbox, which its first Sync then brings.
    const fresh = bobDevice('estimate2');
    await fresh.provision();
    await fresh.folderSync();
    const estimate = (await fresh.getItemEstimate([inbox]))[inbox];
    expect(estimate).toBeGreaterThan(2);
    expect((await fresh.syncAll(inbox)).added).toHaveLength(estimate!);

    const raw = (collectionId: string, syncKey: string) =>
      eas.command('GetItemEstimate', getItemEstimateRequest([{ collectionId, syncKey }]));
    const statusOf = async (answer: ReturnType<typeof raw>) =>
      textOf((await answer).body!, 'GetItemEstimate:Response', 'GetItemEstimate:Status');
    expect(await statusOf(raw('999', '1'))).toBe('2');
    expect(await statusOf(raw(inbox, '0'))).toBe('3');
    expect(await statusOf(raw(inbox, '77'))).toBe('4');
  });

  it('fetches an item whole with ItemOperations; an unknown item is Status 6, another store 9', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('fetch1');
    const serverId = lab.exo.deliver(BOB, { subject: 'Fetch me', bodyText: 'the whole body' });
    const item = await eas.itemOperationsFetch(inbox, serverId);
    expect(item).toMatchObject({ serverId, collectionId: inbox, class: 'Email' });
    expect(item.data['Email:Subject']).toBe('Fetch me');
    expect(item.body).toBe('the whole body');
    await expect(eas.itemOperationsFetch(inbox, `${inbox}:999`)).rejects.toMatchObject({
      name: 'EasStatusError',
      status: 6,
    });
    const library = await eas.command(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el(
          'ItemOperations:Fetch',
          el('ItemOperations:Store', 'DocumentLibrary'),
          el('DocumentLibrary:LinkId', '\\\\server\\share\\a.txt'),
        ),
      ),
    );
    expect(
      textOf(
        library.body!,
        'ItemOperations:Response',
        'ItemOperations:Fetch',
        'ItemOperations:Status',
      ),
    ).toBe('9');
  });

  it("creates, renames and deletes folders (FolderCreate, FolderUpdate, FolderDelete): the device's key moves on, other devices' FolderSync gets the changes; Status 2, 3, 4, 5, 9, 10; a Ping on a deleted folder answers 7", async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('folders1');
    const other = bobDevice('folders2');
    await other.provision();
    await other.folderSync();
    let key = eas.exportState().folderSyncKey!;
    /** A folder command of bob's first device, under its current key unless told otherwise. */
    async function folderCommand(kind: string, ...parts: EasElement[]) {
      const answer = await eas.command(
        kind,
        el(
          `FolderHierarchy:${kind}`,
          parts.some((p) => p.tag === 'FolderHierarchy:SyncKey')
            ? []
            : [el('FolderHierarchy:SyncKey', key)],
          ...parts,
        ),
      );
      const status = textOf(answer.body!, 'FolderHierarchy:Status');
      if (status === '1') key = textOf(answer.body!, 'FolderHierarchy:SyncKey')!;
      return { status, serverId: textOf(answer.body!, 'FolderHierarchy:ServerId') };
    }
    const create = (parentId: string, name: string, type = 12) =>
      folderCommand(
        'FolderCreate',
        el('FolderHierarchy:ParentId', parentId),
        el('FolderHierarchy:DisplayName', name),
        el('FolderHierarchy:Type', type),
      );
    /** What a FolderSync of the other device brings: [change, name or id]. */
    const changesElsewhere = async () => {
      const before = new Set(other.exportState().folders!.map((f) => f.serverId));
      const { folders } = await other.folderSync();
      const after = new Map(folders.map((f) => [f.serverId, f]));
      return {
        added: folders.filter((f) => !before.has(f.serverId)).map((f) => f.displayName),
        removed: [...before].filter((id) => !after.has(id)),
        folders,
      };
    };
    const staleKey = key;
    const projects = await create('0', 'Projects');
    expect(projects.status).toBe('1');
    expect((await create('0', 'projects')).status).toBe('2');
    expect((await create('0', 'Other', 2)).status).toBe('10');
    expect((await create('999', 'Lost')).status).toBe('5');
    expect(
      (
        await folderCommand(
          'FolderCreate',
          el('FolderHierarchy:SyncKey', staleKey),
          el('FolderHierarchy:ParentId', '0'),
          el('FolderHierarchy:DisplayName', 'Stale'),
          el('FolderHierarchy:Type', 12),
        )
      ).status,
    ).toBe('9');
    const archive = await create(projects.serverId!, 'Archive 2026');
    expect(archive.status).toBe('1');
    // Its own folders are not sent back to it; the other device gets them.
    const own = await eas.command(
      'FolderSync',
      el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)),
    );
    expect(textOf(own.body!, 'FolderHierarchy:Changes', 'FolderHierarchy:Count')).toBe('0');
    key = textOf(own.body!, 'FolderHierarchy:SyncKey')!;
    expect((await changesElsewhere()).added).toEqual(['Projects', 'Archive 2026']);

    const update = (serverId: string, parentId: string, name: string) =>
      folderCommand(
        'FolderUpdate',
        el('FolderHierarchy:ServerId', serverId),
        el('FolderHierarchy:ParentId', parentId),
        el('FolderHierarchy:DisplayName', name),
      );
    expect((await update(projects.serverId!, '0', 'Projects 2026')).status).toBe('1');
    expect((await update(inbox, '0', 'My Inbox')).status).toBe('2');
    expect((await update('999', '0', 'Ghost')).status).toBe('4');
    expect((await update(projects.serverId!, archive.serverId!, 'Loop')).status).toBe('5');
    const renamed = await changesElsewhere();
    expect(renamed.folders.find((f) => f.serverId === projects.serverId)?.displayName).toBe(
      'Projects 2026',
    );

    // Mail filed in the new folder syncs there.
    const mail = lab.exo.deliver(BOB, { subject: 'Kick-off notes' });
    await eas.syncAll(inbox);
    await eas.command(
      'MoveItems',
      moveItemsRequest([{ srcMsgId: mail, srcFldId: inbox, dstFldId: archive.serverId! }]),
    );
    expect(
      (await eas.syncAll(archive.serverId!)).added.map((i) => i.data['Email:Subject']),
    ).toEqual(['Kick-off notes']);

    // The other device holds a Ping on the archive; deleting its parent ends it with Status 7.
    await other.syncAll(archive.serverId!);
    const held = other.ping([archive.serverId!], 600);
    const remove = (serverId: string) =>
      folderCommand('FolderDelete', el('FolderHierarchy:ServerId', serverId));
    expect((await remove(inbox)).status).toBe('3');
    expect((await remove('999')).status).toBe('4');
    expect((await remove(projects.serverId!)).status).toBe('1');
    expect((await held).status).toBe(7);
    expect((await changesElsewhere()).removed.sort()).toEqual(
      [projects.serverId!, archive.serverId!].sort(),
    );
  });

  it('answers meetings (MeetingResponse): an accepted event shows ResponseType 3 on every device, a declined one leaves the calendar; Status 2 for mail or an unknown item, 103 without a Request', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('meet1');
    const calendar = eas.exportState().folders!.find((f) => f.type === 8)!.serverId;
    const [first, second] = (await eas.syncAll(calendar)).added;
    const other = bobDevice('meet2');
    await other.provision();
    await other.folderSync();
    await other.syncAll(calendar);
    const mail = lab.exo.deliver(BOB, { subject: 'Not a meeting' });
    const answer = await eas.command(
      'MeetingResponse',
      el(
        'MeetingResponse:MeetingResponse',
        [
          [1, calendar, first!.serverId],
          [3, calendar, second!.serverId],
          [1, inbox, mail],
          [2, calendar, `${calendar}:999`],
          [4, calendar, first!.serverId],
        ].map(([response, collectionId, requestId]) =>
          el(
            'MeetingResponse:Request',
            el('MeetingResponse:UserResponse', response!),
            el('MeetingResponse:CollectionId', collectionId!),
            el('MeetingResponse:RequestId', requestId!),
          ),
        ),
      ),
    );
    expect(
      children(answer.body!, 'MeetingResponse:Result').map((r) => [
        textOf(r, 'MeetingResponse:RequestId'),
        textOf(r, 'MeetingResponse:Status'),
        textOf(r, 'MeetingResponse:CalendarId'),
      ]),
    ).toEqual([
      [first!.serverId, '1', first!.serverId],
      [second!.serverId, '1', undefined],
      [mail, '2', undefined],
      [`${calendar}:999`, '2', undefined],
      [first!.serverId, '2', undefined],
    ]);
    const elsewhere = await other.sync(calendar, {});
    expect(elsewhere.changed.map((i) => [i.serverId, i.data['Calendar:ResponseType']])).toEqual([
      [first!.serverId, '3'],
    ]);
    expect(elsewhere.deleted).toEqual([second!.serverId]);
    const none = await eas.command('MeetingResponse', el('MeetingResponse:MeetingResponse'));
    expect(textOf(none.body!, 'MeetingResponse:Status')).toBe('103');
  });

  it('moves mail between folders (MoveItems): a Delete in the source, an Add in the destination; Status 1, 2, 4 as on-premises', async () => {
    lab = hybridLab();
    const { eas, inbox } = await bobInSync('move1');
    const deletedItems = eas.exportState().folders!.find((f) => f.type === 4)!.serverId;
    await eas.syncAll(deletedItems);
    const serverId = lab.exo.deliver(BOB, { subject: 'File me' });
    await eas.syncAll(inbox);
    const move = await eas.command(
      'MoveItems',
      moveItemsRequest([
        { srcMsgId: serverId, srcFldId: inbox, dstFldId: deletedItems },
        { srcMsgId: `${inbox}:999`, srcFldId: inbox, dstFldId: deletedItems },
        { srcMsgId: serverId, srcFldId: deletedItems, dstFldId: '999' },
        { srcMsgId: serverId, srcFldId: inbox, dstFldId: inbox },
      ]),
    );
    const responses = children(move.body!, 'Move:Response');
    expect(responses.map((r) => textOf(r, 'Move:Status'))).toEqual(['3', '1', '1', '1']);
    const moved = textOf(responses[0]!, 'Move:DstMsgId')!;
    expect(moved).toMatch(new RegExp(`^${deletedItems}:`));
    expect((await eas.syncAll(inbox)).deleted).toEqual([serverId]);
    const added = (await eas.syncAll(deletedItems)).added;
    expect(added.map((item) => [item.serverId, item.data['Email:Subject']])).toEqual([
      [moved, 'File me'],
    ]);
    const again = await eas.command(
      'MoveItems',
      moveItemsRequest([
        { srcMsgId: moved, srcFldId: deletedItems, dstFldId: '999' },
        { srcMsgId: moved, srcFldId: deletedItems, dstFldId: deletedItems },
      ]),
    );
    expect(children(again.body!, 'Move:Response').map((r) => textOf(r, 'Move:Status'))).toEqual([
      '2',
      '4',
    ]);
  });

  describe('Ping', () => {
    /** Whether `promise` has settled once the in-process work under way has run. */
    async function settled(promise: Promise<unknown>): Promise<boolean> {
      let done = false;
      void promise.then(
        () => (done = true),
        () => (done = true),
      );
      await lab.ctx.clock.advance(0);
      return done;
    }

    it('is offered, holds until mail arrives (Status 2 with the folder), and the Sync after it brings the mail', async () => {
      lab = hybridLab();
      const options = await lab.ctx.fetchFor('device')(EXO_EAS, {
        method: 'OPTIONS',
        headers: {
          authorization: `Bearer ${mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile })}`,
        },
      });
      expect(options.headers.get('ms-asprotocolcommands')!.split(',')).toContain('Ping');
      const { eas, inbox } = await bobInSync('ping1');
      const calendar = eas.exportState().folders!.find((f) => f.type === 8)!.serverId;

      const held = eas.ping([inbox, calendar], 480);
      expect(await settled(held)).toBe(false);
      lab.exo.deliver(BOB, { subject: 'Pushed to the phone' });
      expect(await held).toEqual({ status: 2, changedFolders: [inbox] });
      const { added } = await eas.syncAll(inbox);
      expect(added.map((item) => item.data['Email:Subject'])).toEqual(['Pushed to the phone']);
    });

    it('answers Status 1 when the heartbeat ends on the lab clock; an empty Ping repeats the last one', async () => {
      lab = hybridLab();
      const { eas, inbox } = await bobInSync('ping2');
      const held = eas.ping([inbox], 480);
      await lab.ctx.clock.advance('7m');
      expect(await settled(held)).toBe(false);
      await lab.ctx.clock.advance('1m');
      expect(await held).toEqual({ status: 1, changedFolders: [] });

      // No body: the same folders and heartbeat as before.
      const repeated = eas.command('Ping');
      expect(await settled(repeated)).toBe(false);
      lab.exo.deliver(BOB, { subject: 'Again' });
      const answer = await repeated;
      expect(textOf(answer.body!, 'Ping:Status')).toBe('2');
      expect(textOf(answer.body!, 'Ping:Folders', 'Ping:Folder')).toBe(inbox);
    });

    it("another device's read flag reaches a held Ping; a device's Ping with news pending answers at once", async () => {
      lab = hybridLab();
      const phone = await bobInSync('ping3');
      const tablet = await bobInSync('ping4');
      lab.exo.deliver(BOB, { subject: 'Read on the tablet' });
      // The phone has not synced the new mail: its Ping answers at once.
      expect(await phone.eas.ping([phone.inbox], 480)).toEqual({
        status: 2,
        changedFolders: [phone.inbox],
      });
      const [mail] = (await phone.eas.syncAll(phone.inbox)).added;
      const { added } = await tablet.eas.syncAll(tablet.inbox);
      const held = phone.eas.ping([phone.inbox], 480);
      expect(await settled(held)).toBe(false);
      await tablet.eas.command(
        'Sync',
        syncWithCommands(
          tablet.eas.exportState().syncKeys![tablet.inbox]!,
          tablet.inbox,
          clientChange(added[0]!.serverId, el('Email:Read', 1)),
        ),
      );
      expect(mail!.serverId).toBe(added[0]!.serverId);
      expect(await held).toEqual({ status: 2, changedFolders: [phone.inbox] });
    });

    it("a change the device itself makes meanwhile (on another connection) is no news for its held Ping; another device's is", async () => {
      lab = hybridLab();
      const phone = await bobInSync('ping6');
      const tablet = await bobInSync('ping7');
      const mail = lab.exo.deliver(BOB, { subject: 'Seen on the phone' });
      await phone.eas.syncAll(phone.inbox);
      await tablet.eas.syncAll(tablet.inbox);
      const held = phone.eas.ping([phone.inbox], 480);
      expect(await settled(held)).toBe(false);
      // The phone, on another connection, marks the mail read.
      const again = bobDevice('ping6', '14.1', phone.eas.exportState());
      await again.command(
        'Sync',
        syncWithCommands(
          again.exportState().syncKeys![phone.inbox]!,
          phone.inbox,
          clientChange(mail, el('Email:Read', 1)),
        ),
      );
      expect(await settled(held)).toBe(false);
      // The tablet's change of the same mail is news.
      await tablet.eas.command(
        'Sync',
        syncWithCommands(
          tablet.eas.exportState().syncKeys![tablet.inbox]!,
          tablet.inbox,
          clientChange(mail, el('Email:Read', 0)),
        ),
      );
      expect(await held).toEqual({ status: 2, changedFolders: [phone.inbox] });
    });

    it('refuses what MS-ASCMD refuses: no parameters (3), heartbeat out of range (5, with the limit), too many folders (6), an unknown folder (7), before Provision (142)', async () => {
      lab = hybridLab();
      const fresh = bobDevice('ping5');
      await fresh.provision();
      const empty = await fresh.command('Ping');
      expect(textOf(empty.body!, 'Ping:Status')).toBe('3');
      const { folders } = await fresh.folderSync();
      const inbox = folders.find((f) => f.type === 2)!.serverId;
      expect(await fresh.ping([inbox], 30)).toEqual({
        status: 5,
        changedFolders: [],
        heartbeatS: 60,
      });
      expect(await fresh.ping([inbox], 7200)).toMatchObject({ status: 5, heartbeatS: 3540 });
      const many = await fresh.ping(
        Array.from({ length: 301 }, () => inbox),
        480,
      );
      expect(many.status).toBe(6);
      expect(await fresh.ping(['999'], 480)).toEqual({ status: 7, changedFolders: [] });

      const token = mintAccessToken(lab.ctx, BOB, { appid: WELL_KNOWN_APPS.outlookMobile });
      const unprovisioned = await lab.ctx.fetchFor('device')(
        `${EXO_EAS}?Cmd=Ping&User=bob&DeviceId=ping6&DeviceType=iPhone`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'ms-asprotocolversion': '14.1',
            'content-type': 'application/vnd.ms-sync.wbxml',
          },
        },
      );
      expect(unprovisioned.status).toBe(200);
      const refused = decodeWbxml(new Uint8Array(await unprovisioned.arrayBuffer()));
      expect(textOf(refused, 'Ping:Status')).toBe('142');
    });

    it('ends held Pings when Exchange Online closes (Status 1), leaving nothing on the lab clock', async () => {
      lab = hybridLab();
      const { eas, inbox } = await bobInSync('ping7');
      const held = eas.ping([inbox], 3540);
      expect(await settled(held)).toBe(false);
      expect(lab.ctx.clock.pending().map((t) => t.label)).toContain('exo-eas Ping heartbeat');
      await lab.exo.close();
      expect(await held).toEqual({ status: 1, changedFolders: [] });
      expect(lab.ctx.clock.pending().map((t) => t.label)).not.toContain('exo-eas Ping heartbeat');
    });
  });
});
