// `hma-lab up` runs until SIGINT/SIGTERM; a signal ends it in every state.
import { EventEmitter } from 'node:events';
import { serveUntilSignal } from '../src/up-command.js';

function capture() {
  const err: string[] = [];
  return { err, output: { out: () => {}, err: (t: string) => err.push(t) } };
}

describe('serveUntilSignal: a signal always ends the command', () => {
  const lab = () => {
    const state = { closed: false };
    return { state, close: async () => void (state.closed = true) };
  };

  it('while running: removes the state, closes the lab, exit 0', async () => {
    const signals = new EventEmitter();
    const running = lab();
    let removed = 0;
    const stopped = async () => void removed++;
    const done = serveUntilSignal({
      output: capture().output,
      start: async () => running,
      stopped,
      signals,
    });
    await new Promise((resolve) => setImmediate(resolve));
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(running.state.closed).toBe(true);
    expect(removed).toBe(1);
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });

  it('while starting, a startup that never finishes: gives up after the grace period', async () => {
    const signals = new EventEmitter();
    const { err, output } = capture();
    const done = serveUntilSignal({
      output,
      start: () => new Promise<never>(() => {}),
      signals,
      startupGraceMs: 50,
    });
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(143);
    expect(err).toEqual([
      'hma-lab: SIGTERM before the lab was ready: stopping',
      'hma-lab: the lab did not finish starting; exiting without it',
    ]);
  });

  it('while starting, a startup that finishes within the grace period: the lab is closed', async () => {
    const signals = new EventEmitter();
    const late = lab();
    let finish!: () => void;
    const done = serveUntilSignal({
      output: capture().output,
      start: () => new Promise<typeof late>((resolve) => (finish = () => resolve(late))),
      signals,
      startupGraceMs: 10_000,
    });
    signals.emit('SIGINT', 'SIGINT');
    finish();
    expect(await done).toBe(130);
    expect(late.state.closed).toBe(true);
  });

  it('a lab that will not close: bounded, and a second signal stops waiting', async () => {
    const signals = new EventEmitter();
    const stuck = { close: () => new Promise<void>(() => {}) };
    const { err, output } = capture();
    const bounded = serveUntilSignal({
      output,
      start: async () => stuck,
      signals,
      closeTimeoutMs: 50,
    });
    await new Promise((resolve) => setImmediate(resolve));
    signals.emit('SIGTERM', 'SIGTERM');
    expect(await bounded).toBe(0);
    expect(err).toEqual(['hma-lab: the lab did not close within 0.05 s; exiting']);

    const again = serveUntilSignal({
      output: capture().output,
      start: async () => stuck,
      signals,
      closeTimeoutMs: 60_000,
    });
    await new Promise((resolve) => setImmediate(resolve));
    signals.emit('SIGTERM', 'SIGTERM');
    signals.emit('SIGINT', 'SIGINT');
    expect(await again).toBe(0);
  });

  it('a startup that fails: its error, and no handler left behind', async () => {
    const signals = new EventEmitter();
    await expect(
      serveUntilSignal({
        output: capture().output,
        start: async () => {
          throw new Error('boom');
        },
        signals,
      }),
    ).rejects.toThrow('boom');
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });
});
