import { constants, createHash, sign } from 'node:crypto';
import { signJwt, WELL_KNOWN_APPS, LAB_WEB_APP_SECRET, type SigningKey } from '@hma-lab/core';
import {
  claimsOf,
  createLab,
  OUTLOOK,
  OUTLOOK_REDIRECT,
  outlookAuthorizeUrl,
  redeemOutlookCode,
  redirectParams,
  signInAlice,
  signInDave,
  TENANT_ID,
  VERIFIER,
  type Lab,
} from './support/lab.js';

const WEB = WELL_KNOWN_APPS.labWebApp;
const GRAPH = WELL_KNOWN_APPS.graph;

async function daveCode(lab: Lab, extra: Record<string, string> = {}): Promise<string> {
  const done = await signInDave(
    lab,
    outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com', ...extra }),
  );
  return redirectParams(done.location!).get('code')!;
}

async function daveTokens(lab: Lab) {
  const t = await redeemOutlookCode(lab, await daveCode(lab));
  expect(t.status).toBe(200);
  return t.body;
}

function refresh(lab: Lab, refreshToken: string, extra: Record<string, string> = {}) {
  return lab.token('/common/oauth2/token', {
    grant_type: 'refresh_token',
    client_id: OUTLOOK,
    refresh_token: refreshToken,
    resource: 'https://outlook.office365.com',
    ...extra,
  });
}

/** Signs dave in, redeems the code and refreshes once with the refresh token it gave. */
async function redeemAndRotate(lab: Lab) {
  const code = await daveCode(lab);
  const first = await redeemOutlookCode(lab, code);
  const rotated = await refresh(lab, first.body.refresh_token as string);
  expect(rotated.status).toBe(200);
  return { code, first, rotated };
}

/** A refresh with `token` is refused as an unknown or revoked grant (AADSTS70000). */
async function expectRefreshRefused(lab: Lab, token: string) {
  expectError(await refresh(lab, token), 400, 'invalid_grant', 70000);
}

