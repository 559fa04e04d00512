import { decodeJwt, signJwt, WELL_KNOWN_APPS } from '@hma-lab/core';
import {
  claimsOf,
  createLab,
  EXO,
  EXO_CLIENT_SECRET,
  exoOnBehalfOf,
  exoRefresh,
  outlookAuthorizeUrl,
  redeemOutlookCode,
  redirectParams,
  signInAlice,
  signInDave,
  TENANT_ID,
  type Lab,
} from './support/lab.js';

const GRAPH = WELL_KNOWN_APPS.graph;

async function aliceAt1(lab: Lab): Promise<string> {
  const { final } = await signInAlice(lab);
  const t = await redeemOutlookCode(lab, redirectParams(final.location!).get('code')!);
  return t.body.access_token as string;
}

async function daveAt1(lab: Lab): Promise<string> {
  const done = await signInDave(lab, outlookAuthorizeUrl({ login_hint: 'dave@fabrikam.com' }));
  const t = await redeemOutlookCode(lab, redirectParams(done.location!).get('code')!);
  return t.body.access_token as string;
}

function expectError(
  res: { status: number; body: Record<string, unknown> },
  error: string,
  code: number,
) {
  expect({ status: res.status, error: res.body.error, codes: res.body.error_codes }).toEqual({
    status: 400,
    error,
    codes: [code],
  });
}

