import { WELL_KNOWN_APPS } from '@hma-lab/core';
import {
  CHALLENGE,
  createLab,
  eventsOf,
  ORIGIN,
  OUTLOOK,
  outlookAuthorizeUrl,
  redirectParams,
  signInAlice,
  signInDave,
  TENANT_ID,
  type Lab,
} from './support/lab.js';
import { pageErrorCode } from './support/browser.js';

const WEB = WELL_KNOWN_APPS.labWebApp;

function daveUrl(extra: Record<string, string> = {}, version: 'v1' | 'v2' = 'v1'): string {
  if (version === 'v2') {
    const params = new URLSearchParams({
      client_id: OUTLOOK,
      response_type: 'code',
      redirect_uri: 'msauth.com.microsoft.Office.Outlook://auth',
      scope: 'https://outlook.office.com/EAS.AccessAsUser.All openid profile offline_access',
      state: 's2',
      nonce: 'n2',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      login_hint: 'dave@fabrikam.com',
      ...extra,
    });
    return `${ORIGIN}/common/oauth2/v2.0/authorize?${params}`;
  }
  return outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com', ...extra });
}

describe('authorize: clients and redirect URIs are checked before anything is redirected', () => {
  test('an unknown client gets an error page (AADSTS700016), never a redirect', async () => {
    const lab = createLab();
    const page = await lab.browser.get(
      outlookAuthorizeUrl({
        client_id: '11111111-2222-3333-4444-555555555555',
        redirect_uri: 'https://evil.example/cb',
      }),
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(pageErrorCode(page)).toBe('700016');
    expect(page.body).not.toContain('evil.example/cb?');
  });

  test('an unregistered redirect URI gets AADSTS50011 on a page, never a redirect', async () => {
    const lab = createLab();
    const page = await lab.browser.get(
      outlookAuthorizeUrl({ redirect_uri: 'https://evil.example/cb' }),
    );
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(pageErrorCode(page)).toBe('50011');
    expect(page.body).toContain('AADSTS50011');
  });

  test('a missing client_id is AADSTS900144 on a page', async () => {
    const lab = createLab();
    const page = await lab.browser.get(`${ORIGIN}/common/oauth2/authorize?response_type=code`);
    expect(page.status).toBe(400);
    expect(pageErrorCode(page)).toBe('900144');
  });

  test.each([
    [OUTLOOK, 'http://localhost:53124', true],
    [OUTLOOK, 'http://localhost:53124/', true],
    [OUTLOOK, 'http://127.0.0.1:9', true],
    [OUTLOOK, 'https://localhost:53124', false],
    [OUTLOOK, 'http://localhost.evil.example:1', false],
    [OUTLOOK, 'http://localhost:8080/#frag', false],
    [OUTLOOK, 'http://localhost:8080/#', false],
    [OUTLOOK, 'urn:ietf:wg:oauth:2.0:oob', true],
    [OUTLOOK, 'msauth.com.microsoft.Office.Outlook://auth/', false],
    [WEB, 'http://localhost:8080/callback', true],
    [WEB, 'http://localhost:8080/other', false],
    [WEB, 'https://app.contoso.com/callback', true],
    [WEB, 'https://app.contoso.com/callback/', false],
    [WEB, 'https://app.contoso.com/callback#', false],
  ])('client %s, redirect_uri %s registered: %s', async (clientId, redirectUri, ok) => {
    const lab = createLab();
    const page = await lab.browser.get(
      outlookAuthorizeUrl({
        client_id: clientId,
        redirect_uri: redirectUri,
        resource: 'https://graph.microsoft.com',
      }),
    );
    expect(page.status).toBe(ok ? 200 : 400);
    if (!ok) expect(pageErrorCode(page)).toBe('50011');
  });

  test.each([
    [{ response_type: 'token' }, 'unsupported_response_type', '700054'],
    [{ resource: 'https://nothing.example' }, 'invalid_resource', '500011'],
    [{ code_challenge: 'short' }, 'invalid_request', '501491'],
    [{ code_challenge_method: 'S512' }, 'invalid_request', '501491'],
    [{ response_mode: 'web_message' }, 'invalid_request', '70007'],
  ])('%j is redirected back as %s (AADSTS%s) with the state', async (extra, error, code) => {
    const lab = createLab();
    const page = await lab.browser.get(outlookAuthorizeUrl(extra));
    expect(page.status).toBe(302);
    const params = redirectParams(page.location!);
    expect(page.location).toMatch(/^msauth\.com\.microsoft\.Office\.Outlook:\/\/auth\?error=/);
    expect(params.get('error')).toBe(error);
    expect(params.get('error_description')).toMatch(new RegExp(`^AADSTS${code}: `));
    expect(params.get('state')).toBe('state-123');
  });

  test('a client without consent on the resource is redirected with consent_required (AADSTS65001)', async () => {
    const lab = createLab();
    const page = await lab.browser.get(outlookAuthorizeUrl({ resource: 'api://hma-lab-web' }));
    expect(page.status).toBe(302);
    expect(redirectParams(page.location!).get('error')).toBe('consent_required');
    expect(redirectParams(page.location!).get('error_description')).toMatch(/^AADSTS65001: /);
  });

  test('v2 without scope is AADSTS900144', async () => {
    const lab = createLab();
    const url = daveUrl({}, 'v2').replace(/&scope=[^&]*/, '');
    const page = await lab.browser.get(url);
    expect(redirectParams(page.location!).get('error_description')).toMatch(
      /^AADSTS900144: .*'scope'/,
    );
  });

  test('a v2 scope the resource does not expose is invalid_scope (AADSTS70011)', async () => {
    const lab = createLab();
    const page = await lab.browser.get(
      daveUrl({ scope: 'https://outlook.office.com/Nope.Write openid' }, 'v2'),
    );
    expect(redirectParams(page.location!).get('error')).toBe('invalid_scope');
  });
});

describe('authorize: response modes, client_info, prompts and hints', () => {
  test('response_mode=fragment puts the code in the fragment', async () => {
    const lab = createLab();
    const done = await signInDave(lab, daveUrl({ response_mode: 'fragment' }));
    expect(done.status).toBe(302);
    expect(done.location).toMatch(/^msauth\.com\.microsoft\.Office\.Outlook:\/\/auth#code=/);
  });

  test('response_mode=form_post answers with an auto-posting form', async () => {
    const lab = createLab();
    const done = await signInDave(
      lab,
      outlookAuthorizeUrl({
        client_id: WEB,
        redirect_uri: 'https://app.contoso.com/callback',
        resource: 'https://graph.microsoft.com',
        login_hint: 'dave@fabrikam.com',
        response_mode: 'form_post',
      }),
    );
    expect(done.status).toBe(200);
    const form = lab.browser.form(done, 'code');
    expect(form.action).toBe('https://app.contoso.com/callback');
    expect(form.fields.state).toBe('state-123');
    expect(form.fields.session_state).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('client_info=1 adds client_info (uid, utid) to the redirect', async () => {
    const lab = createLab();
    const done = await signInDave(lab, daveUrl({ client_info: '1' }, 'v2'));
    const clientInfo = redirectParams(done.location!).get('client_info')!;
    expect(JSON.parse(Buffer.from(clientInfo, 'base64url').toString('utf8'))).toEqual({
      uid: 'da7e0000-5e7a-4b1c-9d2e-00000000da7e',
      utid: TENANT_ID,
    });
  });

  test('prompt=none without a session is login_required (AADSTS50058)', async () => {
    const lab = createLab();
    const page = await lab.browser.get(daveUrl({ prompt: 'none' }));
    expect(page.status).toBe(302);
    expect(redirectParams(page.location!).get('error')).toBe('login_required');
    expect(redirectParams(page.location!).get('error_description')).toMatch(/^AADSTS50058: /);
  });

  test('prompt=none with a session returns a code silently', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const page = await lab.browser.get(daveUrl({ prompt: 'none', state: 'silent' }));
    expect(page.status).toBe(302);
    expect(redirectParams(page.location!).get('code')).toMatch(/^1\.A/);
    expect(redirectParams(page.location!).get('state')).toBe('silent');
  });

  test('a cookie that does not percent-decode is kept as sent: the sign-in page, not a 500', async () => {
    const lab = createLab();
    lab.browser.cookies.set('other-site', '%E0%A4%A');
    const page = await lab.browser.get(daveUrl());
    expect(page.status).toBe(200);
    expect(page.html.querySelector('form')).not.toBeNull();
  });

  test('the session cookie is still read beside a cookie that does not percent-decode', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const session = lab.browser.cookies.get('ESTSAUTH')!;
    lab.browser.cookies.clear();
    lab.browser.cookies.set('broken', '100%');
    lab.browser.cookies.set('ESTSAUTH', session);
    const page = await lab.browser.get(daveUrl({ prompt: 'none', state: 'beside' }));
    expect(page.status).toBe(302);
    expect(redirectParams(page.location!).get('code')).toMatch(/^1\.A/);
  });

  test('prompt=none when conditional access needs MFA the session lacks is interaction_required', async () => {
    const lab = createLab();
    const signIn = await lab.browser.get(outlookAuthorizeUrl());
    const toAdfs = await lab.browser.submit(signIn, { login: 'alice@contoso.com' });
    expect(toAdfs.status).toBe(302);
    // Complete the federation leg but stop at the MFA page.
    const { buildWresult } = await import('./support/saml.js');
    const wresult = buildWresult({
      key: lab.ctx.keys.adfs,
      nowMs: lab.ctx.clock.now(),
      upn: 'alice@contoso.com',
    });
    const mfa = await lab.browser.post(`${ORIGIN}/login.srf`, {
      wa: 'wsignin1.0',
      wresult,
      wctx: new URL(toAdfs.location!).searchParams.get('wctx')!,
    });
    expect(mfa.status).toBe(200);
    const silent = await lab.browser.get(outlookAuthorizeUrl({ prompt: 'none' }));
    expect(redirectParams(silent.location!).get('error')).toBe('interaction_required');
    expect(redirectParams(silent.location!).get('error_description')).toMatch(/^AADSTS50076: /);
  });

  test('prompt=login ignores the session and shows the sign-in page', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const page = await lab.browser.get(daveUrl({ prompt: 'login' }));
    expect(page.status).toBe(200);
    expect(lab.browser.form(page, 'login').fields.login).toBe('dave@fabrikam.com');
  });

  test('prompt=select_account shows the account picker; picking the account signs in', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const picker = await lab.browser.get(daveUrl({ prompt: 'select_account' }));
    expect(picker.status).toBe(200);
    expect(picker.body).toContain('Pick an account');
    const pick = await lab.browser.submit(picker, { sso: '1' }, 'sso');
    expect(pick.status).toBe(302);
    expect(redirectParams(pick.location!).get('code')).toBeTruthy();
  });

  test('prompt=select_account "use another account" shows the sign-in page', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const picker = await lab.browser.get(daveUrl({ prompt: 'select_account' }));
    const other = await lab.browser.submit(picker, { other: '1' }, 'other');
    expect(other.status).toBe(200);
    expect(lab.browser.form(other, 'login').fields.login).toBe('');
  });

  test('"use another account" keeps the last 20 pages valid, like any page: the picker\'s own form expires', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const picker = await lab.browser.get(daveUrl({ prompt: 'select_account' }));
    let latest = picker;
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) {
      latest = await lab.browser.submit(picker, { other: '1' }, 'other');
      statuses.push(latest.status);
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(200));
    expect(statuses[20]).toBe(400);
    expect(pageErrorCode(latest)).toBe('50089');
  });

  test('prompt=consent shows the permissions; Accept returns the code, Cancel access_denied (AADSTS65004)', async () => {
    const lab = createLab();
    const consent = await signInDave(lab, daveUrl({ prompt: 'consent' }));
    expect(consent.status).toBe(200);
    expect(consent.body).toContain('EAS.AccessAsUser.All');
    const accepted = await lab.browser.submit(consent, { accept: 'true' }, 'ctx');
    expect(accepted.status).toBe(302);
    expect(redirectParams(accepted.location!).get('code')).toBeTruthy();

    const again = await lab.browser.get(daveUrl({ prompt: 'consent', state: 'c2' }));
    const declined = await lab.browser.submit(again, { accept: 'false' }, 'ctx');
    expect(redirectParams(declined.location!).get('error')).toBe('access_denied');
    expect(redirectParams(declined.location!).get('error_description')).toMatch(/^AADSTS65004: /);
    expect(redirectParams(declined.location!).get('state')).toBe('c2');
  });

  test('domain_hint of a federated domain goes straight to AD FS', async () => {
    const lab = createLab();
    const page = await lab.browser.get(outlookAuthorizeUrl({ domain_hint: 'contoso.com' }));
    expect(page.status).toBe(302);
    expect(page.location).toMatch(
      /^https:\/\/sts\.contoso\.com\/adfs\/ls\/\?client-request-id=.*&username=alice%40contoso\.com$/,
    );
  });

  test('a login_hint for another user than the session shows the sign-in page', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const page = await lab.browser.get(outlookAuthorizeUrl({ login_hint: 'bob@contoso.com' }));
    expect(page.status).toBe(200);
    expect(lab.browser.form(page, 'login').fields.login).toBe('bob@contoso.com');
  });

  test('POST /authorize works like GET', async () => {
    const lab = createLab();
    const url = new URL(daveUrl());
    const page = await lab.browser.post(
      `${url.origin}${url.pathname}`,
      Object.fromEntries(url.searchParams),
    );
    expect(page.status).toBe(200);
  });

  test('logout ends the session: the next authorize shows the sign-in page', async () => {
    const lab = createLab();
    await signInDave(lab, daveUrl());
    const out = await lab.browser.get(
      `${ORIGIN}/common/oauth2/logout?post_logout_redirect_uri=${encodeURIComponent('https://app.contoso.com/callback')}`,
    );
    expect(out.status).toBe(302);
    expect(out.location).toBe('https://app.contoso.com/callback');
    const evil = await lab.browser.get(
      `${ORIGIN}/common/oauth2/logout?post_logout_redirect_uri=${encodeURIComponent('https://evil.example/')}`,
    );
    expect(evil.status).toBe(200);
    const page = await lab.browser.get(daveUrl());
    expect(page.status).toBe(200);
    expect(lab.browser.form(page, 'login').fields.login).toBe('dave@fabrikam.com');
  });

  test('stale or forged form posts are AADSTS50089 pages', async () => {
    const lab = createLab();
    const signIn = await lab.browser.get(daveUrl());
    const forged = await lab.browser.submit(signIn, {
      login: 'dave@fabrikam.com',
      flowToken: 'forged',
    });
    expect(forged.status).toBe(400);
    expect(pageErrorCode(forged)).toBe('50089');
    await lab.ctx.clock.advance('2h');
    const stale = await lab.browser.submit(signIn, { login: 'dave@fabrikam.com' });
    expect(pageErrorCode(stale)).toBe('50089');
  });
});

