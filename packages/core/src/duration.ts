import { kindOf, shorten } from './shorten.js';

/**
 * Durations as people write them in scenarios, CLIs and tests: `90s`, `15m`,
 * `2h`, `14d`, `1w`, `500ms`, or combined (`1h30m`). A bare number is milliseconds.
 */

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/**
 * Parses a duration into milliseconds.
 *
 * @example parseDuration('14d') === 1_209_600_000
 * @throws RangeError when the text is not a duration.
 */
export function parseDuration(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) throw new RangeError(`invalid duration ${input}`);
    // Whole milliseconds, as a text duration is rounded to: a clock moved by
    // 0.5 ms would keep fractional times for ever after.
    return withinRange(Math.round(input), input);
  }
  if (typeof input !== 'string') {
    throw new RangeError(
      `invalid duration: expected a text such as 2h or a number of ms, got ${kindOf(input)}`,
    );
  }
  const text = input.trim();
  if (/^\d+$/.test(text)) return withinRange(Number(text), input);
  PART.lastIndex = 0;
  let total = 0;
  let consumed = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = PART.lastIndex;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new RangeError(
      `invalid duration "${shorten(input, 41)}": expected e.g. 500ms, 90s, 15m, 2h, 14d, 1w or 1h30m`,
    );
  }
  return withinRange(Math.round(total), input);
}

/**
 * The longest duration: the span of time a `Date` can hold (±8.64e15 ms from
 * 1970, about 273,790 years). Anything longer (or a number too large to be
 * finite) would take a clock outside any date, so it is not a duration.
 */
export const MAX_DURATION_MS = 8.64e15;

function withinRange(ms: number, input: string | number): number {
  if (!(ms <= MAX_DURATION_MS)) {
    throw new RangeError(
      `invalid duration ${typeof input === 'string' ? `"${shorten(input, 41)}"` : input}: longer than ${MAX_DURATION_MS} ms (what a date can span)`,
    );
  }
  return ms;
}

/** Formats milliseconds the way {@link parseDuration} reads them (`1d2h`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const unit of ['w', 'd', 'h', 'm', 's', 'ms'] as const) {
    const size = UNIT_MS[unit]!;
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return parts.join('');
}
