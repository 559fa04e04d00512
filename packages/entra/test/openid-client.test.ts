import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as client from 'openid-client';
import {
  decodeJwt,
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
  WELL_KNOWN_APPS,
  type LabFetch,
} from '@hma-lab/core';
import { Browser, type Page } from './support/browser.js';
import { createLab, EXO, ORIGIN, TENANT_ID, type Lab } from './support/lab.js';

/**
 * openid-client 6 as a real client against the app on a real loopback
 * socket: its customFetch carries the real Entra host names to our port
 * (the host name travels in x-hma-lab-host). The HTTPS-on-loopback variant is
 * the e2e suite's job.
 */
const WEB = WELL_KNOWN_APPS.labWebApp;
const REDIRECT = 'http://localhost:3000/callback';

describe('openid-client 6 against the mock Entra over loopback HTTP', () => {
  let lab: Lab;
  let server: Server;
  let port = 0;
  const seen: string[] = [];

  const toLoopback = (input: string | URL): { url: string; host: string } => {
    const url = new URL(typeof input === 'string' ? input : input.href);
    if (
      !['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'].includes(
        url.hostname,
      )
    ) {
      throw new Error(`unexpected host ${url.hostname}`);
    }
    return { url: `http://127.0.0.1:${port}${url.pathname}${url.search}`, host: url.host };
  };

  const customFetch = ((url: string, options: RequestInit) => {
    const target = toLoopback(url);
    seen.push(`${options.method ?? 'GET'} ${new URL(url).pathname}`);
    const headers = new Headers(options.headers);
    headers.set('x-hma-lab-host', target.host);
    return fetch(target.url, { ...options, headers });
  }) as unknown as client.CustomFetch;

  const browserFetch: LabFetch = (input, init = {}) => {
    const target = toLoopback(input);
    const headers = new Headers(init.headers);
    headers.set('x-hma-lab-host', target.host);
    return fetch(target.url, { ...init, headers });
  };

  beforeAll(async () => {
    lab = createLab({}, { startMs: Math.floor(Date.now() / 1000) * 1000 });
    server = lab.entra.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await lab.entra.close();
  });

  const options = { [client.customFetch]: customFetch };

  /** Drives the sign-in pages like a user; returns the callback URL. */
  async function signIn(url: URL, user: 'dave' | 'alice' = 'dave'): Promise<URL> {
    const browser = new Browser(browserFetch);
    let page: Page = await browser.get(url.href);
    expect(page.status).toBe(200);
    page = await browser.submit(page, { login: `${user}@fabrikam.com` });
    page = await browser.submit(page, { passwd: 'Passw0rd!' });
    expect(page.status).toBe(302);
    return new URL(page.location!);
  }

  test.each([
    `${ORIGIN}/${TENANT_ID}/v2.0`,
    `${ORIGIN}/common/v2.0`,
    `${ORIGIN}/organizations/v2.0`,
    `${ORIGIN}/contoso.onmicrosoft.com/v2.0`,
    `${ORIGIN}/common`,
    `${ORIGIN}/${TENANT_ID}`,
  ])('discovers %s', async (issuer) => {
    const config = await client.discovery(
      new URL(issuer),
      WEB,
      LAB_WEB_APP_SECRET,
      undefined,
      options,
    );
    const metadata = config.serverMetadata();
    expect(metadata.token_endpoint).toMatch(/^https:\/\/login\.microsoftonline\.com\/.+\/token$/);
    expect(metadata.issuer).toMatch(new RegExp(TENANT_ID));
  });

  test('code + PKCE with state and nonce, then refresh with rotation (v2, client_secret_basic)', async () => {
    const config = await client.discovery(
      new URL(`${ORIGIN}/common/v2.0`),
      WEB,
      {},
      client.ClientSecretBasic(LAB_WEB_APP_SECRET),
      options,
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile offline_access User.Read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: 'dave@fabrikam.com',
    });
    const callback = await signIn(url);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: `${ORIGIN}/${TENANT_ID}/v2.0`,
      aud: WEB,
      nonce,
      preferred_username: 'dave@fabrikam.com',
      tid: TENANT_ID,
    });
    expect(tokens.refresh_token).toBeDefined();

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).toBeDefined();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sub).toBe(claims.sub);
    expect(decodeJwt(refreshed.access_token)?.claims.aud).toBe('https://graph.microsoft.com');
  });

  test('v1 discovery and code flow: string lifetimes and the sts.windows.net issuer are accepted', async () => {
    const config = await client.discovery(
      new URL(`${ORIGIN}/common`),
      WEB,
      LAB_WEB_APP_SECRET,
      undefined,
      options,
    );
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      resource: 'https://outlook.office365.com',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      login_hint: 'dave@fabrikam.com',
    });
    const tokens = await client.authorizationCodeGrant(
      config,
      await signIn(url),
      { pkceCodeVerifier: verifier, expectedState: state },
      { resource: 'https://outlook.office365.com' },
    );
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.claims()?.iss).toBe(`https://sts.windows.net/${TENANT_ID}/`);
    expect(decodeJwt(tokens.access_token)?.claims.aud).toBe('https://outlook.office365.com');
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!, {
      resource: 'https://graph.microsoft.com',
    });
    expect(decodeJwt(refreshed.access_token)?.claims.aud).toBe('https://graph.microsoft.com');
  });

  test('on-behalf-of through the generic grant, as Exchange Online', async () => {
    const web = await client.discovery(
      new URL(`${ORIGIN}/${TENANT_ID}/v2.0`),
      WEB,
      LAB_WEB_APP_SECRET,
      undefined,
      options,
    );
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(web, {
      redirect_uri: REDIRECT,
      scope: 'https://outlook.office.com/EAS.AccessAsUser.All openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      login_hint: 'dave@fabrikam.com',
    });
    const at1 = await client.authorizationCodeGrant(web, await signIn(url), {
      pkceCodeVerifier: verifier,
      idTokenExpected: true,
    });
    const exo = await client.discovery(
      new URL(`${ORIGIN}/${TENANT_ID}/v2.0`),
      EXO,
      EXO_CLIENT_SECRET,
      undefined,
      options,
    );
    const at2 = await client.genericGrantRequest(
      exo,
      'urn:ietf:params:oauth:grant-type:jwt-bearer',
      {
        assertion: at1.access_token,
        requested_token_use: 'on_behalf_of',
        scope: 'https://mail.contoso.com/.default offline_access',
      },
    );
    expect(decodeJwt(at2.access_token)?.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: EXO,
    });
    expect(at2.refresh_token).toBeDefined();
  });

  test('client credentials with a secret and with private_key_jwt', async () => {
    const secret = await client.discovery(
      new URL(`${ORIGIN}/${TENANT_ID}/v2.0`),
      WEB,
      LAB_WEB_APP_SECRET,
      undefined,
      options,
    );
    const bySecret = await client.clientCredentialsGrant(secret, {
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(decodeJwt(bySecret.access_token)?.claims).toMatchObject({
      appidacr: '1',
      roles: ['User.Read.All'],
    });

    const key = lab.ctx.keys.testClient;
    const cryptoKey = await crypto.subtle.importKey(
      'pkcs8',
      key.privateKey.export({ format: 'der', type: 'pkcs8' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const byCert = await client.discovery(
      new URL(`${ORIGIN}/${TENANT_ID}/v2.0`),
      WEB,
      {},
      client.PrivateKeyJwt({ key: cryptoKey, kid: key.kid }),
      options,
    );
    const tokens = await client.clientCredentialsGrant(byCert, {
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(decodeJwt(tokens.access_token)?.claims).toMatchObject({ appidacr: '2', appid: WEB });
  });

  test('device code', async () => {
    const config = await client.discovery(
      new URL(`${ORIGIN}/organizations/v2.0`),
      WEB,
      LAB_WEB_APP_SECRET,
      undefined,
      options,
    );
    const start = await client.initiateDeviceAuthorization(config, {
      scope: 'openid offline_access User.Read',
    });
    const browser = new Browser(browserFetch);
    let page = await browser.get(start.verification_uri);
    page = await browser.submit(page, { otc: start.user_code });
    page = await browser.submit(page, { login: 'dave@fabrikam.com' });
    page = await browser.submit(page, { passwd: 'Passw0rd!' });
    expect(page.body).toContain('You have signed in');
    // The user approved before the first poll: no need to wait the interval in a test.
    const tokens = await client.pollDeviceAuthorizationGrant(config, { ...start, interval: 0 });
    expect(tokens.claims()?.preferred_username).toBe('dave@fabrikam.com');
  });

  test('every request of openid-client went to the loopback server', () => {
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.some((s) => s.endsWith('/token'))).toBe(true);
  });
});
