import {
  createRealClock,
  createVirtualClock,
  formatDuration,
  parseDuration,
  type VirtualClock,
} from '@hma-lab/core';

/** A timer that schedules itself again `every` each time it fires; counts its firings. */
function recurring(clock: VirtualClock, every: string, label: string): { fired: () => number } {
  let fired = 0;
  const fire = (): void => {
    fired++;
    clock.after(every, fire, label);
  };
  clock.after(every, fire, label);
  return { fired: () => fired };
}

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['14d', 1_209_600_000],
    ['1w', 604_800_000],
    ['1h30m', 5_400_000],
    ['1500', 1500],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'soon', '14 days', '1h and', '-1h'])('refuses %j with a clear message', (text) => {
    expect(() => parseDuration(text)).toThrow(/invalid duration/);
  });

  it.each([`1${'0'.repeat(400)}`, `${'9'.repeat(400)}d`, '99999999999999w', 1e308, 8.64e15 + 1])(
    'refuses a duration longer than any date can span (%s), which would be Infinity or unreachable',
    (input) => {
      expect(() => parseDuration(input)).toThrow(/invalid duration .*longer than/);
    },
  );

  it('refuses what is neither text nor number, and echoes at most a few dozen characters', () => {
    for (const input of [null, {}, [], undefined, true]) {
      expect(() => parseDuration(input as never)).toThrow(
        /^invalid duration: expected a text such as 2h or a number of ms, got /,
      );
    }
    let message = '';
    try {
      parseDuration('x'.repeat(1_000_000));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^invalid duration "x+…": expected e\.g\./);
    expect(message.length).toBeLessThan(200);
  });

  it('reads a number as whole milliseconds (a clock moved 0.5 ms stayed fractional)', () => {
    expect([0.4, 0.5, 1500.7].map((ms) => parseDuration(ms))).toEqual([0, 1, 1501]);
  });

  it('reads the longest duration a date can span', () => {
    expect(parseDuration(8.64e15)).toBe(8.64e15);
    expect(parseDuration('14000000w')).toBe(14_000_000 * 604_800_000);
  });

  it('round-trips through formatDuration', () => {
    expect(formatDuration(parseDuration('1d2h3m'))).toBe('1d2h3m');
  });
});

describe('virtual clock', () => {
  const start = Date.UTC(2026, 0, 5, 9);

  it('stands still until advanced', async () => {
    const clock = createVirtualClock({ startMs: start });
    expect(clock.now()).toBe(start);
    await clock.advance('2h');
    expect(clock.now()).toBe(start + 7_200_000);
  });

  it('fires due timers in time order, at their own instant', async () => {
    const clock = createVirtualClock({ startMs: start });
    const seen: Array<[string, number]> = [];
    clock.after('3h', () => seen.push(['c', clock.now()]), 'c');
    clock.after('1h', () => seen.push(['a', clock.now()]), 'a');
    clock.after('2h', () => seen.push(['b', clock.now()]), 'b');
    clock.after('5h', () => seen.push(['late', clock.now()]), 'late');
    const report = await clock.advance('4h');
    expect(seen).toEqual([
      ['a', start + 3_600_000],
      ['b', start + 7_200_000],
      ['c', start + 10_800_000],
    ]);
    expect(report.fired.map((f) => f.label)).toEqual(['a', 'b', 'c']);
    expect(clock.pending().map((p) => p.label)).toEqual(['late']);
  });

  it('fires timers scheduled by timers when they fall inside the advance', async () => {
    const clock = createVirtualClock({ startMs: start });
    const refresh = recurring(clock, '55m', 'refresh');
    await clock.advance('24h');
    expect(refresh.fired()).toBe(26); // every 55 minutes in 24 hours
  });

  it('keeps going when a timer throws, and reports it', async () => {
    const errors: string[] = [];
    const clock = createVirtualClock({
      startMs: start,
      onTimerError: (label) => errors.push(label),
    });
    let ran = false;
    clock.after(
      '1m',
      () => {
        throw new Error('boom');
      },
      'bad',
    );
    clock.after('2m', () => void (ran = true), 'good');
    const report = await clock.advance('5m');
    expect(ran).toBe(true);
    expect(errors).toEqual(['bad']);
    expect(report.fired[0]).toMatchObject({ label: 'bad', error: 'Error: boom' });
  });

  it('does not fire cancelled timers', async () => {
    const clock = createVirtualClock({ startMs: start });
    let fired = false;
    clock.after('1m', () => void (fired = true)).cancel();
    await clock.advance('1h');
    expect(fired).toBe(false);
  });

  it('keeps thousands of timers in order: instant first, then the order they were scheduled', async () => {
    const clock = createVirtualClock({ startMs: 0 });
    // A fixed pseudo-random sequence: many timers share an instant, some are cancelled.
    let state = 7;
    const random = (n: number): number => {
      state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
      return state % n;
    };
    const fired: number[] = [];
    const expected: Array<{ atMs: number; n: number }> = [];
    for (let n = 0; n < 3_000; n++) {
      const atMs = random(500) * 10;
      const handle = clock.schedule(atMs, () => void fired.push(n), `t${n}`);
      if (random(5) === 0) handle.cancel();
      else expected.push({ atMs, n });
    }
    expected.sort((a, b) => a.atMs - b.atMs || a.n - b.n);
    expect(clock.pending().map((p) => p.label)).toEqual(expected.map((e) => `t${e.n}`));
    await clock.advance('2s');
    expect(fired).toEqual(expected.filter((e) => e.atMs <= 2_000).map((e) => e.n));
    await clock.advance('1h');
    expect(fired).toEqual(expected.map((e) => e.n));
    expect(clock.pending()).toEqual([]);
  });

  it('awaits async timers before moving past them', async () => {
    const clock = createVirtualClock({ startMs: start });
    const order: string[] = [];
    clock.after('1m', async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push(`slow@${clock.now() - start}`);
    });
    clock.after('2m', () => order.push(`next@${clock.now() - start}`));
    await clock.advance('3m');
    expect(order).toEqual(['slow@60000', 'next@120000']);
  });

  it('lets work already under way set its timers at the instant the advance starts from', async () => {
    const clock = createVirtualClock({ startMs: start });
    const fired: number[] = [];
    // As an in-process answer on its way when a test advances (a held Ping answered
    // by a delivery, which then schedules a sync "now").
    setImmediate(() => clock.after(0, () => fired.push(clock.now() - start)));
    const report = await clock.advance('10m');
    expect(fired).toEqual([0]);
    expect(report.fromMs).toBe(start);
  });

  it.each([
    [undefined, 16],
    [3, 3],
  ])(
    'runs at most maxConcurrentTimers (%j) timers of one instant at once, and all of them',
    async (maxConcurrentTimers, expected) => {
      const clock = createVirtualClock({
        startMs: start,
        ...(maxConcurrentTimers ? { maxConcurrentTimers } : {}),
      });
      let running = 0;
      let most = 0;
      let done = 0;
      for (let i = 0; i < 40; i++) {
        clock.after('1m', async () => {
          running++;
          most = Math.max(most, running);
          await new Promise((resolve) => setImmediate(resolve));
          running--;
          done++;
        });
      }
      await clock.advance('1m');
      expect(most).toBe(expected);
      expect(done).toBe(40);
    },
  );
});

