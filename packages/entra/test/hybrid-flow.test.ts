import { labelFlow, totp } from '@hma-lab/core';
import {
  claimsOf,
  createLab,
  exoOnBehalfOf,
  exoRefresh,
  EXO,
  eventsOf,
  ORIGIN,
  OUTLOOK,
  outlookAuthorizeUrl,
  redeemOutlookCode,
  reachAliceMfa,
  redirectParams,
  signInAlice,
  signInDave,
  TENANT_ID,
} from './support/lab.js';
import { pageError, pageErrorCode } from './support/browser.js';
import { buildWresult } from './support/saml.js';

describe('flow A through entra: authorize -> AD FS -> MFA -> code -> AT1 -> OBO -> AT2 -> refresh', () => {
  test('alice (federated, MFA by conditional access) gets AT1, then Exchange Online gets AT2 and refreshes RT2', async () => {
    const lab = createLab();
    const { browser, ctx } = lab;

    // Step 7: the sign-in page, prefilled from login_hint.
    const signIn = await browser.get(outlookAuthorizeUrl());
    expect(signIn.status).toBe(200);
    const form = browser.form(signIn, 'login');
    expect(form.action).toBe(`${ORIGIN}/common/login`);
    expect(form.fields.login).toBe('alice@contoso.com');
    expect(form.fields.ctx).toBeTruthy();
    expect(form.fields.flowToken).toBeTruthy();

    // Step 8: home realm discovery sends the browser to the federation proxy.
    const toAdfs = await browser.submit(signIn, { login: 'alice@contoso.com' });
    expect(toAdfs.status).toBe(302);
    expect(toAdfs.location).toMatch(
      new RegExp(
        '^https://sts\\.contoso\\.com/adfs/ls/\\?client-request-id=[0-9a-f-]{36}&wa=wsignin1\\.0' +
          '&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=[A-Za-z0-9_-]+&username=alice%40contoso\\.com$',
      ),
    );
    const wctx = new URL(toAdfs.location!).searchParams.get('wctx')!;
    expect(wctx).toBe(form.fields.ctx);

    // Step 11: AD FS posts the signed assertion back; steps 12-13: CA demands MFA.
    const wresult = buildWresult({
      key: ctx.keys.adfs,
      nowMs: ctx.clock.now(),
      upn: 'alice@contoso.com',
      immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
    });
    const mfa = await browser.post(`${ORIGIN}/login.srf`, { wa: 'wsignin1.0', wresult, wctx });
    expect(mfa.status).toBe(200);
    const mfaForm = browser.form(mfa, 'otc');
    expect(mfaForm.action).toBe(`${ORIGIN}/common/SAS/ProcessAuth`);
    expect(mfaForm.fields).toHaveProperty('ctx');
    expect(mfaForm.fields).toHaveProperty('flowToken');
    expect(browser.cookies.get('ESTSAUTH')).toBeTruthy();
    const events = ctx.trace.entries().filter((e) => e.kind === 'event');
    const evaluated = events.find((e) => e.action === 'entra.ca.evaluated');
    expect(evaluated?.data).toMatchObject({
      policies: ['Require MFA for Exchange Online (Alice)'],
      result: 'mfa',
    });
    expect(events.find((e) => e.action === 'entra.ca.grant-required')?.data).toMatchObject({
      controls: ['mfa'],
    });

    // Step 14: the TOTP code completes sign-in; the code comes back to the app's custom scheme.
    const done = await browser.submit(mfa, { otc: totp('JBSWY3DPEHPK3PXP', ctx.clock.now()) });
    expect(done.status).toBe(302);
    expect(done.location).toMatch(
      /^msauth\.com\.microsoft\.Office\.Outlook:\/\/auth\?code=1\.A[\w-]+&state=state-123&session_state=[0-9a-f-]{36}$/,
    );
    const code = redirectParams(done.location!).get('code')!;

    // Step 15: AT1/RT1, v1 shape.
    const t1 = await redeemOutlookCode(lab, code);
    expect(t1.status).toBe(200);
    expect(t1.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: '3600',
      ext_expires_in: '3600',
      resource: 'https://outlook.office365.com',
    });
    expect(typeof t1.body.expires_on).toBe('string');
    expect(typeof t1.body.not_before).toBe('string');
    expect(t1.body.refresh_token).toMatch(/^1\.A/);
    const at1 = claimsOf(lab, t1.body.access_token);
    expect(at1).toMatchObject({
      aud: 'https://outlook.office365.com',
      iss: `https://sts.windows.net/${TENANT_ID}/`,
      appid: OUTLOOK,
      appidacr: '0',
      upn: 'alice@contoso.com',
      unique_name: 'alice@contoso.com',
      tid: TENANT_ID,
      ver: '1.0',
      acr: '1',
      ipaddr: '127.0.0.1',
      amr: ['fed', 'pwd', 'mfa', 'otp'],
    });
    expect(String(at1.scp).split(' ')).toContain('EAS.AccessAsUser.All');
    expect((at1.exp as number) - (at1.iat as number)).toBe(3600);
    const idToken = claimsOf(lab, t1.body.id_token);
    expect(idToken).toMatchObject({ aud: OUTLOOK, ver: '1.0', upn: 'alice@contoso.com' });

    // Step 17: Exchange Online trades AT1 on behalf of alice for AT2/RT2.
    const t2 = await exoOnBehalfOf(lab, t1.body.access_token as string);
    expect(t2.status).toBe(200);
    expect(t2.body.resource).toBe('https://mail.contoso.com');
    expect(t2.body.refresh_token).toMatch(/^1\.A/);
    const at2 = claimsOf(lab, t2.body.access_token);
    expect(at2).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: EXO,
      appidacr: '1',
      upn: 'alice@contoso.com',
      oid: at1.oid,
      amr: at1.amr,
      scp: 'EAS.AccessAsUser.All EWS.AccessAsUser.All',
    });

    // Step 19: RT2 refreshed by Exchange Online with its secret; rotation gives a new RT.
    await ctx.clock.advance('50m');
    const t3 = await exoRefresh(lab, t2.body.refresh_token as string, {
      resource: 'https://mail.contoso.com',
    });
    expect(t3.status).toBe(200);
    expect(t3.body.refresh_token).not.toBe(t2.body.refresh_token);
    const at2b = claimsOf(lab, t3.body.access_token);
    expect(at2b.aud).toBe('https://mail.contoso.com');
    expect(at2b.iat).toBe((at2.iat as number) + 3000);

    // The trace labels the steps of flow A in order.
    const steps = labelFlow(ctx.trace.entries(), 'A').map((s) => s.step);
    const order = [...new Set(steps)];
    expect(order).toEqual([7, 8, 11, 12, 13, 14, 15, 17, 19]);
  });

  test('dave (managed domain) signs in with a password, no federation, no MFA', async () => {
    const lab = createLab();
    const url = outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com' });
    const { browser } = lab;
    const signIn = await browser.get(url);
    const password = await browser.submit(signIn, { login: 'dave@fabrikam.com' });
    expect(password.status).toBe(200);
    const form = browser.form(password, 'passwd');
    expect(form.action).toBe(`${ORIGIN}/common/login`);
    expect(form.fields.login).toBe('dave@fabrikam.com');
    const done = await browser.submit(password, { passwd: 'Passw0rd!' });
    expect(done.status).toBe(302);
    const t = await redeemOutlookCode(lab, redirectParams(done.location!).get('code')!);
    expect(t.status).toBe(200);
    expect(claimsOf(lab, t.body.access_token).amr).toEqual(['pwd']);
    const evaluated = eventsOf(lab, 'entra.ca.evaluated')[0];
    expect(evaluated?.data).toMatchObject({ policies: [], result: 'grant' });
  });

  test('a wrong password shows the password page again with AADSTS50126 and issues no code', async () => {
    const lab = createLab();
    const { browser } = lab;
    const signIn = await browser.get(outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com' }));
    const password = await browser.submit(signIn, { login: 'dave@fabrikam.com' });
    const wrong = await browser.submit(password, { passwd: 'nope' });
    expect(wrong.status).toBe(200);
    expect(wrong.location).toBeUndefined();
    expect(pageError(wrong)).toMatch(/^Your account or password is incorrect/);
    expect(wrong.body).toContain('AADSTS50126');
    expect(browser.form(wrong, 'passwd').fields.login).toBe('dave@fabrikam.com');
    expect(lab.entra.stats().codes).toBe(0);
    // The right password on the re-shown page still works.
    const done = await browser.submit(wrong, { passwd: 'Passw0rd!' });
    expect(done.status).toBe(302);
  });

  test('an unknown user is AADSTS50034 on the sign-in page; a disabled one AADSTS50057', async () => {
    const lab = createLab();
    const { browser } = lab;
    const signIn = await browser.get(outlookAuthorizeUrl({ login_hint: '' }));
    const unknown = await browser.submit(signIn, { login: 'nobody@fabrikam.com' });
    expect(unknown.status).toBe(200);
    expect(pageErrorCode(unknown)).toBe('50034');
    lab.ctx.directory.setDisabled('dave@fabrikam.com', true);
    const password = await browser.submit(unknown, { login: 'dave@fabrikam.com' });
    const disabled = await browser.submit(password, { passwd: 'Passw0rd!' });
    expect(disabled.status).toBe(400);
    expect(pageErrorCode(disabled)).toBe('50057');
    expect(disabled.location).toBeUndefined();
  });

  test('a wrong TOTP code shows the MFA page again with an error', async () => {
    const lab = createLab();
    const mfaPage = await reachAliceMfa(lab);
    const wrong = await lab.browser.submit(mfaPage, { otc: '000000' });
    expect(wrong.status).toBe(200);
    expect(pageError(wrong)).toMatch(/expected verification code/);
    expect(lab.browser.form(wrong, 'otc').action).toBe(`${ORIGIN}/common/SAS/ProcessAuth`);
  });

  test('the session cookie signs in silently the second time (MFA remembered)', async () => {
    const lab = createLab();
    await signInAlice(lab);
    const again = await lab.browser.get(outlookAuthorizeUrl({ state: 'second' }));
    expect(again.status).toBe(302);
    expect(redirectParams(again.location!).get('state')).toBe('second');
    const t = await redeemOutlookCode(lab, redirectParams(again.location!).get('code')!);
    expect(t.status).toBe(200);
  });

  test('dave with signInDave helper reaches the client', async () => {
    const lab = createLab();
    const done = await signInDave(lab, outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com' }));
    expect(done.status).toBe(302);
  });
});