/** Re-signs (or not) a modified copy of a token's claims. */
function forge(
  lab: Lab,
  token: string,
  change: (claims: Record<string, unknown>) => void,
  sign = true,
): string {
  const decoded = decodeJwt(token)!;
  const claims = { ...decoded.claims };
  change(claims);
  if (sign) return signJwt(lab.ctx.keys.entra.active(), claims);
  const [h, , s] = token.split('.');
  return `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
}

describe('on-behalf-of (flow-map step 17)', () => {
  test('returns AT2 and RT2; RT2 refreshes with the middle tier secret', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    const obo = await exoOnBehalfOf(lab, at1);
    expect(obo.status).toBe(200);
    expect(obo.body.token_type).toBe('Bearer');
    expect(obo.body.id_token).toBeUndefined();
    expect(claimsOf(lab, obo.body.access_token)).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: EXO,
    });
    const events = lab.ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'entra.obo.issued');
    expect(events).toHaveLength(1);
    const noSecret = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'refresh_token',
      client_id: EXO,
      refresh_token: obo.body.refresh_token as string,
    });
    expect(noSecret.status).toBe(401);
    expect(noSecret.body.error_codes).toEqual([7000218]);
    const renewed = await exoRefresh(lab, obo.body.refresh_token as string);
    expect(renewed.status).toBe(200);
    expect(claimsOf(lab, renewed.body.access_token)).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: EXO,
    });
    expect(renewed.body.refresh_token).toEqual(expect.any(String));
    // The on-behalf-of call sent no id_token (no scope=openid), so neither does its RT2.
    expect(renewed.body.id_token).toBeUndefined();
  });

  test('an RT2 from an on-behalf-of call with scope=openid keeps sending an id_token', async () => {
    const lab = createLab();
    const obo = await exoOnBehalfOf(lab, await aliceAt1(lab), { scope: 'openid' });
    expect(claimsOf(lab, obo.body.id_token)).toMatchObject({ upn: 'alice@contoso.com' });
    const renewed = await exoRefresh(lab, obo.body.refresh_token as string);
    expect(renewed.status).toBe(200);
    expect(claimsOf(lab, renewed.body.id_token)).toMatchObject({ upn: 'alice@contoso.com' });
  });

  test('an ID token addressed to the middle tier is no assertion (AADSTS50013): access tokens only', async () => {
    const lab = createLab();
    const obo = await exoOnBehalfOf(lab, await aliceAt1(lab), { scope: 'openid' });
    const idToken = obo.body.id_token as string;
    expect(claimsOf(lab, idToken)).toMatchObject({ aud: EXO, upn: 'alice@contoso.com' });
    const res = await exoOnBehalfOf(lab, idToken);
    expectError(res, 'invalid_grant', 50013);
    expect(String(res.body.error_description)).toMatch(/not an access token/);
  });

  test('an expired assertion is AADSTS500133', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    await lab.ctx.clock.advance('66m');
    expectError(await exoOnBehalfOf(lab, at1), 'invalid_grant', 500133);
  });

  test('an assertion addressed to another app is AADSTS50013', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    const obo = await exoOnBehalfOf(lab, at1);
    // AT2 (aud https://mail.contoso.com, an SPN, not an identifier URI of Exchange Online) as the assertion.
    const res = await exoOnBehalfOf(lab, obo.body.access_token as string);
    expectError(res, 'invalid_grant', 50013);
    expect(String(res.body.error_description)).toMatch(/Assertion audience does not match/);
    const graphToken = forge(lab, at1, (c) => (c.aud = 'https://graph.microsoft.com'));
    expectError(await exoOnBehalfOf(lab, graphToken), 'invalid_grant', 50013);
  });

  test('a tampered assertion is AADSTS50013 (signature)', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    const tampered = forge(lab, at1, (c) => (c.upn = 'bob@contoso.com'), false);
    const res = await exoOnBehalfOf(lab, tampered);
    expectError(res, 'invalid_grant', 50013);
    expect(String(res.body.error_description)).toMatch(/signature/);
  });

  test('an assertion signed by an unknown key or from another tenant is AADSTS50013', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    const decoded = decodeJwt(at1)!;
    const foreignKey = signJwt(lab.ctx.keys.testClient, decoded.claims);
    expectError(await exoOnBehalfOf(lab, foreignKey), 'invalid_grant', 50013);
    const otherTenant = forge(
      lab,
      at1,
      (c) => (c.iss = 'https://sts.windows.net/00000000-0000-0000-0000-000000000000/'),
    );
    expectError(await exoOnBehalfOf(lab, otherTenant), 'invalid_grant', 50013);
    expectError(await exoOnBehalfOf(lab, 'not-a-jwt'), 'invalid_grant', 50013);
  });

  test('a downstream resource without service principal is AADSTS500011', async () => {
    const lab = createLab();
    const res = await exoOnBehalfOf(lab, await aliceAt1(lab), {
      resource: 'https://mail.fabrikam.example',
    });
    expectError(res, 'invalid_resource', 500011);
  });

  test('fault onprem-spns-missing: the on-premises namespace is no resource (AADSTS500011), the app still is', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    lab.ctx.faults.on('onprem-spns-missing');
    const refused = await exoOnBehalfOf(lab, at1);
    expectError(refused, 'invalid_resource', 500011);
    expect(String(refused.body.error_description)).toContain(
      'The resource principal named https://mail.contoso.com was not found',
    );
    // Found by its appId and identifier URI as before: only the registered namespaces are gone.
    for (const resource of [EXO, 'https://outlook.office365.com/']) {
      expect((await exoOnBehalfOf(lab, at1, { resource })).status).toBe(200);
    }
    lab.ctx.faults.off('onprem-spns-missing');
    expect(claimsOf(lab, (await exoOnBehalfOf(lab, at1)).body.access_token).aud).toBe(
      'https://mail.contoso.com',
    );
  });

  test('a disabled user is refused (AADSTS50057)', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    lab.ctx.directory.setDisabled('alice@contoso.com', true);
    expectError(await exoOnBehalfOf(lab, at1), 'invalid_grant', 50057);
  });

  test('after a password change the still-valid AT1 still works for OBO', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    lab.ctx.directory.changePassword('alice@contoso.com', 'N3w-Passw0rd!');
    expect((await exoOnBehalfOf(lab, at1)).status).toBe(200);
  });

  test('downstream conditional access needing MFA the assertion lacks is interaction_required with a claims challenge', async () => {
    const lab = createLab(
      {},
      {
        scenario: (input) => {
          const exo = input.apps.find((a) => a.appId === EXO)!;
          exo.requiredResourceAccess = [
            ...(exo.requiredResourceAccess ?? []),
            { resourceAppId: GRAPH, scopes: ['User.Read'] },
          ];
          input.conditionalAccess = [
            {
              name: 'MFA for Graph',
              users: { include: ['All'] },
              applications: { include: ['https://graph.microsoft.com'] },
              grant: { controls: ['mfa'] },
            },
          ];
          const dave = input.users.find((u) => u.upn === 'dave@fabrikam.com')!;
          dave.mfa = { method: 'totp', secret: 'JBSWY3DPEHPK3PXP' };
        },
      },
    );
    const at1 = await daveAt1(lab);
    const res = await exoOnBehalfOf(lab, at1, { resource: 'https://graph.microsoft.com' });
    expectError(res, 'interaction_required', 50076);
    const claims = JSON.parse(String(res.body.claims)) as {
      access_token: { capolids: { essential: boolean; values: string[] } };
    };
    expect(claims.access_token.capolids.essential).toBe(true);
    expect(claims.access_token.capolids.values[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a user without a registered MFA method gets AADSTS50079 from OBO', async () => {
    const lab = createLab(
      {},
      {
        scenario: (input) => {
          input.conditionalAccess = [
            {
              name: 'MFA for on-prem',
              users: { include: ['dave@fabrikam.com'] },
              applications: { include: [EXO] },
              clientApps: ['browser'],
              grant: { controls: ['mfa'] },
            },
          ];
        },
      },
    );
    // The policy targets browser apps only, so Outlook mobile (a public client) signs in without MFA;
    // on-behalf-of matches any client app type.
    const at1 = await daveAt1(lab);
    const res = await exoOnBehalfOf(lab, at1);
    expectError(res, 'interaction_required', 50079);
    expect(res.body.claims).toBeDefined();
  });

  test('protocol errors: missing assertion, wrong requested_token_use, public client', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    expectError(await exoOnBehalfOf(lab, ''), 'invalid_request', 900144);
    expectError(
      await exoOnBehalfOf(lab, at1, { requested_token_use: 'x' }),
      'invalid_request',
      900144,
    );
    const publicClient = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: '27922004-5251-4030-b22d-91ecd9a37ea4',
      assertion: at1,
      requested_token_use: 'on_behalf_of',
      resource: 'https://mail.contoso.com',
    });
    expect(publicClient.status).toBe(401);
    expect(publicClient.body.error_codes).toEqual([7000218]);
  });

  test('v2 on-behalf-of: scope, integer lifetimes, refresh token with offline_access', async () => {
    const lab = createLab();
    const at1 = await aliceAt1(lab);
    const res = await lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: EXO,
      client_secret: EXO_CLIENT_SECRET,
      assertion: at1,
      requested_token_use: 'on_behalf_of',
      scope: 'https://mail.contoso.com/.default offline_access',
    });
    expect(res.status).toBe(200);
    expect(res.body.expires_in).toBe(3600);
    expect(res.body.refresh_token).toMatch(/^1\.A/);
    // The consented scopes, then the .default asked for (as Entra lists it), then offline_access.
    expect(String(res.body.scope).split(' ')).toEqual([
      'https://mail.contoso.com/EAS.AccessAsUser.All',
      'https://mail.contoso.com/EWS.AccessAsUser.All',
      'https://mail.contoso.com/.default',
      'offline_access',
    ]);
    expect(claimsOf(lab, res.body.access_token).aud).toBe('https://mail.contoso.com');
  });
});
