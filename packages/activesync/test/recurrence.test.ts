import {
  applyClientEvent,
  ClientDataError,
  el,
  newClientEvent,
  readRecurrence,
  recurrenceElement,
  recurrenceOfData,
  RecurrenceError,
  type EasElement,
} from '@hma-lab/activesync';
import { flattenData } from '../src/client/flatten.js';

const recurrence = (...fields: Array<[string, string | number]>): EasElement =>
  el('Calendar:Recurrence', ...fields.map(([name, value]) => el(`Calendar:${name}`, value)));

const names = (element: EasElement): string[] => element.children.map((c) => c.tag);

describe('Calendar:Recurrence (MS-ASCAL)', () => {
  it('reads a pattern and writes it back, leaving out what the client version does not know', () => {
    const read = readRecurrence(
      recurrence(
        ['Type', 1],
        ['Interval', 2],
        ['DayOfWeek', 42],
        ['Until', '20270301T000000Z'],
        ['CalendarType', 1],
        ['FirstDayOfWeek', 1],
      ),
    );
    expect(read).toEqual({
      type: 1,
      interval: 2,
      dayOfWeek: 42,
      untilMs: Date.UTC(2027, 2, 1),
      calendarType: 1,
      firstDayOfWeek: 1,
    });
    const written = recurrenceElement(read, 16.1);
    expect(readRecurrence(written)).toEqual(read);
    expect(names(written)).toEqual([
      'Calendar:Type',
      'Calendar:Interval',
      'Calendar:DayOfWeek',
      'Calendar:Until',
      'Calendar:CalendarType',
      'Calendar:FirstDayOfWeek',
    ]);
    expect(names(recurrenceElement(read, 14.0))).not.toContain('Calendar:FirstDayOfWeek');
    expect(names(recurrenceElement(read, 12.1))).not.toContain('Calendar:CalendarType');
    // Interval defaults to 1; the Tasks page's spelling of the same children is read too.
    expect(
      readRecurrence(
        el(
          'Tasks:Recurrence',
          el('Tasks:Type', 3),
          el('Tasks:WeekOfMonth', 5),
          el('Tasks:DayOfWeek', 127),
        ),
      ),
    ).toEqual({ type: 3, interval: 1, weekOfMonth: 5, dayOfWeek: 127 });
  });

  it.each([
    [/no Type/, recurrence(['Interval', 1])],
    [/Type '4' is not 0, 1, 2, 3, 5 or 6/, recurrence(['Type', 4])],
    [/Interval '0' is not from 1 to 999/, recurrence(['Type', 0], ['Interval', 0])],
    [/Interval 'x'/, recurrence(['Type', 0], ['Interval', 'x'])],
    [/DayOfWeek '128'/, recurrence(['Type', 0], ['DayOfWeek', 128])],
    [/Type 1 needs DayOfWeek/, recurrence(['Type', 1])],
    [/Type 6 needs WeekOfMonth/, recurrence(['Type', 6], ['DayOfWeek', 2], ['MonthOfYear', 3])],
    [/DayOfMonth '32'/, recurrence(['Type', 5], ['DayOfMonth', 32], ['MonthOfYear', 1])],
    [/Until 'soon' is not a date/, recurrence(['Type', 0], ['Until', 'soon'])],
    [/not both/, recurrence(['Type', 0], ['Until', '20270101T000000Z'], ['Occurrences', 3])],
    [/Type twice/, recurrence(['Type', 0], ['Type', 0])],
    [/IsLeapMonth '2'/, recurrence(['Type', 0], ['IsLeapMonth', 2])],
  ])('refuses one that fails %s', (message, element) => {
    expect(() => readRecurrence(element)).toThrow(RecurrenceError);
    expect(() => readRecurrence(element)).toThrow(message);
  });

  it('is set by a client Add or Change, removed by an empty Recurrence, and refused as client data', () => {
    const ctx = { owner: { email: 'alice@contoso.com' }, nowMs: Date.UTC(2027, 0, 4, 9) };
    const event = newClientEvent({ name: 'Alice', email: 'alice@contoso.com' }, ctx.nowMs);
    applyClientEvent(
      event,
      el(
        'AirSync:ApplicationData',
        el('Calendar:Subject', 'Stand-up'),
        recurrence(['Type', 0], ['Occurrences', 10]),
      ),
      ctx,
    );
    expect(event.recurrence).toEqual({ type: 0, interval: 1, occurrences: 10 });
    // A Change that does not name Recurrence keeps it (Changes merge).
    applyClientEvent(event, el('AirSync:ApplicationData', el('Calendar:Subject', 'Daily')), ctx);
    expect(event.recurrence).toEqual({ type: 0, interval: 1, occurrences: 10 });
    applyClientEvent(event, el('AirSync:ApplicationData', el('Calendar:Recurrence')), ctx);
    expect(event.recurrence).toBeUndefined();
    expect(() =>
      applyClientEvent(event, el('AirSync:ApplicationData', recurrence(['Type', 9])), ctx),
    ).toThrow(ClientDataError);
  });

  it('is read back from a synced item’s flattened data, or not at all when it cannot be', () => {
    const data = flattenData(
      el(
        'AirSync:ApplicationData',
        el('Calendar:Subject', 'x'),
        recurrence(['Type', 2], ['DayOfMonth', 15]),
      ),
    );
    expect(recurrenceOfData(data)).toEqual({ type: 2, interval: 1, dayOfMonth: 15 });
    expect(recurrenceOfData({ 'Calendar:Subject': 'x' })).toBeUndefined();
    expect(recurrenceOfData({ 'Calendar:Recurrence/Calendar:Type': '4' })).toBeUndefined();
  });
});
