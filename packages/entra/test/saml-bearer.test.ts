import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { afterTimers } from '@hma-lab/core/testing';
import { claimsOf, createLab, OUTLOOK, TENANT_ID, type Lab } from './support/lab.js';
import { buildSignedAssertion, buildWresult, type AssertionOptions } from './support/saml.js';

const SAML11 = 'urn:ietf:params:oauth:grant-type:saml1_1-bearer';
const SAML2 = 'urn:ietf:params:oauth:grant-type:saml2-bearer';
const ALICE_IMMUTABLE_ID = 'YWxpY2UtaW1tdXRhYmxlLWlk';

function expectError(
  res: { status: number; body: Record<string, unknown> },
  error: string,
  code: number,
  description?: RegExp,
) {
  expect({ status: res.status, error: res.body.error, codes: res.body.error_codes }).toEqual({
    status: 400,
    error,
    codes: [code],
  });
  if (description) expect(String(res.body.error_description)).toMatch(description);
}

function assertionFor(lab: Lab, extra: Partial<AssertionOptions> = {}): string {
  return buildSignedAssertion({ key: lab.ctx.keys.adfs, nowMs: lab.ctx.clock.now(), ...extra });
}

/** As ADAL sends it: v1, `resource`, the assertion in base64 with padding. */
function adalRedeem(lab: Lab, assertionXml: string, resource = 'https://graph.microsoft.com') {
  return lab.token('/common/oauth2/token', {
    grant_type: SAML11,
    client_id: OUTLOOK,
    resource,
    assertion: Buffer.from(assertionXml).toString('base64'),
  });
}

/** As MSAL sends it: v2, `scope`, the assertion in base64url without padding. */
function msalRedeem(lab: Lab, assertion: string, fields: Record<string, string> = {}) {
  return lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
    grant_type: SAML11,
    client_id: OUTLOOK,
    scope: 'User.Read openid profile offline_access',
    assertion,
    ...fields,
  });
}

const base64url = (xml: string) => Buffer.from(xml).toString('base64url');

