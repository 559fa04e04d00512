import type { AddressInfo } from 'node:net';
import { createServiceApp, createTestContext } from '@hma-lab/core';

describe('in-process and loopback apps in one process', () => {
  it('an in-process call does not break another app served on a real socket', async () => {
    const ctx = createTestContext();
    const inProcess = createServiceApp('entra', ctx.depsFor('entra'));
    inProcess.post('/echo', (req, res) => res.json(req.body));
    ctx.mount('entra', inProcess);
    const viaInject = await ctx.fetchFor('device')('https://login.microsoftonline.com/echo', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(await viaInject.json()).toEqual({ a: 1 });

    const onSocket = createServiceApp('exo', ctx.depsFor('exo'));
    onSocket.post('/echo', (req, res) => res.json({ body: req.body, host: req.get('host') }));
    const server = onSocket.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/echo`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"b":2}',
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ body: { b: 2 }, host: `127.0.0.1:${port}` });
    } finally {
      server.close();
    }
  });
});