function expectError(
  res: { status: number; body: Record<string, unknown> },
  status: number,
  error: string,
  code: number,
) {
  expect({ status: res.status, error: res.body.error, codes: res.body.error_codes }).toEqual({
    status,
    error,
    codes: [code],
  });
  expect(String(res.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(res.body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.body.correlation_id).toMatch(/^[0-9a-f-]{36}$/);
  expect(res.body.timestamp).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  expect(res.body.error_uri).toBe(`https://login.microsoftonline.com/error?code=${code}`);
}

describe('authorization_code', () => {
  test('a replayed code is AADSTS54005 and revokes the refresh token it issued', async () => {
    const lab = createLab();
    const code = await daveCode(lab);
    const first = await redeemOutlookCode(lab, code);
    expect(first.status).toBe(200);
    const replay = await redeemOutlookCode(lab, code);
    expectError(replay, 400, 'invalid_grant', 54005);
    await expectRefreshRefused(lab, first.body.refresh_token as string);
  });

  test('a replay also revokes refresh tokens rotated from the first one', async () => {
    const lab = createLab();
    const { code, rotated } = await redeemAndRotate(lab);
    await redeemOutlookCode(lab, code);
    await expectRefreshRefused(lab, rotated.body.refresh_token as string);
  });

  test('a replay revokes the whole family even once its first refresh token was dropped', async () => {
    const lab = createLab({ refreshTokensPerFamily: 1 });
    const { code, first, rotated } = await redeemAndRotate(lab);
    // Only the newest token of the family is kept: the one the code issued is gone.
    await expectRefreshRefused(lab, first.body.refresh_token as string);
    await redeemOutlookCode(lab, code);
    await expectRefreshRefused(lab, rotated.body.refresh_token as string);
  });

  test.each([
    ['a wrong verifier', { code_verifier: 'x'.repeat(43) }],
    ['no verifier', { code_verifier: '' }],
  ])('PKCE: %s is AADSTS50148', async (_name, extra) => {
    const lab = createLab();
    const res = await redeemOutlookCode(lab, await daveCode(lab), extra);
    expectError(res, 400, 'invalid_grant', 50148);
  });

  test('PKCE mismatch code is configurable (501481)', async () => {
    const lab = createLab({ pkceMismatchCode: 501481 });
    const res = await redeemOutlookCode(lab, await daveCode(lab), {
      code_verifier: 'y'.repeat(43),
    });
    expectError(res, 400, 'invalid_grant', 501481);
  });

  test('PKCE plain works', async () => {
    const lab = createLab();
    const code = await daveCode(lab, { code_challenge: VERIFIER, code_challenge_method: 'plain' });
    expect((await redeemOutlookCode(lab, code)).status).toBe(200);
  });

  test('a different redirect_uri is AADSTS500112', async () => {
    const lab = createLab();
    const res = await redeemOutlookCode(lab, await daveCode(lab), {
      redirect_uri: 'urn:ietf:wg:oauth:2.0:oob',
    });
    expectError(res, 400, 'invalid_grant', 500112);
  });

  test('an expired code is AADSTS70008', async () => {
    const lab = createLab();
    const code = await daveCode(lab);
    await lab.ctx.clock.advance('11m');
    expectError(await redeemOutlookCode(lab, code), 400, 'invalid_grant', 70008);
  });

  test('a code redeemed by another client is AADSTS70000', async () => {
    const lab = createLab();
    const res = await redeemOutlookCode(lab, await daveCode(lab), {
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
    });
    expectError(res, 400, 'invalid_grant', 70000);
  });

  test('garbage and unknown codes', async () => {
    const lab = createLab();
    expectError(await redeemOutlookCode(lab, 'garbage'), 400, 'invalid_request', 9002313);
    expectError(await redeemOutlookCode(lab, `1.A${'a'.repeat(60)}`), 400, 'invalid_grant', 70000);
  });

  test('a code issued before a password change is refused (AADSTS50173)', async () => {
    const lab = createLab();
    const code = await daveCode(lab);
    lab.ctx.directory.changePassword('dave@fabrikam.com', 'N3w-Passw0rd!');
    expectError(await redeemOutlookCode(lab, code), 400, 'invalid_grant', 50173);
  });

  test('v2: integer lifetimes, qualified scope, refresh token only with offline_access, id_token with openid and nonce', async () => {
    const lab = createLab();
    const url = (scope: string) =>
      `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/authorize?` +
      new URLSearchParams({
        client_id: OUTLOOK,
        response_type: 'code',
        redirect_uri: OUTLOOK_REDIRECT,
        scope,
        nonce: 'nonce-1',
        code_challenge: redirectParams(outlookAuthorizeUrl()).get('code_challenge') ?? '',
        code_challenge_method: 'S256',
        login_hint: 'dave@fabrikam.com',
      });
    const redeem = (code: string) =>
      lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
        grant_type: 'authorization_code',
        client_id: OUTLOOK,
        code,
        redirect_uri: OUTLOOK_REDIRECT,
        code_verifier: VERIFIER,
        client_info: '1',
      });
    const full = await signInDave(
      lab,
      url('https://outlook.office.com/EAS.AccessAsUser.All openid profile offline_access'),
    );
    const t = await redeem(redirectParams(full.location!).get('code')!);
    expect(t.status).toBe(200);
    expect(t.body.expires_in).toBe(3600);
    expect(t.body.ext_expires_in).toBe(3600);
    expect(t.body.resource).toBeUndefined();
    expect(String(t.body.scope).split(' ')).toEqual(
      expect.arrayContaining([
        'https://outlook.office.com/EAS.AccessAsUser.All',
        'openid',
        'profile',
        'offline_access',
      ]),
    );
    expect(t.body.refresh_token).toMatch(/^1\.A/);
    const id = claimsOf(lab, t.body.id_token);
    expect(id).toMatchObject({
      iss: `https://login.microsoftonline.com/${TENANT_ID}/v2.0`,
      aud: OUTLOOK,
      tid: TENANT_ID,
      oid: 'da7e0000-5e7a-4b1c-9d2e-00000000da7e',
      preferred_username: 'dave@fabrikam.com',
      name: 'Dave Fischer',
      nonce: 'nonce-1',
      ver: '2.0',
    });
    expect(JSON.parse(Buffer.from(String(t.body.client_info), 'base64url').toString())).toEqual({
      uid: 'da7e0000-5e7a-4b1c-9d2e-00000000da7e',
      utid: TENANT_ID,
    });
    // Exchange Online takes v1 tokens, whichever endpoint issued them.
    expect(claimsOf(lab, t.body.access_token)).toMatchObject({
      aud: 'https://outlook.office.com',
      ver: '1.0',
    });

    lab.browser.cookies.clear();
    const bare = await signInDave(lab, url('https://outlook.office.com/EAS.AccessAsUser.All'));
    const t2 = await redeem(redirectParams(bare.location!).get('code')!);
    expect(t2.status).toBe(200);
    expect(t2.body.refresh_token).toBeUndefined();
    expect(t2.body.id_token).toBeUndefined();
  });

  test('v2 access tokens for resources configured as v2', async () => {
    const lab = createLab({ v2AccessTokenResources: [GRAPH] });
    const done = await signInDave(
      lab,
      outlookAuthorizeUrl({
        login_hint: 'dave@fabrikam.com',
        resource: 'https://graph.microsoft.com',
      }),
    );
    const t = await redeemOutlookCode(lab, redirectParams(done.location!).get('code')!, {
      resource: 'https://graph.microsoft.com',
    });
    expect(claimsOf(lab, t.body.access_token)).toMatchObject({
      aud: GRAPH,
      azp: OUTLOOK,
      azpacr: '0',
      preferred_username: 'dave@fabrikam.com',
      ver: '2.0',
      scp: 'User.Read',
    });
  });
});

