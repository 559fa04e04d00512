import { createTestContext, labelFlow, stepSequence, type TestContext } from '@hma-lab/core';
import { createAdfs, createWap, verifySamlAssertion } from '@hma-lab/adfs';
import { formOf, TestBrowser } from './browser.js';

const CTX = 'LoginOptions=3&estsredirect=2&estsrequest=rQIIAb';
/** The step-8 Location Entra sends the browser to (docs/flow-map.md). */
const signInUrl = (user: string, extra = ''): string =>
  `https://sts.contoso.com/adfs/ls/?client-request-id=5c4e9a3e-0000-4000-8000-000000000001&wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=${encodeURIComponent(CTX)}&username=${encodeURIComponent(user)}${extra}`;

function lab(): { ctx: TestContext; browser: TestBrowser } {
  const ctx = createTestContext();
  ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
  ctx.mount('adfs', createAdfs(ctx.depsFor('adfs')).app);
  return { ctx, browser: new TestBrowser(ctx.fetchFor('device')) };
}

async function signIn(browser: TestBrowser, user: string, password = 'Passw0rd!') {
  const page = await browser.get(signInUrl(user));
  const form = formOf(page.text);
  return browser.post(`https://sts.contoso.com${form.action}`, {
    ...form.fields,
    UserName: user,
    Password: password,
  });
}

