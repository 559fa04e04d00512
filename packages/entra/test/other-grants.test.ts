import { signJwt, WELL_KNOWN_APPS, LAB_WEB_APP_SECRET, totp } from '@hma-lab/core';
import { claimsOf, createLab, EXO, ORIGIN, OUTLOOK, TENANT_ID, type Lab } from './support/lab.js';
import { pageError, pageErrorCode } from './support/browser.js';
import { buildWresult } from './support/saml.js';

const WEB = WELL_KNOWN_APPS.labWebApp;
const GRAPH = WELL_KNOWN_APPS.graph;

function expectError(
  res: { status: number; body: Record<string, unknown> },
  error: string,
  code: number,
) {
  expect({ error: res.body.error, codes: res.body.error_codes }).toEqual({ error, codes: [code] });
}

describe('client_credentials', () => {
  test('v1 with a secret: app-only token with roles, no refresh token', async () => {
    const lab = createLab();
    const res = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
      resource: 'https://graph.microsoft.com',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: '3600',
      resource: 'https://graph.microsoft.com',
    });
    // The wire shape of every token response: JSON with its length, never cached.
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(res.headers.get('content-length'))).toBe(
      Buffer.byteLength(JSON.stringify(res.body)),
    );
    expect(res.headers.get('cache-control')).toMatch(/no-store/);
    expect(res.body.refresh_token).toBeUndefined();
    const claims = claimsOf(lab, res.body.access_token);
    expect(claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      appid: WEB,
      appidacr: '1',
      roles: ['User.Read.All'],
      idtyp: 'app',
    });
    expect(claims.upn).toBeUndefined();
    expect(claims.scp).toBeUndefined();
  });

  test('v2 with a certificate (private_key_jwt addressed to the issuer, as openid-client does)', async () => {
    const lab = createLab();
    const now = Math.floor(lab.ctx.clock.now() / 1000);
    const assertion = signJwt(lab.ctx.keys.testClient, {
      aud: `${ORIGIN}/${TENANT_ID}/v2.0`,
      iss: WEB,
      sub: WEB,
      jti: 'x',
      iat: now,
      exp: now + 60,
    });
    const res = await lab.token(`/contoso.onmicrosoft.com/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: WEB,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: `${EXO}/.default`,
    });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(3600);
    expect(claimsOf(lab, res.body.access_token)).toMatchObject({
      aud: EXO,
      appidacr: '2',
      roles: ['full_access_as_app'],
    });
  });

  test('errors: /common (AADSTS9001023), a scope without /.default (1002012), a public client (7000218)', async () => {
    const lab = createLab();
    const base = {
      grant_type: 'client_credentials',
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
    };
    expectError(
      await lab.token('/common/oauth2/v2.0/token', {
        ...base,
        scope: 'https://graph.microsoft.com/.default',
      }),
      'invalid_request',
      9001023,
    );
    expectError(
      await lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
        ...base,
        scope: 'https://graph.microsoft.com/User.Read',
      }),
      'invalid_scope',
      1002012,
    );
    const pub = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: OUTLOOK,
      resource: 'https://graph.microsoft.com',
    });
    expect(pub.status).toBe(401);
    expectError(pub, 'invalid_client', 7000218);
  });
});

describe('device code', () => {
  /** Approves a user code at the device code page; alice's TOTP is of `otpAtMs` (default the lab's time). */
  async function approve(
    lab: Lab,
    userCode: string,
    user: 'dave' | 'alice' = 'dave',
    otpAtMs = lab.ctx.clock.now(),
  ) {
    const { browser } = lab;
    const codePage = await browser.get(`${ORIGIN}/common/oauth2/deviceauth`);
    expect(browser.form(codePage, 'otc').action).toBe(`${ORIGIN}/common/oauth2/deviceauth`);
    const signIn = await browser.submit(codePage, { otc: userCode });
    expect(signIn.status).toBe(200);
    if (user === 'dave') {
      const password = await browser.submit(signIn, { login: 'dave@fabrikam.com' });
      return browser.submit(password, { passwd: 'Passw0rd!' });
    }
    const toAdfs = await browser.submit(signIn, { login: 'alice@contoso.com' });
    const wresult = buildWresult({
      key: lab.ctx.keys.adfs,
      nowMs: lab.ctx.clock.now(),
      upn: 'alice@contoso.com',
    });
    const mfa = await browser.post(`${ORIGIN}/login.srf`, {
      wa: 'wsignin1.0',
      wresult,
      wctx: new URL(toAdfs.location!).searchParams.get('wctx')!,
    });
    return browser.submit(mfa, { otc: totp('JBSWY3DPEHPK3PXP', otpAtMs) });
  }

  test('v2: pending, slow_down, approval on the code page, tokens, single use', async () => {
    const lab = createLab();
    const start = await lab.token('/organizations/oauth2/v2.0/devicecode', {
      client_id: OUTLOOK,
      scope: 'https://outlook.office.com/EAS.AccessAsUser.All offline_access openid',
    });
    expect(start.status).toBe(200);
    expect(start.body).toMatchObject({
      expires_in: 900,
      interval: 5,
      verification_uri: `${ORIGIN}/common/oauth2/deviceauth`,
    });
    expect(start.body.user_code).toMatch(/^[A-Z0-9]{9}$/);
    expect(String(start.body.message)).toContain(String(start.body.user_code));
    const poll = () =>
      lab.token('/organizations/oauth2/v2.0/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: OUTLOOK,
        device_code: start.body.device_code as string,
      });
    expectError(await poll(), 'authorization_pending', 70016);
    expectError(await poll(), 'slow_down', 70025);
    await lab.ctx.clock.advance('5s');
    expectError(await poll(), 'authorization_pending', 70016);
    const done = await approve(lab, String(start.body.user_code).toLowerCase());
    expect(done.status).toBe(200);
    expect(done.body).toContain(
      'You have signed in to the Outlook Mobile application on your device',
    );
    await lab.ctx.clock.advance('5s');
    const tokens = await poll();
    expect(tokens.status).toBe(200);
    expect(tokens.body.refresh_token).toMatch(/^1\.A/);
    expect(claimsOf(lab, tokens.body.id_token).preferred_username).toBe('dave@fabrikam.com');
    expect(claimsOf(lab, tokens.body.access_token).amr).toEqual(['pwd']);
    await lab.ctx.clock.advance('5s');
    expectError(await poll(), 'invalid_grant', 70000);
  });

  test("polling at the interval in the machine's time is not slow_down, though the lab's clock stands", async () => {
    const lab = createLab({ deviceCodeIntervalS: 1 });
    const start = await lab.token('/organizations/oauth2/v2.0/devicecode', {
      client_id: OUTLOOK,
      scope: 'https://outlook.office.com/EAS.AccessAsUser.All',
    });
    const poll = () =>
      lab.token('/organizations/oauth2/v2.0/token', {
        grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        client_id: OUTLOOK,
        device_code: start.body.device_code as string,
      });
    const clockBefore = lab.ctx.clock.now();
    expectError(await poll(), 'authorization_pending', 70016);
    await new Promise((resolve) => setTimeout(resolve, 1_050));
    expectError(await poll(), 'authorization_pending', 70016);
    expectError(await poll(), 'slow_down', 70025);
    expect(lab.ctx.clock.now()).toBe(clockBefore);
  });

  test.each([
    ["'lab-or-machine' (the default): accepted", {}, true],
    ["'lab': refused (50074)", { clientClock: 'lab' as const }, false],
  ])(
    "an authenticator app's code of the machine's time after the lab's clock travelled, clientClock %s",
    async (_name, config, accepted) => {
      const lab = createLab(config);
      await lab.ctx.clock.advance('2h');
      const start = await lab.token('/common/oauth2/devicecode', {
        client_id: OUTLOOK,
        resource: 'https://outlook.office365.com',
      });
      const done = await approve(lab, String(start.body.user_code), 'alice', Date.now());
      if (accepted) {
        expect(done.body).toContain('You have signed in');
      } else {
        expect(done.body).toContain('data-error-code="50074"');
      }
    },
  );

  test('v1 (ADAL): verification_url, numbers as strings, grant_type=device_code&code=', async () => {
    const lab = createLab();
    const start = await lab.token('/common/oauth2/devicecode', {
      client_id: OUTLOOK,
      resource: 'https://outlook.office365.com',
    });
    expect(start.body).toMatchObject({
      expires_in: '900',
      interval: '5',
      verification_url: `${ORIGIN}/common/oauth2/deviceauth`,
    });
    await approve(lab, String(start.body.user_code), 'alice');
    const tokens = await lab.token('/common/oauth2/token', {
      grant_type: 'device_code',
      client_id: OUTLOOK,
      code: start.body.device_code as string,
      resource: 'https://outlook.office365.com',
    });
    expect(tokens.status).toBe(200);
    expect(tokens.body.expires_in).toBe('3600');
    expect(claimsOf(lab, tokens.body.access_token).amr).toEqual(['fed', 'pwd', 'mfa', 'otp']);
  });

  test('an expired device code is expired_token; a wrong user code is shown on the page', async () => {
    const lab = createLab();
    const start = await lab.token('/common/oauth2/v2.0/devicecode', {
      client_id: OUTLOOK,
      scope: 'openid',
    });
    const wrong = await lab.browser.post(`${ORIGIN}/common/oauth2/deviceauth`, { otc: 'NOPE' });
    expect(wrong.status).toBe(200);
    expect(pageErrorCode(wrong)).toBe('70018');
    await lab.ctx.clock.advance('16m');
    const late = await lab.browser.post(`${ORIGIN}/common/oauth2/deviceauth`, {
      otc: String(start.body.user_code),
    });
    expect(pageError(late)).toMatch(/expired/);
    const poll = await lab.token('/common/oauth2/v2.0/token', {
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      client_id: OUTLOOK,
      device_code: start.body.device_code as string,
    });
    expectError(poll, 'expired_token', 70019);
  });
});

describe('password (ROPC)', () => {
  const ropc = (lab: Lab, username: string, password: string, extra: Record<string, string> = {}) =>
    lab.token('/common/oauth2/token', {
      grant_type: 'password',
      client_id: OUTLOOK,
      username,
      password,
      resource: 'https://outlook.office365.com',
      ...extra,
    });

  test('a managed user gets tokens with amr pwd', async () => {
    const lab = createLab();
    const res = await ropc(lab, 'dave@fabrikam.com', 'Passw0rd!');
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toBeDefined();
    expect(claimsOf(lab, res.body.access_token)).toMatchObject({
      amr: ['pwd'],
      upn: 'dave@fabrikam.com',
    });
  });

  test('a federated user is refused (AADSTS50126)', async () => {
    const lab = createLab();
    const res = await ropc(lab, 'bob@contoso.com', 'Passw0rd!');
    expectError(res, 'invalid_grant', 50126);
    expect(String(res.body.error_description)).toMatch(/federated/);
  });

  test('wrong password 50126, unknown user 50034, disabled 50057', async () => {
    const lab = createLab();
    expectError(await ropc(lab, 'dave@fabrikam.com', 'nope'), 'invalid_grant', 50126);
    expectError(await ropc(lab, 'eve@fabrikam.com', 'x'), 'invalid_grant', 50034);
    lab.ctx.directory.setDisabled('dave@fabrikam.com', true);
    expectError(await ropc(lab, 'dave@fabrikam.com', 'Passw0rd!'), 'invalid_grant', 50057);
  });

  test('a user conditional access requires MFA for is AADSTS50076 with suberror basic_action', async () => {
    const lab = createLab(
      {},
      {
        scenario: (input) => {
          input.conditionalAccess = [
            {
              name: 'MFA',
              users: { include: ['dave@fabrikam.com'] },
              applications: { include: ['All'] },
              grant: { controls: ['mfa'] },
            },
          ];
          input.users.find((u) => u.upn === 'dave@fabrikam.com')!.mfa = {
            method: 'totp',
            secret: 'JBSWY3DPEHPK3PXP',
          };
        },
      },
    );
    const res = await ropc(lab, 'dave@fabrikam.com', 'Passw0rd!');
    expectError(res, 'invalid_grant', 50076);
    expect(res.body.suberror).toBe('basic_action');
    expect(typeof res.body.claims).toBe('string');
  });

  test('v2 ROPC for Graph with openid', async () => {
    const lab = createLab();
    const res = await lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
      grant_type: 'password',
      client_id: OUTLOOK,
      username: 'dave@fabrikam.com',
      password: 'Passw0rd!',
      scope: 'User.Read openid',
    });
    expect(res.status).toBe(200);
    expect(res.body.scope).toBe('User.Read openid');
    expect(res.body.refresh_token).toBeUndefined();
    expect(claimsOf(lab, res.body.access_token)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      scp: 'User.Read',
    });
    expect(GRAPH).toBeTruthy();
  });
});

describe('home realm discovery endpoints', () => {
  test('getuserrealm.srf: federated, managed, unknown', async () => {
    const lab = createLab();
    const get = async (login: string) =>
      (await (
        await lab.ctx.fetchFor('client')(
          `${ORIGIN}/getuserrealm.srf?login=${encodeURIComponent(login)}&json=1`,
        )
      ).json()) as Record<string, unknown>;
    expect(await get('alice@contoso.com')).toMatchObject({
      NameSpaceType: 'Federated',
      DomainName: 'contoso.com',
      FederationBrandName: 'Contoso',
      CloudInstanceIssuerUri: 'urn:federation:MicrosoftOnline',
      AuthURL: expect.stringMatching(
        /^https:\/\/sts\.contoso\.com\/adfs\/ls\/\?username=alice%40contoso\.com&wa=wsignin1\.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=$/,
      ),
    });
    expect(await get('dave@fabrikam.com')).toMatchObject({
      NameSpaceType: 'Managed',
      DomainName: 'fabrikam.com',
    });
    expect(await get('x@nowhere.example')).toMatchObject({ NameSpaceType: 'Unknown' });
  });

  test('common/userrealm: the 1.0 shape MSAL and ADAL read, the 2.1 shape otherwise', async () => {
    const lab = createLab();
    const get = async (login: string, version: string) =>
      (await (
        await lab.ctx.fetchFor('client')(
          `${ORIGIN}/common/UserRealm/${encodeURIComponent(login)}?api-version=${version}`,
        )
      ).json()) as Record<string, unknown>;
    expect(await get('dave@fabrikam.com', '1.0')).toEqual({
      ver: '1.0',
      account_type: 'Managed',
      domain_name: 'fabrikam.com',
      cloud_instance_name: 'microsoftonline.com',
      cloud_audience_urn: 'urn:federation:MicrosoftOnline',
    });
    expect(await get('alice@contoso.com', '1.0')).toEqual({
      ver: '1.0',
      account_type: 'Federated',
      domain_name: 'contoso.com',
      federation_protocol: 'WSTrust',
      federation_metadata_url: 'https://sts.contoso.com/adfs/services/trust/mex',
      federation_active_auth_url: 'https://sts.contoso.com/adfs/services/trust/2005/usernamemixed',
      cloud_instance_name: 'microsoftonline.com',
      cloud_audience_urn: 'urn:federation:MicrosoftOnline',
    });
    expect(await get('x@nowhere.example', '1.0')).toMatchObject({ account_type: 'Unknown' });
    expect(await get('dave@fabrikam.com', '2.1')).toMatchObject({
      NameSpaceType: 'Managed',
      Login: 'dave@fabrikam.com',
    });
  });

  test('GetCredentialType: exists, federation redirect with the sign-in ctx, unknown', async () => {
    const lab = createLab();
    const post = async (body: Record<string, unknown>) =>
      (await (
        await lab.ctx.fetchFor('client')(`${ORIGIN}/common/GetCredentialType?mkt=en-US`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json()) as {
        IfExistsResult: number;
        Credentials: { FederationRedirectUrl?: string };
        EstsProperties: { DomainType: number };
      };
    const alice = await post({
      username: 'alice@contoso.com',
      originalRequest: 'CTX123',
      isOtherIdpSupported: true,
    });
    expect(alice.IfExistsResult).toBe(0);
    expect(alice.Credentials.FederationRedirectUrl).toMatch(
      /&wctx=CTX123&username=alice%40contoso\.com$/,
    );
    expect(alice.EstsProperties.DomainType).toBe(4);
    const dave = await post({ username: 'dave@fabrikam.com' });
    expect(dave).toMatchObject({ IfExistsResult: 0, EstsProperties: { DomainType: 3 } });
    expect(dave.Credentials.FederationRedirectUrl).toBeUndefined();
    expect((await post({ username: 'eve@fabrikam.com' })).IfExistsResult).toBe(1);
  });

  test('the signing-key-rotation fault rotates the key on the lab clock', async () => {
    const { createTestContext } = await import('@hma-lab/core');
    const { createEntra } = await import('@hma-lab/entra');
    const ctx = createTestContext();
    ctx.faults.on('signing-key-rotation', { after: '2h' });
    const entra = createEntra(ctx.depsFor('entra'));
    const before = ctx.keys.entra.active().kid;
    await ctx.clock.advance('1h');
    expect(ctx.keys.entra.active().kid).toBe(before);
    await ctx.clock.advance('1h');
    expect(ctx.keys.entra.active().kid).not.toBe(before);
    await entra.close();
  });
});
