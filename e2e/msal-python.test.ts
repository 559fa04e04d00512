import { EXO_CLIENT_SECRET, LAB_WEB_APP_SECRET, WELL_KNOWN_APPS } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import {
  callsBesideIdentity,
  certificateSettings,
  clientCalls,
  createPythonLab,
  pythonCase,
  runPythonClient,
  withMfaUser,
  type PythonCaseResult,
} from './helpers.js';

/**
 * MSAL for Python (Debian's python3-msal, installed by
 * scripts/ensure-system-deps.sh), unchanged, against the lab over HTTPS on
 * loopback: e2e/python/msal_client.py runs MSAL with its own transport
 * (requests), every connection to an emulated host name reaching the lab's
 * front door as a hosts file would send it (the real name in SNI and Host,
 * only the lab's CA trusted). MSAL discovers the tenant from the lab's
 * metadata and checks every ID token (issuer, audience, nonce, times) itself.
 */
/** What client.py reports of one MSAL answer: the error fields, or the tokens' claims. */
interface Summary {
  error?: string;
  error_codes?: number[];
  suberror?: string;
  claims?: string;
  scope?: string;
  access_token?: string;
  access_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  has_refresh_token?: boolean;
}

interface AuthCodeCase {
  result: Summary;
  accounts: Array<{ username: string; home_account_id: string; environment: string }>;
  cached_same: boolean;
  refreshed: Summary;
}

const REDIRECT = 'http://localhost/callback';

describe('MSAL for Python against the lab over HTTPS on loopback', () => {
  let lab: Lab;
  let results: Record<string, PythonCaseResult> = {};

  beforeAll(async () => {
    lab = await createPythonLab(withMfaUser());
    results = await runPythonClient('msal_client.py', lab, {
      webApp: WELL_KNOWN_APPS.labWebApp,
      webSecret: LAB_WEB_APP_SECRET,
      outlookApp: WELL_KNOWN_APPS.outlookMobile,
      exoApp: WELL_KNOWN_APPS.exchangeOnline,
      exoSecret: EXO_CLIENT_SECRET,
      redirectUri: REDIRECT,
      ...certificateSettings(lab),
    });
  }, 60_000);
  afterAll(() => lab?.close());

  const ok = <T = Summary>(name: string): T => pythonCase<T>(results, name);
  const tid = () => lab.scenario.tenant.id;

  it("discovers the tenant from the lab's OpenID metadata", () => {
    expect(ok<Record<string, string>>('discovery')).toEqual({
      authorization_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/authorize`,
      token_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/token`,
      device_authorization_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/devicecode`,
      tenant: tid(),
    });
    expect(clientCalls(lab)).toContain(
      `GET https://login.microsoftonline.com/${tid()}/v2.0/.well-known/openid-configuration`,
    );
  });

  it('client credentials with a secret', () => {
    expect(ok('client_secret')).toMatchObject({
      access_claims: {
        aud: 'https://graph.microsoft.com',
        appid: WELL_KNOWN_APPS.labWebApp,
        appidacr: '1',
      },
    });
  });

  it('client credentials with a certificate (RS256, x5t as padded base64url)', () => {
    expect(ok('client_certificate')).toMatchObject({ access_claims: { appidacr: '2' } });
  });

  it('authorization code with PKCE, state and nonce; its cache; a refresh', () => {
    const result = ok<AuthCodeCase>('auth_code');
    const dave = lab.scenario.users.find((u) => u.upn === 'dave@fabrikam.com')!;
    // MSAL checked the ID token's issuer against the discovered one, its audience and nonce.
    expect(result.result.id_token_claims).toMatchObject({
      iss: `https://login.microsoftonline.com/${tid()}/v2.0`,
      aud: WELL_KNOWN_APPS.labWebApp,
      oid: dave.objectId,
      ver: '2.0',
    });
    expect(result.accounts).toEqual([
      {
        username: 'dave@fabrikam.com',
        home_account_id: `${dave.objectId}.${tid()}`,
        environment: 'login.microsoftonline.com',
      },
    ]);
    expect(result.cached_same).toBe(true);
    expect(result.refreshed.access_token).not.toBe(result.result.access_token);
    expect(result.refreshed.has_refresh_token).toBe(true);
  });

  it('a password sign-in (ROPC), then on-behalf-of as Exchange Online does at step 17', () => {
    const { at1, at2 } = ok<Record<'at1' | 'at2', Summary>>('password_then_obo');
    expect(at1.access_claims).toMatchObject({
      aud: 'https://outlook.office.com',
      appid: WELL_KNOWN_APPS.outlookMobile,
      upn: 'dave@fabrikam.com',
    });
    expect(at2.access_claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
      upn: 'dave@fabrikam.com',
    });
    expect(at2.scope).toContain('https://mail.contoso.com/.default');
    expect(clientCalls(lab)).toContain(
      'GET https://login.microsoftonline.com/common/userrealm/dave@fabrikam.com',
    );
  });

  it('errors in the shape MSAL hands to the application', () => {
    const errors = ok<Record<string, Summary>>('password_errors');
    expect(errors.wrong_password).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
    expect(errors.mfa_required).toMatchObject({
      error: 'invalid_grant',
      error_codes: [50076],
      suberror: 'basic_action',
    });
    expect(JSON.parse(errors.mfa_required!.claims!)).toMatchObject({
      access_token: { capolids: { essential: true } },
    });
    expect(errors.unknown_user).toMatchObject({ error: 'invalid_grant', error_codes: [50034] });
  });

  it('a federated password sign-in: MEX and WS-Trust 1.3 at AD FS, then the SAML bearer grant', () => {
    const result =
      ok<
        Record<
          'bob' | 'alice_mfa' | 'wrong_password',
          Summary & { raised?: string; message?: string }
        >
      >('federated_password');
    expect(result.bob.access_claims).toMatchObject({
      aud: 'https://outlook.office.com',
      upn: 'bob@contoso.com',
      amr: ['fed', 'pwd'],
    });
    expect(result.bob.has_refresh_token).toBe(true);
    // Conditional access applies to the redeemed assertion as to a password grant.
    expect(result.alice_mfa).toMatchObject({
      error: 'invalid_grant',
      error_codes: [50076],
      suberror: 'basic_action',
    });
    // AD FS's SOAP fault, as MSAL reports it.
    expect(result.wrong_password).toMatchObject({ raised: 'RuntimeError' });
    expect(result.wrong_password.message).toContain('ID3242');
    const calls = clientCalls(lab);
    expect(calls).toContain('GET https://sts.contoso.com/adfs/services/trust/mex');
    expect(calls).toContain('POST https://sts.contoso.com/adfs/services/trust/13/usernamemixed');
    // The password crossed to AD FS but the trace kept none of it.
    const wsTrust = lab.trace.exchanges().filter((e) => e.url.includes('/usernamemixed'));
    expect(wsTrust.length).toBeGreaterThan(0);
    for (const exchange of wsTrust) {
      expect(exchange.requestBody?.text).not.toContain('Passw0rd!');
      expect(exchange.secrets.map((secret) => secret.name)).toContain('Password');
    }
  });

  it('device code, approved at the lab pages while MSAL polls', () => {
    expect(ok('device_code').access_claims).toMatchObject({
      aud: 'https://outlook.office.com',
      upn: 'dave@fabrikam.com',
    });
  });

  it('every request went to the lab over HTTPS, by the real host names', () => {
    const calls = clientCalls(lab);
    expect(calls.length).toBeGreaterThan(10);
    expect(callsBesideIdentity(lab)).toEqual([]);
  });
});
