import { el, type EasElement } from '../wbxml/element.js';
import { easCompactDateTime, parseEasDate } from './eas-format.js';

/**
 * A recurring event's pattern as ActiveSync carries it (MS-ASCAL
 * `Calendar:Recurrence`). The lab keeps and sends the pattern; it does not
 * expand it into occurrences.
 */
export interface Recurrence {
  /** 0 daily, 1 weekly, 2 monthly on a day, 3 monthly on the nth weekday, 5 yearly on a date, 6 yearly on the nth weekday. */
  type: 0 | 1 | 2 | 3 | 5 | 6;
  /** Every `interval` days, weeks, months or years (1-999). */
  interval: number;
  /** Ends after this many occurrences (1-999). */
  occurrences?: number;
  /** Ends on this day (ms). */
  untilMs?: number;
  /** Days as a bit mask: 1 Sunday, 2 Monday, 4 Tuesday ... 64 Saturday (1-127; 127 the last day of the month). */
  dayOfWeek?: number;
  /** 1-31. */
  dayOfMonth?: number;
  /** 1-4, or 5 for the last week of the month. */
  weekOfMonth?: number;
  /** 1-12. */
  monthOfYear?: number;
  /** The calendar the pattern counts in (from 14.0; 0 default, 1 Gregorian ...). */
  calendarType?: number;
  /** The month is a leap month (from 14.0). */
  isLeapMonth?: boolean;
  /** The day a week starts on, 0 Sunday to 6 Saturday (from 14.1). */
  firstDayOfWeek?: number;
}

/** Why a client's `Calendar:Recurrence` cannot be kept. */
export class RecurrenceError extends Error {
  override readonly name = 'RecurrenceError';
}

const TYPES = [0, 1, 2, 3, 5, 6] as const;

/** The whole numbers each element takes, [min, max]. */
const RANGES = {
  Interval: [1, 999],
  Occurrences: [1, 999],
  DayOfWeek: [1, 127],
  DayOfMonth: [1, 31],
  WeekOfMonth: [1, 5],
  MonthOfYear: [1, 12],
  CalendarType: [0, 20],
  FirstDayOfWeek: [0, 6],
} as const;

/** What each pattern needs besides its Type (MS-ASCAL 2.2.2.37.2). */
const NEEDS: Record<Recurrence['type'], ReadonlyArray<keyof typeof RANGES>> = {
  0: [],
  1: ['DayOfWeek'],
  2: ['DayOfMonth'],
  3: ['WeekOfMonth', 'DayOfWeek'],
  5: ['DayOfMonth', 'MonthOfYear'],
  6: ['WeekOfMonth', 'DayOfWeek', 'MonthOfYear'],
};

/**
 * Reads a `Calendar:Recurrence` (or any element with the same children, on
 * whatever code page: the Tasks page names them alike).
 *
 * @throws RecurrenceError for a missing or unknown Type, a number out of its
 *   range, a pattern without the days it needs, an Until that is no date, or
 *   both Until and Occurrences.
 */
