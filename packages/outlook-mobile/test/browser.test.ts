import { createServiceApp, createTestContext } from '@hma-lab/core';
import { createBrowser, readPage } from '@hma-lab/outlook-mobile';

describe('the device browser', () => {
  function setup() {
    const ctx = createTestContext();
    const entra = createServiceApp('entra', ctx.depsFor('entra'));
    entra.get('/start', (_req, res) => {
      res.append('set-cookie', 'ESTSAUTH=session-1; Path=/; Secure; HttpOnly; SameSite=None');
      res.redirect(302, '/page');
    });
    entra.get('/page', (req, res) =>
      res.type('html').send(`<!DOCTYPE html><html><head><title>Sign in</title></head><body>
        <p role="alert">${req.get('cookie') ?? 'no cookie'}</p>
        <form method="post" action="/done"><input type="hidden" name="ctx" value="abc"/>
        <input type="email" name="login" value=""/><input type="submit" value="Next"/></form></body></html>`),
    );
    entra.post('/done', (req, res) => {
      const body = req.body as Record<string, string>;
      res.redirect(302, `myapp://auth?code=${body.login}-${body.ctx}&state=s1`);
    });
    ctx.mount('entra', entra);
    return ctx;
  }

  it('keeps cookies, reads forms and stops at the app redirect URI', async () => {
    const ctx = setup();
    const browser = createBrowser({ fetch: ctx.fetchFor('device'), redirectUri: 'myapp://auth' });
    const first = await browser.open('https://login.microsoftonline.com/start');
    if (first.kind !== 'page') throw new Error('expected a page');
    expect(first.page.title).toBe('Sign in');
    expect(first.page.errors).toEqual(['ESTSAUTH=session-1']);
    const [form] = first.page.forms;
    expect(form).toEqual({
      action: '/done',
      method: 'POST',
      fields: { ctx: 'abc', login: '' },
      visible: ['login'],
    });
    const done = await browser.submit(first.page, form!, { login: 'alice' });
    expect(done.kind).toBe('redirect-uri');
    if (done.kind === 'redirect-uri') expect(done.params.get('code')).toBe('alice-abc');
    // Every hop went through the lab, as the device.
    expect(
      ctx.trace.exchanges().map((e) => `${e.from}>${e.to} ${e.method} ${new URL(e.url).pathname}`),
    ).toEqual(['device>entra GET /start', 'device>entra GET /page', 'device>entra POST /done']);
  });

  it('reads auto-posting forms as forms without visible fields', () => {
    const page = readPage(
      'https://sts.contoso.com/adfs/ls/',
      200,
      '<form method="POST" action="https://login.microsoftonline.com/login.srf"><input type="hidden" name="wa" value="wsignin1.0"/><input type="hidden" name="wresult" value="&lt;t:RSTR/&gt;"/><noscript><input type="submit" value="Submit"/></noscript></form>',
    );
    expect(page.forms[0]).toMatchObject({
      visible: [],
      fields: { wa: 'wsignin1.0', wresult: '<t:RSTR/>' },
    });
  });
});