describe('refresh_token', () => {
  test('rotation: a new refresh token each time; the old one keeps working (as Entra)', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    const a = await refresh(lab, first.refresh_token as string);
    expect(a.status).toBe(200);
    expect(a.body.refresh_token).not.toBe(first.refresh_token);
    expect((await refresh(lab, first.refresh_token as string)).status).toBe(200);
  });

  test('a family keeps its most recently issued or redeemed refresh tokens (refreshTokensPerFamily); others are refused as unknown', async () => {
    const lab = createLab({ refreshTokensPerFamily: 2 });
    const first = await daveTokens(lab);
    const a = await refresh(lab, first.refresh_token as string);
    const b = await refresh(lab, a.body.refresh_token as string);
    expect([a.status, b.status]).toEqual([200, 200]);
    await expectRefreshRefused(lab, first.refresh_token as string);
    // Redeeming a makes it the family's most recent: b is now the one dropped.
    const c = await refresh(lab, a.body.refresh_token as string);
    expect(c.status).toBe(200);
    await expectRefreshRefused(lab, b.body.refresh_token as string);
    // Renewing for a simulated day does not pile up tokens.
    let latest = c.body.refresh_token as string;
    for (let hour = 0; hour < 24; hour++) {
      await lab.ctx.clock.advance('1h');
      const next = await refresh(lab, latest);
      expect(next.status).toBe(200);
      latest = next.body.refresh_token as string;
    }
    expect(lab.entra.stats().refreshTokens).toBe(2);
  });

  test('a client that keeps redeeming one refresh token keeps it (default cap of 16)', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    const issued = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const next = await refresh(lab, first.refresh_token as string);
      expect(next.status).toBe(200);
      issued.add(next.body.refresh_token as string);
    }
    expect(issued.size).toBe(40);
    expect(lab.entra.stats().refreshTokens).toBe(16);
  });

  test('refreshTokensPerFamily 0 keeps every refresh token, as Entra does', async () => {
    const lab = createLab({ refreshTokensPerFamily: 0 });
    const first = await daveTokens(lab);
    let latest = first.refresh_token as string;
    for (let i = 0; i < 20; i++) {
      latest = (await refresh(lab, latest)).body.refresh_token as string;
    }
    expect((await refresh(lab, first.refresh_token as string)).status).toBe(200);
    expect(lab.entra.stats().refreshTokens).toBe(22);
  });

  test('revokeRotatedRefreshTokens makes a used refresh token single-use', async () => {
    const lab = createLab({ revokeRotatedRefreshTokens: true });
    const first = await daveTokens(lab);
    expect((await refresh(lab, first.refresh_token as string)).status).toBe(200);
    await expectRefreshRefused(lab, first.refresh_token as string);
  });

  test('multi-resource refresh: a v1 refresh token buys a token for another consented resource', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    const graph = await refresh(lab, first.refresh_token as string, {
      resource: 'https://graph.microsoft.com',
    });
    expect(graph.status).toBe(200);
    expect(graph.body.resource).toBe('https://graph.microsoft.com');
    expect(claimsOf(lab, graph.body.access_token)).toMatchObject({
      aud: 'https://graph.microsoft.com',
      scp: 'User.Read',
    });
    const notConsented = await refresh(lab, first.refresh_token as string, {
      resource: 'api://hma-lab-web',
    });
    expectError(notConsented, 400, 'invalid_grant', 65001);
    const unknown = await refresh(lab, first.refresh_token as string, {
      resource: 'https://nothing.example',
    });
    expectError(unknown, 400, 'invalid_resource', 500011);
  });

  test('after a password change the refresh token fails (AADSTS50173) but the access token still verifies', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    await lab.ctx.clock.advance('5m');
    lab.ctx.directory.changePassword('dave@fabrikam.com', 'N3w-Passw0rd!');
    const res = await refresh(lab, first.refresh_token as string);
    expectError(res, 400, 'invalid_grant', 50173);
    expect(String(res.body.error_description)).toMatch(/TokensValidFrom/);
    expect(claimsOf(lab, first.access_token).upn).toBe('dave@fabrikam.com');
    const revokedEvent = lab.ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'entra.grants.revoked');
    expect(revokedEvent).toBeDefined();
  });

  test('revoke sessions: refresh fails and the session no longer signs in silently', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    lab.ctx.directory.revokeSessions('dave@fabrikam.com');
    expectError(await refresh(lab, first.refresh_token as string), 400, 'invalid_grant', 50173);
    const page = await lab.browser.get(outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com' }));
    expect(page.status).toBe(200);
  });

  test('a disabled user cannot refresh (AADSTS50057)', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    lab.ctx.directory.setDisabled('dave@fabrikam.com', true);
    expectError(await refresh(lab, first.refresh_token as string), 400, 'invalid_grant', 50057);
  });

  test('inactivity beyond 14 days is AADSTS700082', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    await lab.ctx.clock.advance('14d1h');
    expectError(await refresh(lab, first.refresh_token as string), 400, 'invalid_grant', 700082);
  });

  test('used every 10 days a refresh token lives until the 90-day maximum age (AADSTS70008)', async () => {
    const lab = createLab();
    let rt = (await daveTokens(lab)).refresh_token as string;
    for (let day = 10; day <= 90; day += 10) {
      await lab.ctx.clock.advance('10d');
      const res = await refresh(lab, rt);
      expect(res.status).toBe(200);
      rt = res.body.refresh_token as string;
    }
    await lab.ctx.clock.advance('1d');
    expectError(await refresh(lab, rt), 400, 'invalid_grant', 70008);
  });

  test('a refresh token of another client is AADSTS70000', async () => {
    const lab = createLab();
    const first = await daveTokens(lab);
    const res = await lab.token('/common/oauth2/token', {
      grant_type: 'refresh_token',
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
      refresh_token: first.refresh_token as string,
    });
    expectError(res, 400, 'invalid_grant', 70000);
  });

  test('refreshing into a resource whose policy needs MFA the grant lacks is interaction_required', async () => {
    const lab = createLab(
      {},
      {
        scenario: (input) => {
          input.conditionalAccess = [
            {
              name: 'MFA for Graph',
              users: { include: ['dave@fabrikam.com'] },
              applications: { include: [GRAPH] },
              grant: { controls: ['mfa'] },
            },
          ];
        },
      },
    );
    const first = await daveTokens(lab);
    const v1 = await refresh(lab, first.refresh_token as string, {
      resource: 'https://graph.microsoft.com',
    });
    expectError(v1, 400, 'interaction_required', 50079);
  });
});

