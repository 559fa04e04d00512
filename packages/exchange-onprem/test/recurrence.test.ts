import {
  child,
  children,
  el,
  syncRequest,
  syncRequestCollection,
  textOf,
  type EasClient,
  type EasElement,
} from '@hma-lab/activesync';
import { createLab, readyClient } from './helpers.js';

/** One Sync of `calendar` with `commands`; the answer's collection. */
async function syncCommands(
  client: EasClient,
  calendar: string,
  ...commands: EasElement[]
): Promise<EasElement> {
  await client.syncAll(calendar);
  const key = client.exportState().syncKeys[calendar]!;
  const res = await client.command(
    'Sync',
    syncRequest(syncRequestCollection(key, calendar, el('AirSync:Commands', ...commands))),
  );
  return child(child(res.body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
}

const weekly = el(
  'Calendar:Recurrence',
  el('Calendar:Type', 1),
  el('Calendar:Interval', 1),
  el('Calendar:DayOfWeek', 2),
  el('Calendar:Until', '20300601T000000Z'),
  el('Calendar:FirstDayOfWeek', 1),
);

/** An Add of a half-hour event on 7 January 2030 with `recurrence`. */
const addEvent = (subject: string, recurrence: EasElement) =>
  el(
    'AirSync:Add',
    el('AirSync:ClientId', 'c1'),
    el(
      'AirSync:ApplicationData',
      el('Calendar:Subject', subject),
      el('Calendar:StartTime', '20300107T100000Z'),
      el('Calendar:EndTime', '20300107T103000Z'),
      recurrence,
    ),
  );

/** alice's device `deviceId`, ready, and her calendar's id. */
async function aliceCalendar(lab: ReturnType<typeof createLab>, deviceId: string) {
  const { client, id } = await readyClient(lab, { upn: 'alice@contoso.com', deviceId });
  return { client, calendar: id(8) };
}

describe('recurring events (Calendar:Recurrence)', () => {
  it('keeps the pattern a device adds and sends it to the other devices; an empty one ends the series', async () => {
    const lab = createLab();
    const { client: phone, calendar } = await aliceCalendar(lab, 'rec-phone');
    const added = await syncCommands(phone, calendar, addEvent('Team review', weekly));
    const serverId = textOf(added, 'AirSync:Responses', 'AirSync:Add', 'AirSync:ServerId')!;
    expect(textOf(added, 'AirSync:Responses', 'AirSync:Add', 'AirSync:Status')).toBe('1');

    const { client: tablet } = await aliceCalendar(lab, 'rec-tablet');
    const seen = (await tablet.syncAll(calendar)).added.find((i) => i.serverId === serverId)!;
    expect(seen.data).toMatchObject({
      'Calendar:Recurrence/Calendar:Type': '1',
      'Calendar:Recurrence/Calendar:Interval': '1',
      'Calendar:Recurrence/Calendar:DayOfWeek': '2',
      'Calendar:Recurrence/Calendar:Until': '20300601T000000Z',
      'Calendar:Recurrence/Calendar:FirstDayOfWeek': '1',
    });
    // A 14.0 device is not sent what 14.1 added.
    const { client: old } = await readyClient(lab, {
      upn: 'alice@contoso.com',
      deviceId: 'rec-old',
      protocolVersion: '14.0',
    });
    const seenByOld = (await old.syncAll(calendar)).added.find((i) => i.serverId === serverId)!;
    expect(seenByOld.data['Calendar:Recurrence/Calendar:Type']).toBe('1');
    expect(seenByOld.data['Calendar:Recurrence/Calendar:FirstDayOfWeek']).toBeUndefined();

    await syncCommands(
      phone,
      calendar,
      el(
        'AirSync:Change',
        el('AirSync:ServerId', serverId),
        el('AirSync:ApplicationData', el('Calendar:Recurrence')),
      ),
    );
    const changed = (await tablet.syncAll(calendar)).changed.find((i) => i.serverId === serverId)!;
    expect(changed.data['Calendar:Subject']).toBe('Team review');
    expect(Object.keys(changed.data).some((k) => k.startsWith('Calendar:Recurrence'))).toBe(false);
  });

  it('answers an Add whose pattern cannot be kept with Status 6, and stores nothing', async () => {
    const lab = createLab();
    const { client: phone, calendar } = await aliceCalendar(lab, 'rec-bad');
    const before = lab.eas.store.mailbox('alice@contoso.com')!.items(calendar).length;
    const answer = await syncCommands(
      phone,
      calendar,
      addEvent('No days', el('Calendar:Recurrence', el('Calendar:Type', 1))),
    );
    const [response] = children(child(answer, 'AirSync:Responses')!, 'AirSync:Add');
    expect(textOf(response!, 'AirSync:Status')).toBe('6');
    expect(lab.eas.store.mailbox('alice@contoso.com')!.items(calendar)).toHaveLength(before);
  });
});
