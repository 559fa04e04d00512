import { MAX_DURATION_MS, parseDuration } from './duration.js';
import { LabError } from './errors.js';
import { shorten } from './shorten.js';

/**
 * The longest clock advance in one call (the admin API behind `hma-lab time
 * advance` and the trainer UI check it first, in their own error shapes):
 * longer jumps would fire years of background timers (renewals, syncs, weekly
 * purges) in one go, with nothing able to interrupt them.
 */
export const MAX_ADVANCE_MS = 366 * 86_400_000;

/** {@link VirtualClock.advance} while the clock is already advancing (or firing due timers). */
export class ClockBusyError extends LabError {
  constructor() {
    super(
      409,
      'busy',
      'the lab is busy (the clock is already advancing); try again when it is done',
    );
  }
}

/** {@link VirtualClock.advance} after {@link VirtualClock.dispose} (its lab closed). */
export class ClockDisposedError extends LabError {
  constructor() {
    super(400, 'lab_closed', 'the clock was disposed (its lab is closed): create a new lab');
  }
}

/**
 * The one source of time for every service of a lab. Nothing in hma-lab reads
 * `Date.now()` directly: expiries, `iat`/`exp`, schedules and trace timestamps
 * all come from here, so a virtual clock can move a whole lab through days in
 * milliseconds.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /**
   * The machine's wall clock, ms since the epoch: the time clients outside
   * the lab date what they sign by. Equal to `now()` for a real clock; a
   * virtual clock's `now()` leaves it when it travels or stands frozen.
   */
  machineNow(): number;
  /** Runs `fn` when the clock reaches `atMs` (immediately on the next advance if already past). */
  schedule(atMs: number, fn: TimerFn, label?: string): Timer;
  /** Runs `fn` `delay` from now (`'1h'`, or milliseconds). */
  after(delay: string | number, fn: TimerFn, label?: string): Timer;
}

export type TimerFn = () => unknown;

export interface Timer {
  readonly atMs: number;
  readonly label: string;
  cancel(): void;
}

/** What an advance of the virtual clock did. */
export interface AdvanceReport {
  fromMs: number;
  toMs: number;
  /** Timers that fired, in the order they fired. */
  fired: Array<{ label: string; atMs: number; error?: string }>;
}

export interface VirtualClock extends Clock {
  readonly kind: 'virtual';
  /**
   * Moves time forward (at most {@link MAX_ADVANCE_MS} at a time, else a
   * RangeError), firing every timer that falls due, in time order. It first
   * lets one turn of the event loop pass, so that in-process work already
   * under way (a held request answered) can set its timers at the current instant.
   * Timers due at the same instant run concurrently (up to `maxConcurrentTimers`
   * at once); each is awaited before time moves past it. A timer may schedule
   * more timers; those fire too if due.
   */
  advance(by: string | number): Promise<AdvanceReport>;
  /** Timers not yet fired, earliest first. */
  pending(): Array<{ label: string; atMs: number }>;
  /**
   * Stops the clock for good (its lab closed): no real timer drives it any
   * more, an advance under way stops before its next instant, and a later
   * advance is a {@link ClockDisposedError}.
   */
  dispose(): void;
}

export interface VirtualClockOptions {
  /** Start time, ms since the epoch. Default: the real time now, rounded down to the second. */
  startMs?: number;
  /**
   * `frozen` (default): time moves only through `advance()`, as tests want.
   * `running`: time also passes with the wall clock, as an interactive lab wants;
   * `advance()` still jumps ahead.
   */
  mode?: 'frozen' | 'running';
  /** Called when a timer throws; the clock never lets a timer's error escape. */
  onTimerError?: (label: string, error: unknown) => void;
  /** The machine's wall clock ({@link Clock.machineNow}). Default `Date.now`; a test may pin it. */
  machineNow?: () => number;
  /**
   * Most timers due at the same instant that run at once (default 16); the
   * rest start, in schedule order, as those finish. Time does not move
   * meanwhile. A timer must not wait for a later timer of its own instant.
   * Kept low on purpose: what a timer's work allocates lives as long as the
   * timer runs, and with many at once it outlives young-generation
   * collections and is copied into the old generation. 16 instead of 256
   * took the 1 h advance of 10,000 accounts from 14.4 to 10.1 s (time in
   * scavenges 4.6 to 1.1 s; docs/benchmarks.md).
   */
  maxConcurrentTimers?: number;
}

