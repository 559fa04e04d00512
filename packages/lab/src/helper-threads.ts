import { randomFill } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** The nice value given to helper threads unless `HMA_LAB_HELPER_NICE` says otherwise. */
export const DEFAULT_HELPER_NICE = 10;

/**
 * Lets the event loop run before the process's helper threads (libuv's thread
 * pool, where RS256 signing runs, and V8's platform workers) by giving every
 * thread but the main one a higher nice value. Linux only: elsewhere, or when
 * `/proc` cannot be read, nothing changes.
 *
 * Why: on a machine with few cores, a signing thread woken by the event loop
 * takes the core from it (the scheduler favours the thread that slept), and
 * the event loop is the one thread every request needs. A lower priority for
 * the helpers leaves them the cores the event loop does not use. Measured in
 * docs/decisions/0003-helper-thread-priority.md.
 *
 * `nice` defaults to `HMA_LAB_HELPER_NICE` when set (0 leaves the threads
 * alone; anything but 0–19 is refused with a RangeError), else
 * {@link DEFAULT_HELPER_NICE}. Raising a nice value needs no
 * privilege. Threads started later are not changed. Resolves with the number
 * of threads changed.
 */
export async function lowerHelperThreadPriority(nice?: number): Promise<number> {
  const value = nice ?? niceFromEnvironment();
  if (process.platform !== 'linux' || value === 0) return 0;
  // libuv starts every pool thread with the first job it is given.
  await new Promise((resolve) => randomFill(Buffer.alloc(1), resolve));
  let tids: string[];
  try {
    tids = await readdir('/proc/self/task');
  } catch {
    return 0;
  }
  let changed = 0;
  for (const tid of tids) {
    const id = Number(tid);
    if (!Number.isInteger(id) || id === process.pid) continue;
    try {
      setPriority(id, value);
      changed++;
    } catch {
      // The thread ended meanwhile, or the system refused: it keeps its priority.
    }
  }
  return changed;
}

function niceFromEnvironment(): number {
  const text = process.env.HMA_LAB_HELPER_NICE;
  if (text === undefined || text.trim() === '') return DEFAULT_HELPER_NICE;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 19) {
    throw new RangeError(
      `HMA_LAB_HELPER_NICE must be a whole number from 0 to 19 (0 leaves the threads alone), not "${text}"`,
    );
  }
  return value;
}