describe('conditional access at sign-in', () => {
  function policyLab(controls: string[], extra: Record<string, unknown> = {}): Lab {
    return createLab(
      {},
      {
        scenario: (input) => {
          input.conditionalAccess = [
            {
              name: 'Test policy',
              users: { include: ['dave@fabrikam.com', 'bob@contoso.com'] },
              applications: { include: ['https://outlook.office365.com'] },
              grant: { controls: controls as never },
              ...extra,
            },
          ];
        },
      },
    );
  }

  test('block is AADSTS53003 on a page', async () => {
    const lab = policyLab(['block']);
    const signIn = await lab.browser.get(daveUrl());
    const password = await lab.browser.submit(signIn, { login: 'dave@fabrikam.com' });
    const blocked = await lab.browser.submit(password, { passwd: 'Passw0rd!' });
    expect(blocked.status).toBe(400);
    expect(pageErrorCode(blocked)).toBe('53003');
    expect(eventsOf(lab, 'entra.ca.evaluated')[0]?.data).toMatchObject({
      result: 'block',
      policies: ['Test policy'],
    });
  });

  test('compliantDevice fails without the device claim (AADSTS53000) and passes with x-hma-lab-device', async () => {
    const lab = policyLab(['compliantDevice']);
    const signIn = await lab.browser.get(daveUrl());
    const password = await lab.browser.submit(signIn, { login: 'dave@fabrikam.com' });
    const blocked = await lab.browser.submit(password, { passwd: 'Passw0rd!' });
    expect(pageErrorCode(blocked)).toBe('53000');

    const compliant = policyLab(['compliantDevice']);
    const page = await compliant.browser.get(daveUrl(), { 'x-hma-lab-device': 'compliantDevice' });
    const pw = await compliant.browser.submit(page, { login: 'dave@fabrikam.com' });
    const done = await compliant.browser.submit(pw, { passwd: 'Passw0rd!' });
    expect(done.status).toBe(302);
    expect(redirectParams(done.location!).get('code')).toBeTruthy();
  });

  test('approvedApplication is satisfied by Outlook mobile', async () => {
    const lab = policyLab(['approvedApplication']);
    const done = await signInDave(lab, daveUrl());
    expect(done.status).toBe(302);
  });

  test('OR of mfa and compliantDevice asks for MFA; a user without MFA method gets AADSTS50079', async () => {
    const lab = policyLab(['mfa', 'compliantDevice']);
    const done = await signInDave(lab, daveUrl());
    expect(done.status).toBe(400);
    expect(pageErrorCode(done)).toBe('50079');
  });

  test('an excluded user is not affected', async () => {
    const lab = policyLab(['block'], {
      users: { include: ['All'], exclude: ['dave@fabrikam.com'] },
    });
    const done = await signInDave(lab, daveUrl());
    expect(done.status).toBe(302);
  });

  test('a disabled policy does nothing', async () => {
    const lab = policyLab(['block'], { state: 'disabled' });
    const done = await signInDave(lab, daveUrl());
    expect(done.status).toBe(302);
  });

  test('alice does MFA once per session: a second client is signed in silently', async () => {
    const lab = createLab();
    await signInAlice(lab);
    const web = await lab.browser.get(
      outlookAuthorizeUrl({
        client_id: WEB,
        redirect_uri: 'http://localhost:3000/callback',
        resource: 'https://outlook.office365.com',
        login_hint: 'alice@contoso.com',
      }),
    );
    expect(web.status).toBe(302);
    expect(web.location).toMatch(/^http:\/\/localhost:3000\/callback\?code=/);
  });
});
