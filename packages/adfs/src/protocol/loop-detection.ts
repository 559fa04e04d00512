/**
 * AD FS loop detection: the `MSISLoopDetectionCookie` carries when the current
 * window started and how many tokens were issued in it. A relying party that
 * keeps sending the browser back (a redirect loop) trips MSIS7042.
 */
export interface LoopState {
  windowStartMs: number;
  count: number;
}

/** Reads the cookie value (base64 of `<ISO time>\<count>`); anything unreadable starts afresh. */
export function loopStateFromCookie(value: string | undefined): LoopState | undefined {
  if (!value) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const match = /^(.+)\\(\d+)$/.exec(text);
  if (!match) return undefined;
  const windowStartMs = Date.parse(match[1]!);
  if (Number.isNaN(windowStartMs)) return undefined;
  return { windowStartMs, count: Number(match[2]) };
}

export function loopStateToCookie(state: LoopState): string {
  return Buffer.from(`${new Date(state.windowStartMs).toISOString()}\\${state.count}`).toString(
    'base64',
  );
}

/** Counts one more token: within the window the count grows, after it a new window starts. */
export function countToken(
  previous: LoopState | undefined,
  nowMs: number,
  intervalMs: number,
): LoopState {
  if (previous && nowMs - previous.windowStartMs <= intervalMs && nowMs >= previous.windowStartMs) {
    return { windowStartMs: previous.windowStartMs, count: previous.count + 1 };
  }
  return { windowStartMs: nowMs, count: 1 };
}