describe('virtual clock limits', () => {
  const start = Date.UTC(2026, 0, 5, 9);

  it('advances at most 366 days at a time (a weekly timer over centuries ran millions of times)', async () => {
    const clock = createVirtualClock({ startMs: start });
    const weekly = recurring(clock, '1w', 'weekly');
    await expect(clock.advance(8e15)).rejects.toThrow(
      'the clock advances at most 366 days at a time (asked 8000000000000000): advance in several steps',
    );
    await expect(clock.advance('367d')).rejects.toThrow(RangeError);
    expect([clock.now(), weekly.fired()]).toEqual([start, 0]);
    await clock.advance('366d');
    expect(weekly.fired()).toBe(52);
  });

  it('a reporter that throws does not stop the advance, nor free the clock while timers run', async () => {
    const clock = createVirtualClock({
      startMs: start,
      onTimerError: () => {
        throw new Error('logger down');
      },
    });
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const done: string[] = [];
    clock.after('10m', () => Promise.reject(new Error('boom')), 'fails');
    clock.after(
      '10m',
      async () => {
        await slow;
        done.push('sibling');
      },
      'sibling',
    );
    clock.after('1h', () => void done.push('later'), 'later');
    const advancing = clock.advance('2h');
    await new Promise((resolve) => setImmediate(resolve));
    // The failed timer's sibling still runs: the clock is still busy.
    await expect(clock.advance('1m')).rejects.toThrow(/busy/);
    release();
    const report = await advancing;
    expect(done).toEqual(['sibling', 'later']);
    expect(report.fired.map((f) => [f.label, f.error])).toEqual([
      ['fails', 'Error: boom'],
      ['sibling', undefined],
      ['later', undefined],
    ]);
    expect(clock.now()).toBe(start + 7_200_000);
  });
});

describe('machineNow', () => {
  it("keeps the machine's time while a virtual clock travels", async () => {
    const clock = createVirtualClock({ startMs: Date.UTC(2030, 0, 1) });
    await clock.advance('3h');
    expect(clock.now()).toBe(Date.UTC(2030, 0, 1, 3));
    expect(Math.abs(clock.machineNow() - Date.now())).toBeLessThan(1000);
    clock.dispose();
  });

  it('can be pinned, and is the real time of a real clock', () => {
    const pinned = createVirtualClock({ machineNow: () => 42 });
    expect(pinned.machineNow()).toBe(42);
    pinned.dispose();
    const real = createRealClock();
    expect(Math.abs(real.machineNow() - real.now())).toBeLessThan(1000);
  });
});