describe('the SAML bearer grant (a federated password sign-in through AD FS WS-Trust)', () => {
  test('v1 (ADAL): tokens for the user the AD FS assertion names, amr fed + pwd', async () => {
    const lab = createLab();
    const res = await adalRedeem(
      lab,
      assertionFor(lab, { upn: 'alice@contoso.com', immutableId: ALICE_IMMUTABLE_ID }),
    );
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(claimsOf(lab, res.body.access_token)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      upn: 'alice@contoso.com',
      amr: ['fed', 'pwd'],
    });
  });

  test('v2 (MSAL): base64url without padding, an ID token and a refresh token', async () => {
    const lab = createLab();
    const res = await msalRedeem(lab, base64url(assertionFor(lab, { upn: 'bob@contoso.com' })));
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('User.Read openid profile offline_access');
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(claimsOf(lab, res.body.id_token)).toMatchObject({
      preferred_username: 'bob@contoso.com',
      aud: OUTLOOK,
    });
  });

  test('conditional access applies as to the password grant (MFA → 50076, basic_action)', async () => {
    const lab = createLab();
    const res = await adalRedeem(
      lab,
      assertionFor(lab, { upn: 'alice@contoso.com', immutableId: ALICE_IMMUTABLE_ID }),
      'https://outlook.office365.com',
    );
    expectError(res, 'invalid_grant', 50076);
    expect(res.body.suberror).toBe('basic_action');
  });

  test('an assertion is redeemed once', async () => {
    const lab = createLab();
    const assertion = base64url(assertionFor(lab, { upn: 'bob@contoso.com' }));
    expect((await msalRedeem(lab, assertion)).status).toBe(200);
    expectError(await msalRedeem(lab, assertion), 'invalid_grant', 50008, /already used/);
  });

  test('a disabled user is refused (50057)', async () => {
    const lab = createLab();
    lab.ctx.directory.setDisabled('bob@contoso.com', true);
    const res = await msalRedeem(lab, base64url(assertionFor(lab, { upn: 'bob@contoso.com' })));
    expectError(res, 'invalid_grant', 50057);
  });

  test.each([
    [
      'a tampered assertion',
      (lab: Lab) =>
        base64url(assertionFor(lab, { upn: 'bob@contoso.com' }).replace('>bob@', '>carol@')),
      50006,
      /signature/,
    ],
    [
      'an assertion signed by another key',
      (lab: Lab) =>
        base64url(assertionFor(lab, { upn: 'bob@contoso.com', key: lab.ctx.keys.testClient })),
      50006,
      /signature/,
    ],
    [
      'an expired assertion',
      (lab: Lab) =>
        base64url(
          assertionFor(lab, {
            upn: 'bob@contoso.com',
            notBeforeMs: lab.ctx.clock.now() - 3_600_000,
            notOnOrAfterMs: lab.ctx.clock.now() - 6 * 60_000,
          }),
        ),
      50008,
      /expired/,
    ],
    [
      'another audience',
      (lab: Lab) =>
        base64url(assertionFor(lab, { upn: 'bob@contoso.com', audience: 'urn:example:app' })),
      50008,
      /audience/,
    ],
    [
      'an unknown issuer',
      (lab: Lab) =>
        base64url(
          assertionFor(lab, { upn: 'bob@contoso.com', issuer: 'http://sts.evil.example/adfs' }),
        ),
      50107,
      /federation realm/,
    ],
    [
      'a user the directory does not have',
      (lab: Lab) => base64url(assertionFor(lab, { upn: 'nobody@contoso.com' })),
      51004,
      /nobody@contoso.com/,
    ],
    ['text that is not base64', () => 'not base64 at all!', 50008, /base64/],
    ['base64 of text that is not XML', () => base64url('hello'), 50008, /not well-formed/],
    [
      "two root elements (named as a fact, not in the XML parser's words)",
      () => base64url('<a b="c"/><a b="c"/>'),
      50008,
      /: the assertion is not well-formed XML\.\r\n/,
    ],
    [
      'a DOCTYPE (never expanded)',
      () =>
        base64url(
          '<!DOCTYPE a [<!ENTITY x "y">]><saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion">&x;</saml:Assertion>',
        ),
      50008,
      /DOCTYPE/,
    ],
    [
      'the whole WS-Trust answer instead of its assertion',
      (lab: Lab) =>
        base64url(
          buildWresult({
            key: lab.ctx.keys.adfs,
            nowMs: lab.ctx.clock.now(),
            upn: 'bob@contoso.com',
          }),
        ),
      50008,
      /expected a SAML 1\.1 Assertion, found <t:RequestSecurityTokenResponse>/,
    ],
    [
      'a SAML 2.0 assertion',
      () =>
        base64url(
          '<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_1" Version="2.0"/>',
        ),
      50008,
      /SAML 1\.1 assertions only/,
    ],
  ])('%s: invalid_grant %s', async (_name, assertion, code, description) => {
    const lab = createLab();
    expectError(await msalRedeem(lab, assertion(lab)), 'invalid_grant', code, description);
  });

  test('grant_type saml2-bearer: the lab verifies SAML 1.1 only (50008)', async () => {
    const lab = createLab();
    const res = await msalRedeem(lab, base64url(assertionFor(lab, { upn: 'bob@contoso.com' })), {
      grant_type: SAML2,
    });
    expectError(res, 'invalid_grant', 50008, /saml1_1-bearer/);
  });

  test('no assertion: the missing parameter is named', async () => {
    const lab = createLab();
    const res = await lab.token('/common/oauth2/token', {
      grant_type: SAML11,
      client_id: OUTLOOK,
      resource: 'https://graph.microsoft.com',
    });
    expect(res.status).toBe(400);
    expect(String(res.body.error_description)).toMatch(/'assertion'/);
  });

  test('the client is authenticated as for any grant (an unknown client is 700016)', async () => {
    const lab = createLab();
    const res = await msalRedeem(lab, base64url(assertionFor(lab, { upn: 'bob@contoso.com' })), {
      client_id: '00000000-0000-0000-0000-00000000beef',
    });
    expect(res.body.error_codes).toEqual([700016]);
  });

  test('ROPC for a federated user points at WS-Trust and this grant', async () => {
    const lab = createLab();
    const res = await lab.token('/common/oauth2/token', {
      grant_type: 'password',
      client_id: OUTLOOK,
      username: 'bob@contoso.com',
      password: 'Passw0rd!',
      resource: WELL_KNOWN_APPS.graph,
    });
    expectError(res, 'invalid_grant', 50126, /WS-Trust.*saml1_1-bearer/);
  });

  /**
   * The XML parser is quadratic in the depth of elements declaring a namespace
   * each: the assertion of a 1 MiB form (768 KB of them) took 40 s, every
   * party of the lab frozen. Depth is checked before parsing now, in
   * milliseconds, so jest's 5 s timeout tells the two apart; no wall-clock
   * bound is asserted.
   */
  test('an assertion nesting elements deeper than 64 (a 1 MiB form): AADSTS50008, at once', async () => {
    const lab = createLab();
    const open = '<a xmlns:p="urn:x">';
    const count = Math.floor((750 * 1024) / (open.length + '</a>'.length));
    const res = await msalRedeem(lab, base64url(open.repeat(count) + '</a>'.repeat(count)));
    expectError(res, 'invalid_grant', 50008, /nests elements deeper than 64/);
    await afterTimers();
  }, 5_000);
});