describe('client authentication', () => {
  async function webCode(lab: Lab): Promise<string> {
    const done = await signInDave(
      lab,
      outlookAuthorizeUrl({
        client_id: WEB,
        redirect_uri: 'https://app.contoso.com/callback',
        resource: 'https://graph.microsoft.com',
        login_hint: 'dave@fabrikam.com',
      }),
    );
    return redirectParams(done.location!).get('code')!;
  }

  function redeemWeb(
    lab: Lab,
    code: string,
    extra: Record<string, string>,
    headers: Record<string, string> = {},
  ) {
    return lab.token(
      '/common/oauth2/token',
      {
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://app.contoso.com/callback',
        code_verifier: VERIFIER,
        ...extra,
      },
      headers,
    );
  }

  test('client_secret_post and client_secret_basic', async () => {
    const lab = createLab();
    const post = await redeemWeb(lab, await webCode(lab), {
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
    });
    expect(post.status).toBe(200);
    expect(claimsOf(lab, post.body.access_token).appidacr).toBe('1');
    const basic = await redeemWeb(
      lab,
      await webCode(lab),
      {},
      {
        authorization: `Basic ${Buffer.from(`${WEB}:${encodeURIComponent(LAB_WEB_APP_SECRET)}`).toString('base64')}`,
      },
    );
    expect(basic.status).toBe(200);
  });

  test('private_key_jwt with the registered certificate gives appidacr 2', async () => {
    const lab = createLab();
    const key = lab.ctx.keys.testClient;
    const now = Math.floor(lab.ctx.clock.now() / 1000);
    const assertion = signJwt(key, {
      aud: `https://login.microsoftonline.com/common/oauth2/token`,
      iss: WEB,
      sub: WEB,
      jti: 'j1',
      nbf: now,
      exp: now + 600,
    });
    const res = await redeemWeb(lab, await webCode(lab), {
      client_id: WEB,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
    });
    expect(res.status).toBe(200);
    expect(claimsOf(lab, res.body.access_token).appidacr).toBe('2');
  });

  describe('certificate assertions as MSAL and older clients write them', () => {
    /** A client assertion with this header, signed PKCS#1 v1.5 or PSS (SHA-256). */
    function assertionWith(
      lab: Lab,
      header: Record<string, unknown>,
      padding: 'pkcs1' | 'pss',
      key: SigningKey = lab.ctx.keys.testClient,
      dateMs = lab.ctx.clock.now(),
    ): string {
      const now = Math.floor(dateMs / 1000);
      const claims = {
        aud: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
        iss: WEB,
        sub: WEB,
        jti: 'j2',
        nbf: now,
        exp: now + 600,
      };
      const input = [header, claims]
        .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
        .join('.');
      const signature = sign(
        'sha256',
        Buffer.from(input),
        padding === 'pss'
          ? {
              key: key.privateKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            }
          : key.privateKey,
      );
      return `${input}.${signature.toString('base64url')}`;
    }
    const sha256Thumbprint = (key: SigningKey) =>
      createHash('sha256').update(Buffer.from(key.certificateBase64, 'base64')).digest('base64url');
    const redeemWith = async (lab: Lab, assertion: string) =>
      redeemWeb(lab, await webCode(lab), {
        client_id: WEB,
        client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
        client_assertion: assertion,
      });

    test.each([
      ['PS256 with x5t#S256 (MSAL with a SHA-256 thumbprint)', 'PS256', 'x5t#S256', 'pss'],
      ['PS256 with a SHA-1 x5t', 'PS256', 'x5t', 'pss'],
      ['RS256 with x5t#S256', 'RS256', 'x5t#S256', 'pkcs1'],
      ['RS256 with x5t as padded base64url (MSAL for Python)', 'RS256', 'x5t=', 'pkcs1'],
      ['RS256 with x5t in the standard base64 alphabet', 'RS256', 'x5t+/', 'pkcs1'],
      ['RS256 with x5t in hex', 'RS256', 'x5t-hex', 'pkcs1'],
    ] as const)('%s is accepted', async (_name, alg, id, padding) => {
      const lab = createLab();
      const key = lab.ctx.keys.testClient;
      const sha1 = createHash('sha1').update(Buffer.from(key.certificateBase64, 'base64')).digest();
      const written = {
        x5t: key.x5t,
        'x5t=': `${key.x5t}=`,
        'x5t+/': sha1.toString('base64'),
        'x5t-hex': sha1.toString('hex').toUpperCase(),
        'x5t#S256': sha256Thumbprint(key),
      }[id];
      const header = { alg, typ: 'JWT', [id === 'x5t#S256' ? id : 'x5t']: written };
      const res = await redeemWith(lab, assertionWith(lab, header, padding));
      expect(res.status).toBe(200);
      expect(claimsOf(lab, res.body.access_token).appidacr).toBe('2');
    });

    test.each([
      ["'lab-or-machine' (the default): accepted", {}, 200],
      ["'lab': AADSTS700024", { clientClock: 'lab' as const }, 401],
    ])(
      "after the lab's clock travels 2 h, an assertion dated by the machine's clock, clientClock %s",
      async (_name, config, status) => {
        const lab = createLab(config);
        await lab.ctx.clock.advance('2h');
        const key = lab.ctx.keys.testClient;
        const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': sha256Thumbprint(key) };
        const res = await redeemWith(lab, assertionWith(lab, header, 'pss', key, Date.now()));
        expect(res.status).toBe(status);
        if (status === 401) expectError(res, 401, 'invalid_client', 700024);
      },
    );

    test('an assertion valid by neither clock is AADSTS700024', async () => {
      const lab = createLab();
      const key = lab.ctx.keys.testClient;
      const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': sha256Thumbprint(key) };
      const yesterday = Math.min(Date.now(), lab.ctx.clock.now()) - 86_400_000;
      const res = await redeemWith(lab, assertionWith(lab, header, 'pss', key, yesterday));
      expectError(res, 401, 'invalid_client', 700024);
    });

    test('a PSS signature under an RS256 header does not verify (AADSTS700027)', async () => {
      const lab = createLab();
      const header = {
        alg: 'RS256',
        typ: 'JWT',
        'x5t#S256': sha256Thumbprint(lab.ctx.keys.testClient),
      };
      const res = await redeemWith(lab, assertionWith(lab, header, 'pss'));
      expectError(res, 401, 'invalid_client', 700027);
      expect(String(res.body.error_description)).toContain('signature does not match');
    });

    test('an algorithm other than PS256 and RS256 is refused by name (AADSTS700027)', async () => {
      const lab = createLab();
      const header = { alg: 'HS256', typ: 'JWT', x5t: lab.ctx.keys.testClient.x5t };
      const res = await redeemWith(lab, assertionWith(lab, header, 'pkcs1'));
      expectError(res, 401, 'invalid_client', 700027);
      expect(String(res.body.error_description)).toContain("algorithm 'HS256' is not supported");
    });

    test('a certificate identifier that is not a string is AADSTS700027', async () => {
      const lab = createLab();
      const header = { alg: 'RS256', typ: 'JWT', x5t: [lab.ctx.keys.testClient.x5t] };
      const res = await redeemWith(lab, assertionWith(lab, header, 'pkcs1'));
      expectError(res, 401, 'invalid_client', 700027);
      expect(String(res.body.error_description)).toContain("'x5t' is not a string");
    });

    test('x5t#S256 of a certificate the app did not register is AADSTS700027', async () => {
      const lab = createLab();
      const other = lab.ctx.keys.adfs;
      const header = { alg: 'PS256', typ: 'JWT', 'x5t#S256': sha256Thumbprint(other) };
      const res = await redeemWith(lab, assertionWith(lab, header, 'pss', other));
      expectError(res, 401, 'invalid_client', 700027);
      expect(String(res.body.error_description)).toContain('is not registered on application');
    });
  });

  test.each([
    ['no credentials', {}, 7000218],
    ['a wrong secret', { client_secret: 'wrong' }, 7000215],
    ['an assertion signed by an unregistered key', { assertionKey: 'adfs' }, 700027],
    ['an expired assertion', { expired: '1' }, 700024],
    ['an assertion for another audience', { aud: 'https://login.example.org/token' }, 50027],
  ])('%s is 401 invalid_client (AADSTS%s)', async (_name, options, code) => {
    const lab = createLab();
    const opts = options as Record<string, string>;
    const extra: Record<string, string> = { client_id: WEB };
    if (opts.client_secret) extra.client_secret = opts.client_secret;
    if (opts.assertionKey || opts.expired || opts.aud) {
      const key = opts.assertionKey ? lab.ctx.keys.adfs : lab.ctx.keys.testClient;
      const now = Math.floor(lab.ctx.clock.now() / 1000);
      extra.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
      extra.client_assertion = signJwt(key, {
        aud: opts.aud ?? `https://login.microsoftonline.com/${TENANT_ID}/oauth2/token`,
        iss: WEB,
        sub: WEB,
        nbf: now - 7200,
        exp: opts.expired ? now - 3600 : now + 600,
      });
    }
    const res = await redeemWeb(lab, await webCode(lab), extra);
    expectError(res, 401, 'invalid_client', code);
  });

  test('a public client sending a secret is AADSTS700025', async () => {
    const lab = createLab();
    const res = await redeemOutlookCode(lab, await daveCode(lab), { client_secret: 'x' });
    expectError(res, 401, 'invalid_client', 700025);
  });

  test('an unknown client is AADSTS700016', async () => {
    const lab = createLab();
    const res = await redeemOutlookCode(lab, 'x', {
      client_id: '11111111-2222-3333-4444-555555555555',
    });
    expectError(res, 400, 'unauthorized_client', 700016);
  });
});