describe('AD FS sign-in through the Web Application Proxy', () => {
  it('shows the page, refuses a wrong password, then posts a signed token to Entra', async () => {
    const { ctx, browser } = lab();

    const page = await browser.get(signInUrl('alice@contoso.com'));
    expect(page.status).toBe(200);
    expect(page.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('Contoso');
    expect(page.text).not.toMatch(/<script|<link|src="http/i);
    const form = formOf(page.text);
    expect(form.action).toBe(
      new URL(signInUrl('alice@contoso.com')).href.slice('https://sts.contoso.com'.length),
    );
    expect(form.fields).toEqual({
      UserName: 'alice@contoso.com',
      Password: '',
      AuthMethod: 'FormsAuthentication',
    });

    const wrong = await browser.post(`https://sts.contoso.com${form.action}`, {
      ...form.fields,
      Password: 'nope',
    });
    expect(wrong.status).toBe(200);
    expect(wrong.text).toContain(
      'Incorrect user ID or password. Type the correct user ID and password, and try again.',
    );
    expect(wrong.text).not.toContain('wresult');
    expect(wrong.setCookies).toEqual([]);

    const right = await browser.post(`https://sts.contoso.com${form.action}`, {
      ...form.fields,
      Password: 'Passw0rd!',
    });
    expect(right.status).toBe(200);
    const cookies = browser.cookies('sts.contoso.com');
    for (const name of ['MSISAuth', 'MSISAuthenticated', 'MSISLoopDetectionCookie']) {
      expect(cookies[name]).toMatchObject({ path: '/adfs' });
      expect(cookies[name]!.attributes).toMatch(/secure/i);
      expect(cookies[name]!.attributes).toMatch(/HttpOnly/);
    }
    const post = formOf(right.text);
    expect(post.action).toBe('https://login.microsoftonline.com/login.srf');
    expect(Object.keys(post.fields).sort()).toEqual(['wa', 'wctx', 'wresult']);
    expect(post.fields.wa).toBe('wsignin1.0');
    expect(post.fields.wctx).toBe(CTX);

    const now = ctx.clock.now();
    const claims = verifySamlAssertion(post.fields.wresult!, ctx.keys.adfs.certificatePem, {
      nowMs: now,
      issuer: 'http://sts.contoso.com/adfs/services/trust',
    });
    expect(claims.upn).toBe('alice@contoso.com');
    expect(claims.immutableId).toBe('YWxpY2UtaW1tdXRhYmxlLWlk');
    expect(claims.nameIdentifier).toBe('YWxpY2UtaW1tdXRhYmxlLWlk');
    expect(claims.audiences).toEqual(['urn:federation:MicrosoftOnline']);
    expect(Date.parse(claims.notOnOrAfter!)).toBe(now + 60 * 60_000);
    expect(Date.parse(claims.notBefore!)).toBeLessThan(now);
    // It came in through the proxy: not inside the corporate network.
    expect(
      claims.attributes['http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork'],
    ).toEqual(['false']);
  });

  it('is traced as device -> wap and wap -> adfs, labelled steps 8 to 11 of flow A', async () => {
    const { ctx, browser } = lab();
    await signIn(browser, 'alice@contoso.com');
    const exchanges = ctx.trace.exchanges();
    expect(exchanges.map((e) => `${e.from}->${e.to} ${e.method} ${e.status}`)).toEqual([
      'wap->adfs GET 200',
      'device->wap GET 200',
      'wap->adfs POST 200',
      'device->wap POST 200',
    ]);
    expect(exchanges.some((e) => e.from === 'device' && e.to === 'adfs')).toBe(false);
    const toAdfs = exchanges.filter((e) => e.to === 'adfs');
    for (const e of toAdfs) {
      expect(e.url).toMatch(/^https:\/\/adfs\.contoso\.local\/adfs\/ls\/\?client-request-id=/);
      expect(e.requestHeaders['x-ms-proxy']).toBe('WAP01');
      expect(e.requestHeaders['x-ms-forwarded-client-ip']).toBe('127.0.0.1');
    }
    // The password crossed, but is not stored in the trace.
    expect(JSON.stringify(exchanges)).not.toContain('Passw0rd!');
    expect(stepSequence(labelFlow(ctx.trace.entries(), 'A'))).toEqual([8, 9, 10, 11]);
  });

  it('signs in again without the page while the MSISAuth session lasts (SSO)', async () => {
    const { ctx, browser } = lab();
    await signIn(browser, 'alice@contoso.com');
    await ctx.clock.advance('2h');

    const again = await browser.get(signInUrl('alice@contoso.com'));
    expect(again.status).toBe(200);
    expect(again.text).not.toContain('name="Password"');
    const post = formOf(again.text);
    expect(post.action).toBe('https://login.microsoftonline.com/login.srf');
    const claims = verifySamlAssertion(post.fields.wresult!, ctx.keys.adfs.certificatePem, {
      nowMs: ctx.clock.now(),
    });
    expect(claims.upn).toBe('alice@contoso.com');
    // The authentication happened at the first sign-in, two hours ago.
    expect(Date.parse(claims.authenticationInstant!)).toBe(ctx.clock.now() - 2 * 60 * 60_000);
    const issued = ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'adfs.token.issued');
    expect(issued.map((e) => (e.kind === 'event' ? e.data?.via : undefined))).toEqual([
      'forms',
      'sso',
    ]);

    // wfresh=0 (Entra's prompt=login) asks for a fresh sign-in.
    const fresh = await browser.get(signInUrl('alice@contoso.com', '&wfresh=0'));
    expect(fresh.text).toContain('name="Password"');
  });

  it('asks for the password again once the SSO lifetime (8 h) is over', async () => {
    const { ctx, browser } = lab();
    await signIn(browser, 'alice@contoso.com');
    await ctx.clock.advance('8h');
    const page = await browser.get(signInUrl('alice@contoso.com'));
    expect(page.text).toContain('name="Password"');
    expect(page.text).not.toContain('wresult');
  });

  it('refuses a user of a managed domain: this AD does not know dave@fabrikam.com', async () => {
    const { ctx, browser } = lab();
    const answer = await signIn(browser, 'dave@fabrikam.com');
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('Incorrect user ID or password.');
    expect(answer.text).not.toContain('wresult');
    expect(browser.cookies('sts.contoso.com').MSISAuth).toBeUndefined();
    const failed = ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'adfs.signin.failed');
    expect(failed).toMatchObject({ data: { reason: 'not_in_this_farm' } });
  });

  it('refuses a disabled user, and ends the SSO of a user disabled after signing in', async () => {
    const { ctx, browser } = lab();
    ctx.directory.setDisabled('carol@contoso.com', true);
    const carol = await signIn(browser, 'carol@contoso.com');
    expect(carol.text).toContain('Incorrect user ID or password.');
    expect(carol.text).not.toContain('wresult');

    await signIn(browser, 'alice@contoso.com');
    ctx.directory.setDisabled('alice@contoso.com', true);
    const sso = await browser.get(signInUrl('alice@contoso.com'));
    expect(sso.text).toContain('name="Password"');
    expect(sso.text).not.toContain('wresult');
  });

  it('refuses an unknown user and an empty form the same way', async () => {
    const { browser } = lab();
    expect((await signIn(browser, 'nobody@contoso.com')).text).toContain('Incorrect user ID');
    const page = formOf((await browser.get(signInUrl(''))).text);
    const empty = await browser.post(`https://sts.contoso.com${page.action}`, {});
    expect(empty.status).toBe(200);
    expect(empty.text).toContain('Incorrect user ID');
  });

  it('signs out: clears the MSIS cookies and ends the session', async () => {
    const { ctx, browser } = lab();
    await signIn(browser, 'alice@contoso.com');
    const oldSession = browser.cookies('sts.contoso.com').MSISAuth!.value;

    const out = await browser.get('https://sts.contoso.com/adfs/ls/?wa=wsignout1.0');
    expect(out.status).toBe(200);
    expect(out.text).toContain('signed out');
    expect(
      out.setCookies.filter((c) => /expires=Thu, 01 Jan 1970/.test(c)).map((c) => c.split('=')[0]),
    ).toEqual(expect.arrayContaining(['MSISAuth', 'MSISAuthenticated', 'MSISLoopDetectionCookie']));
    expect(browser.cookies('sts.contoso.com').MSISAuth).toBeUndefined();

    // Replaying the old cookie does not bring the session back.
    const replay = await browser.get(signInUrl('alice@contoso.com'), {});
    expect(replay.text).toContain('name="Password"');
    const forged = new TestBrowser(ctx.fetchFor('device'));
    forged.jar.set(
      'sts.contoso.com',
      new Map([['MSISAuth', { value: oldSession, path: '/adfs', attributes: '' }]]),
    );
    expect((await forged.get(signInUrl('alice@contoso.com'))).text).toContain('name="Password"');

    // With a wreply at Entra, the browser goes back there.
    const back = await browser.get(
      'https://sts.contoso.com/adfs/ls/?wa=wsignout1.0&wreply=https%3A%2F%2Flogin.microsoftonline.com%2Flogin.srf%3Fwa%3Dwsignoutcleanup1.0',
    );
    expect(back.status).toBe(302);
    expect(back.response.headers.get('location')).toBe(
      'https://login.microsoftonline.com/login.srf?wa=wsignoutcleanup1.0',
    );
    const elsewhere = await browser.get(
      'https://sts.contoso.com/adfs/ls/?wa=wsignout1.0&wreply=https%3A%2F%2Fevil.example%2F',
    );
    expect(elsewhere.status).toBe(200);
  });

  it('stops a redirect loop: the sixth token within 20 s fails with MSIS7042', async () => {
    const { ctx, browser } = lab();
    await signIn(browser, 'alice@contoso.com');
    for (let i = 2; i <= 5; i++) {
      expect((await browser.get(signInUrl('alice@contoso.com'))).text).toContain('wresult');
    }
    const sixth = await browser.get(signInUrl('alice@contoso.com'));
    expect(sixth.status).toBe(400);
    expect(sixth.text).toContain('An error occurred');
    expect(sixth.text).toContain(
      'MSIS7042: The same client browser session has made &#39;6&#39; requests',
    );
    expect(sixth.text).not.toContain('wresult');

    await ctx.clock.advance('21s');
    expect((await browser.get(signInUrl('alice@contoso.com'))).text).toContain('wresult');
  });
});

