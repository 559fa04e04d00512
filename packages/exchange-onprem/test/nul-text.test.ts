import {
  child,
  children,
  type EasElement,
  el,
  syncRequest,
  syncRequestCollection,
  textOf,
} from '@hma-lab/activesync';
import { createLab, readyClient } from './helpers.js';

/**
 * Finding F5: WBXML text (STR_I) cannot hold NUL, but OPAQUE content can. A NUL
 * that reaches the server's text (an id echoed back, a stored subject) must
 * neither turn the answer into a 500 nor make a mailbox unsyncable
 * (docs/errors.md, "NUL in ActiveSync text").
 */

const A_NUL_B = new Uint8Array([0x41, 0x00, 0x42]);

const ready = (lab: ReturnType<typeof createLab>, upn = 'alice@contoso.com', deviceId = 'nul1') =>
  readyClient(lab, { upn, deviceId });

describe('NUL characters in ActiveSync text (F5)', () => {
  it('answers a Provision whose PolicyType is OPAQUE "A\\0B" with Policy Status 3, not 500', async () => {
    const lab = createLab();
    const { client } = await ready(lab);
    const res = await client.command(
      'Provision',
      el(
        'Provision:Provision',
        el('Provision:Policies', el('Provision:Policy', el('Provision:PolicyType', A_NUL_B))),
      ),
    );
    expect(res.status).toBe(200);
    const policy = child(child(res.body!, 'Provision:Policies')!, 'Provision:Policy')!;
    expect(textOf(policy, 'Provision:Status')).toBe('3');
    expect(textOf(policy, 'Provision:PolicyType')).toBe('A\uFFFDB');
  });

  it('answers a Sync whose CollectionId (or ServerId of a Fetch) holds NUL with a Status, not 500', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id(2);
    await client.syncAll(inbox);
    const key = client.exportState().syncKeys[inbox]!;
    const res = await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(key, A_NUL_B),
        syncRequestCollection(
          key,
          inbox,
          el('AirSync:Commands', el('AirSync:Fetch', el('AirSync:ServerId', A_NUL_B))),
        ),
      ),
    );
    expect(res.status).toBe(200);
    // An id with NUL is read as "A\uFFFDB", an id no one has: the command's own "unknown" Status.
    const [unknown, inboxAnswer] = children(
      child(res.body!, 'AirSync:Collections')!,
      'AirSync:Collection',
    );
    expect(textOf(unknown!, 'AirSync:CollectionId')).toBe('A\uFFFDB');
    expect(textOf(unknown!, 'AirSync:Status')).toBe('12');
    expect(textOf(inboxAnswer!, 'AirSync:Status')).toBe('1');
    expect(textOf(inboxAnswer!, 'AirSync:Responses', 'AirSync:Fetch', 'AirSync:Status')).toBe('8');
  });

  it('stores a SendMail subject =?utf-8?B?QQBC?= ("A\\0B") as "A\\uFFFDB": the recipient keeps syncing', async () => {
    const lab = createLab();
    const { client: alice } = await ready(lab);
    await alice.sendMail(
      'From: alice@contoso.com\r\nTo: dave@fabrikam.com\r\nSubject: =?utf-8?B?QQBC?=\r\n' +
        'Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
        `${Buffer.from('x\0y').toString('base64')}\r\n`,
    );
    const { client: dave, id } = await ready(lab, 'dave@fabrikam.com', 'dave-phone');
    const { added } = await dave.syncAll(id(2));
    expect(added.map((i) => i.data['Email:Subject'])).toContain('A\uFFFDB');
    const stored = lab.eas.store
      .mailbox('dave@fabrikam.com')!
      .items(id(2))
      .find((i) => i.data.kind === 'mail' && i.data.subject === 'A\uFFFDB')!;
    expect(stored.data.kind === 'mail' && stored.data.bodyText).toBe('x\uFFFDy');
  });

  it('stores a Sync Add whose Calendar:Subject is OPAQUE with NUL as U+FFFD: other devices keep syncing', async () => {
    const lab = createLab();
    const { client: phone, id } = await ready(lab);
    const calendar = id(8);
    await phone.syncAll(calendar);
    const key = phone.exportState().syncKeys[calendar]!;
    const res = await phone.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          key,
          calendar,
          el(
            'AirSync:Commands',
            el(
              'AirSync:Add',
              el('AirSync:ClientId', 'c1'),
              el(
                'AirSync:ApplicationData',
                el('Calendar:Subject', A_NUL_B),
                el('Calendar:StartTime', '20300101T100000Z'),
                el('Calendar:EndTime', '20300101T110000Z'),
              ),
            ),
          ),
        ),
      ),
    );
    expect(res.status).toBe(200);
    const { client: tablet } = await ready(lab, 'alice@contoso.com', 'tablet');
    const { added } = await tablet.syncAll(calendar);
    expect(added.map((i) => i.data['Calendar:Subject'])).toContain('A\uFFFDB');
  });

  it('answers a Sync with the protocol-error Status 4 when a stored text still holds NUL', async () => {
    const lab = createLab();
    const { client, id } = await ready(lab);
    const inbox = id(2);
    const mailbox = lab.eas.store.mailbox('alice@contoso.com')!;
    const [first] = mailbox.items(inbox);
    // A text that did not come through a client path (here: set directly).
    (first!.data as { subject: string }).subject = 'A\0B';
    const res = await client.command('Sync', syncRequest(syncRequestCollection('0', inbox)));
    expect(res.status).toBe(200);
    const after = (await client.command(
      'Sync',
      syncRequest(
        syncRequestCollection(
          textOf(res.body!, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey')!,
          inbox,
        ),
      ),
    )) as { status: number; body?: EasElement };
    expect(after.status).toBe(200);
    expect(textOf(after.body!, 'AirSync:Status')).toBe('4');
  });
});
