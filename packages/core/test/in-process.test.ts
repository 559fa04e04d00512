import { jest } from '@jest/globals';
import { createServiceApp, createTestContext, discardBody } from '@hma-lab/core';

describe('in-process transport', () => {
  it('carries requests between mounted apps without sockets, cookies and redirects included', async () => {
    const ctx = createTestContext();
    const wap = createServiceApp('wap', ctx.depsFor('wap'));
    wap.post('/adfs/ls/', (req, res) => {
      const body = req.body as Record<string, string>;
      res.append('set-cookie', 'MSISAuth=abc; Path=/adfs; Secure; HttpOnly');
      res.append('set-cookie', 'MSISAuthenticated=1; Path=/adfs');
      res.redirect(
        302,
        `https://sts.contoso.com/adfs/ls/done?user=${encodeURIComponent(body.UserName ?? '')}`,
      );
    });
    wap.get('/adfs/ls/done', (req, res) =>
      res.json({ user: req.query.user, host: req.get('x-hma-lab-host') }),
    );
    wap.get('/empty', (_req, res) => res.status(204).end());
    ctx.mount('wap', wap);
    const fetch = ctx.fetchFor('device');

    const manual = await fetch('https://sts.contoso.com/adfs/ls/', {
      method: 'POST',
      body: new URLSearchParams({ UserName: 'alice@contoso.com', Password: 'Passw0rd!' }),
      redirect: 'manual',
    });
    expect(manual.status).toBe(302);
    expect(manual.headers.getSetCookie()).toHaveLength(2);

    const followed = await fetch('https://sts.contoso.com/adfs/ls/', {
      method: 'POST',
      body: new URLSearchParams({ UserName: 'alice@contoso.com', Password: 'Passw0rd!' }),
    });
    expect(await followed.json()).toEqual({ user: 'alice@contoso.com', host: 'sts.contoso.com' });
    expect((await fetch('https://sts.contoso.com/empty')).status).toBe(204);

    const posts = ctx.trace.exchanges().filter((e) => e.method === 'POST');
    expect(posts[0]!.from).toBe('device');
    expect(posts[0]!.requestBody?.text).toBe('UserName=alice%40contoso.com&Password=[redacted]');
  });

  it('discardBody marks an in-process answer read without building a stream; a socket answer is cancelled', async () => {
    const ctx = createTestContext();
    const wap = createServiceApp('wap', ctx.depsFor('wap'));
    wap.get('/moved', (_req, res) => res.redirect(302, '/elsewhere'));
    ctx.mount('wap', wap);
    const moved = await ctx.fetchFor('device')('https://sts.contoso.com/moved', {
      redirect: 'manual',
    });
    const streamed = jest.spyOn(
      Object.getPrototypeOf(moved) as { body: ReadableStream | null },
      'body',
      'get',
    );
    await discardBody(moved);
    expect(moved.bodyUsed).toBe(true);
    expect(streamed).not.toHaveBeenCalled();
    await expect(moved.text()).rejects.toThrow('Body is unusable');
    await discardBody(moved); // twice: nothing more to do
    streamed.mockRestore();
    // A Response of another kind (what a socket gives): its stream is cancelled.
    const other = new Response('over a socket');
    await discardBody(other);
    expect(other.bodyUsed).toBe(true);
  });

  it('refuses a party that is not mounted like a closed port', async () => {
    const ctx = createTestContext();
    await expect(ctx.fetchFor('device')('https://mail.contoso.com/')).rejects.toMatchObject({
      cause: { code: 'ECONNREFUSED' },
    });
  });
});