interface Entry {
  atMs: number;
  seq: number;
  fn: TimerFn;
  label: string;
  cancelled: boolean;
}

/** Orders timers (negative when `a` runs before `b`): earlier instant, then scheduled first. */
function earlier(a: Entry, b: Entry): number {
  return a.atMs - b.atMs || a.seq - b.seq;
}

/** A min-heap of timers by {@link earlier}. */
class TimerHeap {
  readonly #items: Entry[] = [];

  peek(): Entry | undefined {
    return this.#items[0];
  }

  push(entry: Entry): void {
    const items = this.#items;
    let i = items.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >>> 1;
      if (earlier(items[parent]!, entry) <= 0) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): Entry | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && earlier(items[right]!, items[left]!) < 0 ? right : left;
      if (earlier(last, items[child]!) <= 0) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }

  /** The timers not cancelled, in no particular order. */
  live(): Entry[] {
    return this.#items.filter((e) => !e.cancelled);
  }
}

/** Creates a clock that only moves when told to (or also with real time, in `running` mode). */
export function createVirtualClock(options: VirtualClockOptions = {}): VirtualClock {
  const running = options.mode === 'running';
  const maxConcurrent = Math.max(1, options.maxConcurrentTimers ?? 16);
  const realBase = Date.now();
  const base = options.startMs ?? Math.floor(realBase / 1000) * 1000;
  let offset = 0;
  let seq = 0;
  let advancing = false;
  let disposed = false;
  let realTimer: NodeJS.Timeout | undefined;
  // A binary heap ordered by (atMs, seq): a large lab holds tens of thousands
  // of timers, and a sorted array moved half of them on every insertion.
  const queue = new TimerHeap();

  const now = (): number => base + offset + (running ? Date.now() - realBase : 0);

  function purgeCancelled(): void {
    while (queue.peek()?.cancelled) queue.pop();
  }

  async function runEntry(entry: Entry, report?: AdvanceReport): Promise<void> {
    try {
      await entry.fn();
      report?.fired.push({ label: entry.label, atMs: entry.atMs });
    } catch (error) {
      report?.fired.push({ label: entry.label, atMs: entry.atMs, error: String(error) });
      try {
        options.onTimerError?.(entry.label, error);
      } catch {
        // A failing reporter (a user's logger) must not stop the clock midway
        // with sibling timers still running.
      }
    }
  }

  async function runBatch(batch: Entry[], report?: AdvanceReport): Promise<void> {
    // At most `maxConcurrent` in flight, started in schedule order: thousands
    // of timers due at one instant (every account of a large lab) would
    // otherwise all hold their requests in memory at once.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batch.length) await runEntry(batch[next++]!, report);
    };
    await Promise.all(Array.from({ length: Math.min(maxConcurrent, batch.length) }, worker));
  }

  /** Every live timer of the earliest instant, if it is due by `limitMs`, in schedule order. */
  function takeDue(limitMs: number): Entry[] {
    purgeCancelled();
    const first = queue.peek();
    if (!first || first.atMs > limitMs) return [];
    const batch: Entry[] = [];
    while (queue.peek()?.atMs === first.atMs) {
      const entry = queue.pop()!;
      if (!entry.cancelled) batch.push(entry);
    }
    return batch;
  }

  function armRealTimer(): void {
    if (!running || disposed) return;
    if (realTimer) clearTimeout(realTimer);
    realTimer = undefined;
    purgeCancelled();
    const first = queue.peek();
    if (!first) return;
    const delay = Math.max(0, Math.min(first.atMs - now(), 2_147_000_000));
    realTimer = setTimeout(() => void fireDueNow(), delay);
    realTimer.unref();
  }

  async function fireDueNow(): Promise<void> {
    if (advancing) return;
    advancing = true;
    try {
      for (let batch = takeDue(now()); batch.length > 0 && !disposed; batch = takeDue(now())) {
        await runBatch(batch);
      }
    } finally {
      advancing = false;
      armRealTimer();
    }
  }

  const clock: VirtualClock = {
    kind: 'virtual',
    now,
    machineNow: options.machineNow ?? (() => Date.now()),
    schedule(atMs, fn, label = 'timer') {
      const entry: Entry = { atMs, seq: seq++, fn, label, cancelled: false };
      queue.push(entry);
      armRealTimer();
      return {
        atMs,
        label,
        cancel() {
          entry.cancelled = true;
        },
      };
    },
    after(delay, fn, label) {
      return clock.schedule(now() + parseDuration(delay), fn, label);
    },
    async advance(by) {
      const ms = parseDuration(by);
      if (ms > MAX_ADVANCE_MS) {
        // Each weekly or hourly timer reschedules itself: a jump of centuries
        // would run millions of them before returning.
        throw new RangeError(
          `the clock advances at most 366 days at a time (asked ${shorten(String(by), 40)}): advance in several steps`,
        );
      }
      if (disposed) throw new ClockDisposedError();
      if (advancing) throw new ClockBusyError();
      advancing = true;
      try {
        // Work the lab started before this call (an in-process answer on its
        // way, a timer it is about to set at this instant) settles first.
        await new Promise<void>((resolve) => setImmediate(resolve));
        const fromMs = now();
        const toMs = fromMs + ms;
        const report: AdvanceReport = { fromMs, toMs, fired: [] };
        for (let batch = takeDue(toMs); batch.length > 0; batch = takeDue(toMs)) {
          if (disposed) return report;
          const atMs = batch[0]!.atMs;
          // Time stands exactly at the timer's instant while it runs.
          if (atMs > now()) offset += atMs - now();
          await runBatch(batch, report);
        }
        if (toMs > now()) offset += toMs - now();
        return report;
      } finally {
        advancing = false;
        armRealTimer();
      }
    },
    pending() {
      return queue
        .live()
        .sort(earlier)
        .map((e) => ({ label: e.label, atMs: e.atMs }));
    },
    dispose() {
      disposed = true;
      if (realTimer) clearTimeout(realTimer);
      realTimer = undefined;
    },
  };
  return clock;
}

/** The wall clock, for code that runs outside a lab. Timers are unref'd. */
export function createRealClock(): Clock {
  const clock: Clock = {
    now: () => Date.now(),
    machineNow: () => Date.now(),
    schedule(atMs, fn, label = 'timer') {
      const handle = setTimeout(
        () => {
          void (async () => {
            try {
              await fn();
            } catch {
              // A real-clock timer has nobody to report to; the service logs its own failures.
            }
          })();
        },
        Math.max(0, atMs - Date.now()),
      );
      handle.unref();
      return { atMs, label, cancel: () => clearTimeout(handle) };
    },
    after(delay, fn, label) {
      return clock.schedule(Date.now() + parseDuration(delay), fn, label);
    },
  };
  return clock;
}

/** Seconds since the epoch, as JWT `iat`/`nbf`/`exp` want. */
export function epochSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/**
 * A time in epoch milliseconds as ISO 8601 text, for messages. A time no
 * `Date` can hold (a token's `exp` of 1e20 seconds, NaN) is written as its
 * epoch seconds instead of throwing.
 */
export function isoTime(ms: number): string {
  return Math.abs(ms) <= MAX_DURATION_MS
    ? new Date(ms).toISOString()
    : `${ms / 1000} (epoch seconds)`;
}
