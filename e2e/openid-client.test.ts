import * as client from 'openid-client';
import {
  decodeJwt,
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
  WELL_KNOWN_APPS,
  type LabFetch,
} from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import { approveDeviceCode, createTlsLab, signInToRedirect } from './helpers.js';

/**
 * openid-client 6, unchanged, against the whole lab over HTTPS on loopback:
 * every service listens with a certificate from the lab's CA, and the
 * client's customFetch is the lab's fetch, which routes the real Entra host
 * names to those ports and trusts only that CA.
 */
const WEB = WELL_KNOWN_APPS.labWebApp;
const REDIRECT = 'http://localhost:53682/callback';
const ORIGIN = 'https://login.microsoftonline.com';

describe('openid-client 6 against the lab over HTTPS on loopback', () => {
  let lab: Lab;
  let clientFetch: LabFetch;
  let options: Record<symbol, unknown>;
  const calls: string[] = [];

  beforeAll(async () => {
    lab = await createTlsLab();
    expect(Object.values(lab.services).every((url) => url!.startsWith('https://127.0.0.1:'))).toBe(
      true,
    );
    clientFetch = lab.fetchAs('client');
    options = {
      [client.customFetch]: (url: string, init: RequestInit) => {
        calls.push(`${init.method ?? 'GET'} ${url}`);
        return clientFetch(url, init);
      },
    };
  });
  afterAll(() => lab?.close());

  const tid = () => lab.scenario.tenant.id;

  /** Signs dave (managed, no MFA) in through the lab's HTML pages, as a person at a browser. */
  const signIn = (authorizationUrl: URL, redirectUri = REDIRECT): Promise<URL> =>
    signInToRedirect(clientFetch, authorizationUrl.href, { upn: 'dave@fabrikam.com', redirectUri });

  const discover = (
    issuer: string,
    clientId: string = WEB,
    secret: string | client.ClientAuth = LAB_WEB_APP_SECRET,
  ) =>
    typeof secret === 'string'
      ? client.discovery(new URL(issuer), clientId, secret, undefined, options)
      : client.discovery(new URL(issuer), clientId, {}, secret, options);

  /** dave signed in by code + PKCE (S256) for `scope`, checking `state` and `nonce` when given: the tokens. */
  async function codeGrant(
    config: client.Configuration,
    scope: string,
    checks: { state?: string; nonce?: string } = {},
  ): Promise<client.TokenEndpointResponse & client.TokenEndpointResponseHelpers> {
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      login_hint: 'dave@fabrikam.com',
      ...checks,
    });
    return client.authorizationCodeGrant(config, await signIn(url), {
      pkceCodeVerifier: verifier,
      ...(checks.state ? { expectedState: checks.state } : {}),
      ...(checks.nonce ? { expectedNonce: checks.nonce } : {}),
    });
  }

  it.each([
    ['the tenant id, v2', (t: string) => `${ORIGIN}/${t}/v2.0`],
    ['the tenant domain, v2', () => `${ORIGIN}/contoso.onmicrosoft.com/v2.0`],
    ['common, v2', () => `${ORIGIN}/common/v2.0`],
    ['organizations, v2', () => `${ORIGIN}/organizations/v2.0`],
    ['common, v1', () => `${ORIGIN}/common`],
    ['the tenant id, v1', (t: string) => `${ORIGIN}/${t}`],
  ])('discovers the issuer form of %s', async (_name, issuer) => {
    const config = await discover(issuer(tid()));
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toContain(tid());
    expect(metadata.token_endpoint).toMatch(/^https:\/\/login\.microsoftonline\.com\/.+\/token$/);
    expect(metadata.jwks_uri).toMatch(/^https:\/\/login\.microsoftonline\.com\//);
  });

  it('code + PKCE with state and nonce, then refresh with rotation', async () => {
    const config = await discover(`${ORIGIN}/${tid()}/v2.0`);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const tokens = await codeGrant(config, 'openid profile offline_access User.Read', {
      state,
      nonce,
    });
    expect(tokens.claims()).toMatchObject({
      preferred_username: 'dave@fabrikam.com',
      nonce,
      tid: tid(),
      ver: '2.0',
    });
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(refreshed.access_token)?.claims.aud).toBe('https://graph.microsoft.com');
  });

  it('on-behalf-of through the generic grant, as Exchange Online does at step 17', async () => {
    const web = await discover(`${ORIGIN}/${tid()}/v2.0`);
    const first = await codeGrant(web, 'https://outlook.office.com/EAS.AccessAsUser.All openid');
    const exo = await discover(
      `${ORIGIN}/${tid()}/v2.0`,
      WELL_KNOWN_APPS.exchangeOnline,
      EXO_CLIENT_SECRET,
    );
    const second = await client.genericGrantRequest(
      exo,
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      {
        assertion: first.access_token,
        requested_token_use: 'on_behalf_of',
        scope: 'https://mail.contoso.com/.default offline_access',
      },
    );
    expect(decodeJwt(second.access_token)?.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
    });
    expect(second.refresh_token).toBeTruthy();
  });

  it('client credentials with a secret and with private_key_jwt', async () => {
    const bySecret = await client.clientCredentialsGrant(
      await discover(`${ORIGIN}/${tid()}/v2.0`),
      {
        scope: 'https://graph.microsoft.com/.default',
      },
    );
    expect(decodeJwt(bySecret.access_token)?.claims).toMatchObject({ appidacr: '1', appid: WEB });
    const key = lab.keys.testClient;
    const signingKey = await crypto.subtle.importKey(
      'pkcs8',
      key.privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const byCertificate = await client.clientCredentialsGrant(
      await discover(
        `${ORIGIN}/${tid()}/v2.0`,
        WEB,
        client.PrivateKeyJwt({ key: signingKey, kid: key.kid }),
      ),
      { scope: 'https://graph.microsoft.com/.default' },
    );
    expect(decodeJwt(byCertificate.access_token)?.claims).toMatchObject({
      appidacr: '2',
      appid: WEB,
    });
  });

  it('device code', async () => {
    const config = await discover(`${ORIGIN}/organizations/v2.0`);
    const start = await client.initiateDeviceAuthorization(config, {
      scope: 'openid offline_access User.Read',
    });
    await approveDeviceCode(clientFetch, start.verification_uri, start.user_code);
    // The user approved before the first poll: no need to wait for the interval.
    const tokens = await client.pollDeviceAuthorizationGrant(config, { ...start, interval: 0 });
    expect(tokens.claims()?.preferred_username).toBe('dave@fabrikam.com');
  });

  it("after the lab's clock travels, given the lab's offset as its clock skew", async () => {
    await lab.clock.advance('3h');
    // openid-client dates its checks (and its own assertions) by the machine's
    // clock; the lab's is 3 h ahead, which the client is told.
    const skew = Math.round((lab.clock.now() - Date.now()) / 1000);
    expect(skew).toBeGreaterThan(3 * 3600 - 600);
    const config = await client.discovery(
      new URL(`${ORIGIN}/${tid()}/v2.0`),
      WEB,
      { client_secret: LAB_WEB_APP_SECRET, [client.clockSkew]: skew },
      undefined,
      options,
    );
    const tokens = await codeGrant(config, 'openid profile', { nonce: client.randomNonce() });
    const claims = tokens.claims()!;
    expect(claims.iat).toBeGreaterThanOrEqual(Math.floor(lab.clock.now() / 1000) - 1);
    expect(claims.iat).toBeGreaterThan(Date.now() / 1000 + 3 * 3600 - 60);
  });

  it('every request went over HTTPS to the lab', () => {
    expect(calls.length).toBeGreaterThan(15);
    expect(
      calls.every((c) => / https:\/\/login\.(microsoftonline\.com|windows\.net)\//.test(c)),
    ).toBe(true);
    expect(
      lab.trace
        .exchanges()
        .filter((e) => e.from === 'client')
        .every((e) => e.status > 0),
    ).toBe(true);
  });
});