describe('AD FS request validation', () => {
  it('answers an unknown relying party with the error page (MSIS7007)', async () => {
    const { browser } = lab();
    const page = await browser.get(
      'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&wtrealm=https%3A%2F%2Fapp.example%2F',
    );
    expect(page.status).toBe(400);
    expect(page.response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('An error occurred');
    expect(page.text).toContain('Activity ID');
    expect(page.text).toContain('https://app.example/');
    expect(page.text).toContain(
      'MSIS7007: The requested relying party trust &#39;https://app.example/&#39; is unspecified or unsupported.',
    );
    expect(page.text).not.toMatch(/\bat .*\.ts:\d+/);
  });

  it('answers a request that is not WS-Federation with MSIS7000', async () => {
    const { browser } = lab();
    for (const url of [
      'https://sts.contoso.com/adfs/ls/',
      'https://sts.contoso.com/adfs/ls/?wa=wattr1.0&wtrealm=urn%3afederation%3aMicrosoftOnline',
      'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0',
      'https://sts.contoso.com/adfs/ls/?SAMLRequest=fZJNT8MwDIbv',
    ]) {
      const page = await browser.get(url);
      expect(page.status).toBe(400);
      expect(page.text).toContain('MSIS7000');
    }
  });

  it('answers a body it cannot read with the error page, and stays up', async () => {
    const { browser } = lab();
    const bad = await browser.send(signInUrl('alice@contoso.com'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"UserName":',
    });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('An error occurred');
    expect((await browser.get(signInUrl('alice@contoso.com'))).status).toBe(200);
  });

  it('still answers a direct request to its internal host, which is then inside the network', async () => {
    const { ctx, browser } = lab();
    const direct = signInUrl('alice@contoso.com').replace('sts.contoso.com', 'adfs.contoso.local');
    const page = await browser.get(direct);
    expect(page.status).toBe(200);
    const form = formOf(page.text);
    const answer = await browser.post(`https://adfs.contoso.local${form.action}`, {
      ...form.fields,
      Password: 'Passw0rd!',
    });
    const claims = verifySamlAssertion(
      formOf(answer.text).fields.wresult!,
      ctx.keys.adfs.certificatePem,
    );
    expect(
      claims.attributes['http://schemas.microsoft.com/ws/2012/01/insidecorporatenetwork'],
    ).toEqual(['true']);
    expect(ctx.trace.exchanges().map((e) => `${e.from}->${e.to}`)).toEqual([
      'device->adfs',
      'device->adfs',
    ]);
  });
});