export function readRecurrence(element: EasElement): Recurrence {
  const values = new Map<string, string>();
  for (const kid of element.children) {
    const name = kid.tag.slice(kid.tag.indexOf(':') + 1);
    if (values.has(name)) throw new RecurrenceError(`Recurrence names ${name} twice`);
    values.set(name, (kid.text ?? '').trim());
  }
  const whole = (name: keyof typeof RANGES): number | undefined => {
    const raw = values.get(name);
    if (raw === undefined) return undefined;
    const [min, max] = RANGES[name];
    const n = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
    if (!(n >= min && n <= max)) {
      throw new RecurrenceError(
        `Recurrence ${name} '${raw.slice(0, 20)}' is not from ${min} to ${max}`,
      );
    }
    return n;
  };
  const typeText = values.get('Type');
  const type = TYPES.find((t) => String(t) === typeText);
  if (type === undefined) {
    throw new RecurrenceError(
      typeText === undefined
        ? 'Recurrence has no Type'
        : `Recurrence Type '${typeText.slice(0, 20)}' is not 0, 1, 2, 3, 5 or 6`,
    );
  }
  const recurrence: Recurrence = { type, interval: whole('Interval') ?? 1 };
  const numbers = [
    ['Occurrences', 'occurrences'],
    ['DayOfWeek', 'dayOfWeek'],
    ['DayOfMonth', 'dayOfMonth'],
    ['WeekOfMonth', 'weekOfMonth'],
    ['MonthOfYear', 'monthOfYear'],
    ['CalendarType', 'calendarType'],
    ['FirstDayOfWeek', 'firstDayOfWeek'],
  ] as const;
  for (const [name, key] of numbers) {
    const n = whole(name);
    if (n !== undefined) recurrence[key] = n;
  }
  for (const name of NEEDS[type]) {
    if (!values.has(name)) throw new RecurrenceError(`a Recurrence of Type ${type} needs ${name}`);
  }
  const until = values.get('Until');
  if (until !== undefined) {
    const ms = parseEasDate(until);
    if (ms === undefined)
      throw new RecurrenceError(`Recurrence Until '${until.slice(0, 30)}' is not a date`);
    recurrence.untilMs = ms;
  }
  if (recurrence.untilMs !== undefined && recurrence.occurrences !== undefined) {
    throw new RecurrenceError('a Recurrence ends by Until or by Occurrences, not both');
  }
  const leap = values.get('IsLeapMonth');
  if (leap !== undefined) {
    if (leap !== '0' && leap !== '1')
      throw new RecurrenceError(`Recurrence IsLeapMonth '${leap.slice(0, 20)}' is not 0 or 1`);
    recurrence.isLeapMonth = leap === '1';
  }
  return recurrence;
}

/**
 * `Calendar:Recurrence` for a client of `protocolVersion`: CalendarType and
 * IsLeapMonth from 14.0, FirstDayOfWeek from 14.1 (left out before).
 * Children in the order of MS-ASCAL's schema [unconfirmed].
 */
export function recurrenceElement(recurrence: Recurrence, protocolVersion: number): EasElement {
  const r = recurrence;
  return el(
    'Calendar:Recurrence',
    el('Calendar:Type', r.type),
    r.occurrences !== undefined && el('Calendar:Occurrences', r.occurrences),
    el('Calendar:Interval', r.interval),
    r.weekOfMonth !== undefined && el('Calendar:WeekOfMonth', r.weekOfMonth),
    r.dayOfWeek !== undefined && el('Calendar:DayOfWeek', r.dayOfWeek),
    r.monthOfYear !== undefined && el('Calendar:MonthOfYear', r.monthOfYear),
    r.untilMs !== undefined && el('Calendar:Until', easCompactDateTime(r.untilMs)),
    r.dayOfMonth !== undefined && el('Calendar:DayOfMonth', r.dayOfMonth),
    protocolVersion >= 14 &&
      r.calendarType !== undefined &&
      el('Calendar:CalendarType', r.calendarType),
    protocolVersion >= 14 &&
      r.isLeapMonth !== undefined &&
      el('Calendar:IsLeapMonth', r.isLeapMonth ? 1 : 0),
    protocolVersion >= 14.1 &&
      r.firstDayOfWeek !== undefined &&
      el('Calendar:FirstDayOfWeek', r.firstDayOfWeek),
  );
}

/**
 * The recurrence of a synced item from its flattened ApplicationData
 * (`Calendar:Recurrence/Calendar:Type`...), or undefined when it has none or
 * one that cannot be read.
 */
export function recurrenceOfData(data: Readonly<Record<string, string>>): Recurrence | undefined {
  const prefix = 'Calendar:Recurrence/';
  const children: EasElement[] = [];
  for (const key in data) {
    if (key.startsWith(prefix))
      children.push({ tag: key.slice(prefix.length), children: [], text: data[key]! });
  }
  if (children.length === 0) return undefined;
  try {
    return readRecurrence({ tag: 'Calendar:Recurrence', children });
  } catch {
    return undefined;
  }
}
