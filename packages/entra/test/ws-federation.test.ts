import { createLab, ORIGIN, outlookAuthorizeUrl, type Lab } from './support/lab.js';
import { pageErrorCode } from './support/browser.js';
import { buildWresult, type AssertionOptions } from './support/saml.js';

/** Starts alice's sign-in and returns the wctx AD FS must send back. */
async function federationContext(lab: Lab): Promise<string> {
  const signIn = await lab.browser.get(outlookAuthorizeUrl());
  const toAdfs = await lab.browser.submit(signIn, { login: 'alice@contoso.com' });
  expect(toAdfs.status).toBe(302);
  return new URL(toAdfs.location!).searchParams.get('wctx')!;
}

function aliceAssertion(lab: Lab, extra: Partial<AssertionOptions> = {}): string {
  return buildWresult({
    key: lab.ctx.keys.adfs,
    nowMs: lab.ctx.clock.now(),
    upn: 'alice@contoso.com',
    immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
    ...extra,
  });
}

async function postBack(lab: Lab, fields: Record<string, string>) {
  return lab.browser.post(`${ORIGIN}/login.srf`, fields);
}

describe('POST /login.srf verifies the AD FS assertion for real', () => {
  test('a valid assertion continues to conditional access (the MFA page)', async () => {
    const lab = createLab();
    const wctx = await federationContext(lab);
    const page = await postBack(lab, { wa: 'wsignin1.0', wresult: aliceAssertion(lab), wctx });
    expect(page.status).toBe(200);
    expect(lab.browser.form(page, 'otc').fields.ctx).toBe(wctx);
  });

  test('the user is found by ImmutableID alone (the NameIdentifier)', async () => {
    const lab = createLab();
    const wctx = await federationContext(lab);
    const wresult = buildWresult({
      key: lab.ctx.keys.adfs,
      nowMs: lab.ctx.clock.now(),
      immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
    });
    const page = await postBack(lab, { wa: 'wsignin1.0', wresult, wctx });
    expect(page.status).toBe(200);
    expect(page.body).toContain('alice@contoso.com');
  });

  test.each([
    [
      'a tampered assertion (UPN changed after signing)',
      (lab: Lab) => aliceAssertion(lab).replace('>alice@contoso.com<', '>bob@contoso.com<'),
      '50006',
    ],
    [
      'an assertion signed by another key',
      (lab: Lab) => aliceAssertion(lab, { key: lab.ctx.keys.testClient }),
      '50006',
    ],
    [
      'a KeyInfo certificate that is not the trusted one (signed by the trusted key)',
      (lab: Lab) =>
        aliceAssertion(lab, { keyInfoCertificate: lab.ctx.keys.testClient.certificateBase64 }),
      '50006',
    ],
    [
      'an assertion signed by an attacker who puts his own certificate in KeyInfo',
      (lab: Lab) =>
        aliceAssertion(lab, {
          key: lab.ctx.keys.testClient,
          keyInfoCertificate: lab.ctx.keys.testClient.certificateBase64,
        }),
      '50006',
    ],
    [
      'an unsigned assertion',
      (lab: Lab) => aliceAssertion(lab).replace(/<Signature[\s\S]*<\/Signature>/, ''),
      '50006',
    ],
    [
      'the wrong audience',
      (lab: Lab) => aliceAssertion(lab, { audience: 'urn:example:other' }),
      '50008',
    ],
    [
      'an expired assertion (beyond 5 minutes skew)',
      (lab: Lab) =>
        aliceAssertion(lab, {
          notOnOrAfterMs: lab.ctx.clock.now() - 6 * 60_000,
          notBeforeMs: lab.ctx.clock.now() - 3_600_000,
        }),
      '50008',
    ],
    [
      'an assertion not valid yet (beyond 5 minutes skew)',
      (lab: Lab) => aliceAssertion(lab, { notBeforeMs: lab.ctx.clock.now() + 6 * 60_000 }),
      '50008',
    ],
    [
      'an unknown issuer',
      (lab: Lab) => aliceAssertion(lab, { issuer: 'http://sts.evil.example/adfs/services/trust' }),
      '50107',
    ],
    [
      'an unknown ImmutableID and UPN',
      (lab: Lab) => aliceAssertion(lab, { immutableId: 'bm9ib2R5', upn: 'nobody@contoso.com' }),
      '51004',
    ],
    [
      'a user of a managed domain asserted by the contoso AD FS',
      (lab: Lab) =>
        buildWresult({
          key: lab.ctx.keys.adfs,
          nowMs: lab.ctx.clock.now(),
          upn: 'dave@fabrikam.com',
        }),
      '50008',
    ],
    ['a wresult that is not XML', () => 'not <xml', '20012'],
    [
      'a wresult with a DOCTYPE',
      (lab: Lab) => `<!DOCTYPE x [<!ENTITY e "x">]>${aliceAssertion(lab)}`,
      '20012',
    ],
    [
      'two assertions (signature wrapping)',
      (lab: Lab) => {
        const signed = aliceAssertion(lab);
        const evil = aliceAssertion(lab).match(/<saml:Assertion[\s\S]*<\/saml:Assertion>/)![0];
        return signed.replace(
          '</t:RequestedSecurityToken>',
          `</t:RequestedSecurityToken><x>${evil}</x>`,
        );
      },
      '20012',
    ],
  ])('%s is refused with an error page (AADSTS%s)', async (_name, make, code) => {
    const lab = createLab();
    const wctx = await federationContext(lab);
    const page = await postBack(lab, { wa: 'wsignin1.0', wresult: make(lab), wctx });
    expect(page.status).toBe(400);
    expect(page.location).toBeUndefined();
    expect(pageErrorCode(page)).toBe(code);
    expect(lab.entra.stats().codes).toBe(0);
  });

  test('an assertion within the 5 minute skew is accepted', async () => {
    const lab = createLab();
    const wctx = await federationContext(lab);
    const now = lab.ctx.clock.now();
    const wresult = aliceAssertion(lab, {
      notOnOrAfterMs: now - 4 * 60_000,
      notBeforeMs: now - 3_600_000,
    });
    const page = await postBack(lab, { wa: 'wsignin1.0', wresult, wctx });
    expect(page.status).toBe(200);
  });

  test('a replayed assertion is refused even with a fresh sign-in', async () => {
    const lab = createLab();
    const wresult = aliceAssertion(lab);
    const first = await postBack(lab, {
      wa: 'wsignin1.0',
      wresult,
      wctx: await federationContext(lab),
    });
    expect(first.status).toBe(200);
    lab.browser.cookies.clear();
    const again = await postBack(lab, {
      wa: 'wsignin1.0',
      wresult,
      wctx: await federationContext(lab),
    });
    expect(again.status).toBe(400);
    expect(pageErrorCode(again)).toBe('50008');
    expect(again.body).toMatch(/already used/);
  });

  test('a wctx that names no sign-in is AADSTS50089; a bad wa or no wresult AADSTS20012', async () => {
    const lab = createLab();
    const unknown = await postBack(lab, {
      wa: 'wsignin1.0',
      wresult: aliceAssertion(lab),
      wctx: 'nope',
    });
    expect(pageErrorCode(unknown)).toBe('50089');
    const wa = await postBack(lab, { wa: 'wsignout1.0', wresult: aliceAssertion(lab), wctx: 'x' });
    expect(pageErrorCode(wa)).toBe('20012');
    const none = await postBack(lab, { wa: 'wsignin1.0', wctx: 'x' });
    expect(pageErrorCode(none)).toBe('20012');
  });

  test('AD FS-side MFA (multipleauthn) satisfies the MFA policy without the MFA page', async () => {
    const lab = createLab();
    const wctx = await federationContext(lab);
    const wresult = aliceAssertion(lab, {
      authnMethods: [
        'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
        'http://schemas.microsoft.com/claims/multipleauthn',
      ],
    });
    const done = await postBack(lab, { wa: 'wsignin1.0', wresult, wctx });
    expect(done.status).toBe(302);
    expect(done.location).toMatch(/^msauth\.com\.microsoft\.Office\.Outlook:\/\/auth\?code=/);
  });

  test('a trusted certificate per issuer can be configured', async () => {
    const lab = createLab({
      federationSigningCertificates: {
        'http://sts.contoso.com/adfs/services/trust':
          createLab().ctx.keys.testClient.certificatePem,
      },
    });
    const wctx = await federationContext(lab);
    const byAdfsKey = await postBack(lab, { wa: 'wsignin1.0', wresult: aliceAssertion(lab), wctx });
    expect(pageErrorCode(byAdfsKey)).toBe('50006');
    const wctx2 = await federationContext(lab);
    const byConfigured = await postBack(lab, {
      wa: 'wsignin1.0',
      wresult: aliceAssertion(lab, { key: lab.ctx.keys.testClient }),
      wctx: wctx2,
    });
    expect(byConfigured.status).toBe(200);
  });
});
