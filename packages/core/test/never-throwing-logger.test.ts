// A user's logger runs where an answer is being made; one that throws must not
// turn a logged problem into express's own stack-trace page.
import {
  createServiceApp,
  createTestContext,
  dispatchToApp,
  neverThrowing,
  protocolErrorHandler,
  type Logger,
} from '@hma-lab/core';

describe('neverThrowing', () => {
  const throwing: Logger = () => {
    throw new Error('logger down');
  };

  it('calls the logger and swallows what it throws', () => {
    const seen: string[] = [];
    const safe = neverThrowing((entry) => {
      seen.push(entry.message);
      throw new Error('logger down');
    });
    expect(() => safe({ level: 'error', party: 'entra', message: 'm' })).not.toThrow();
    expect(seen).toEqual(['m']);
  });

  it('swallows the rejection of an async logger (unhandled, it ended the process)', async () => {
    const rejected: Array<Promise<unknown>> = [];
    const asyncLogger = ((): Promise<void> => {
      const promise = Promise.reject(new Error('async logger down'));
      rejected.push(promise);
      return promise;
    }) as unknown as Logger;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      neverThrowing(asyncLogger)({ level: 'error', party: 'lab', message: 'm' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(rejected).toHaveLength(1);
    expect(unhandled).toEqual([]);
  });

  it("keeps a service's 500 in the protocol's shape when the logger throws", async () => {
    const answerWith = async (log: Logger) => {
      const ctx = createTestContext();
      const deps = { ...ctx.depsFor('entra'), log };
      const app = createServiceApp('entra', deps);
      app.get('/bug', () => {
        throw new Error('a bug');
      });
      app.use(
        protocolErrorHandler('entra', deps, (_error, _req, res) => {
          res.status(500).json({ error: 'server_error' });
        }),
      );
      const reply = await dispatchToApp(app, { method: 'GET', path: '/bug', headers: {} });
      return { status: reply.status, body: reply.body.toString('utf8') };
    };
    // Unwrapped, the logger's error escapes the handler to express's own page.
    const raw = await answerWith(throwing);
    expect(raw.body).not.toBe('{"error":"server_error"}');
    expect(await answerWith(neverThrowing(throwing))).toEqual({
      status: 500,
      body: '{"error":"server_error"}',
    });
  });
});
