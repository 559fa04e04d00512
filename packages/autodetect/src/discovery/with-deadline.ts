import type { Clock } from '@hma-lab/core';

/** Marker for work that did not finish before its deadline. */
export const TIMED_OUT = Symbol('timed out');

/**
 * Runs `work` with a deadline on the lab clock (virtual time in tests: the
 * deadline passes when the clock is advanced, never by real waiting). At the
 * deadline the signal aborts and the result is {@link TIMED_OUT}; the work's
 * own later outcome is ignored.
 */
export async function withDeadline<T>(
  clock: Clock,
  timeoutMs: number,
  label: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T | typeof TIMED_OUT> {
  const controller = new AbortController();
  let timer: { cancel(): void } | undefined;
  const deadline = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = clock.after(
      timeoutMs,
      () => {
        controller.abort(new Error(`${label}: no answer within ${timeoutMs} ms`));
        resolve(TIMED_OUT);
      },
      label,
    );
  });
  const running = work(controller.signal);
  // The losing side of the race must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, deadline]);
  } finally {
    timer?.cancel();
  }
}