describe('token endpoint hygiene', () => {
  test('missing grant_type, unsupported grant, JSON body, GET', async () => {
    const lab = createLab();
    expectError(
      await lab.token('/common/oauth2/token', { client_id: OUTLOOK }),
      400,
      'invalid_request',
      900144,
    );
    expectError(
      await lab.token('/common/oauth2/token', { client_id: OUTLOOK, grant_type: 'urn:x:nope' }),
      400,
      'unsupported_grant_type',
      70003,
    );
    const json = await lab.ctx.fetchFor('client')(
      'https://login.microsoftonline.com/common/oauth2/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'refresh_token' }),
      },
    );
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error_codes: number[] }).error_codes).toEqual([900144]);
    const badJson = await lab.ctx.fetchFor('client')(
      'https://login.microsoftonline.com/common/oauth2/token',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{nope',
      },
    );
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as { error: string }).error).toBe('invalid_request');
    const get = await lab.ctx.fetchFor('client')(
      'https://login.microsoftonline.com/common/oauth2/token',
    );
    expect(get.status).toBe(400);
    expect(((await get.json()) as { error_codes: number[] }).error_codes).toEqual([900561]);
  });

  test('client-request-id becomes the correlation id; client library extras are ignored', async () => {
    const lab = createLab();
    const code = await daveCode(lab);
    const correlation = '0f1e2d3c-4b5a-4697-8877-665544332211';
    const res = await redeemOutlookCode(
      lab,
      code,
      {
        'x-client-SKU': 'MSAL.iOS',
        'x-client-Ver': '1.2',
        claims: '{"access_token":{"xms_cc":{"values":["cp1"]}}}',
        clidata: 'abc',
        'client-request-id': correlation,
      },
      {
        'X-AnchorMailbox': 'UPN:dave@fabrikam.com',
        'client-request-id': correlation,
        'x-client-OS': 'iOS 17',
      },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('client-request-id')).toBe(correlation);
    const replay = await redeemOutlookCode(lab, code, {}, { 'client-request-id': correlation });
    expect(replay.body.correlation_id).toBe(correlation);
    expect(String(replay.body.error_description)).toContain(`Correlation ID: ${correlation}`);
  });

  test('two labs in one process do not share grants', async () => {
    const a = createLab();
    const b = createLab();
    const code = await daveCode(a);
    expectError(await redeemOutlookCode(b, code), 400, 'invalid_grant', 70000);
    expect((await redeemOutlookCode(a, code)).status).toBe(200);
  });

  test('the error lookup page explains a code', async () => {
    const lab = createLab();
    const res = await lab.ctx.fetchFor('client')(
      'https://login.microsoftonline.com/error?code=54005',
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('already redeemed');
  });

  test('a code redeemed at the tenant-id v1 endpoint without resource is for the authorize resource', async () => {
    const lab = createLab();
    const { final } = await signInAlice(lab);
    const res = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'authorization_code',
      client_id: OUTLOOK,
      code: redirectParams(final.location!).get('code')!,
      redirect_uri: OUTLOOK_REDIRECT,
      code_verifier: VERIFIER,
    });
    expect(res.status).toBe(200);
    expect(res.body.resource).toBe('https://outlook.office365.com');
    expect(claimsOf(lab, res.body.access_token).amr).toEqual(['fed', 'pwd', 'mfa', 'otp']);
  });
});
