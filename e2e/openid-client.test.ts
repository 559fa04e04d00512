import * as client from 'openid-client';
import { LAB_WEB_APP_SECRET, WELL_KNOWN_APPS } from '@hma-lab/core';
import { createLab, type Lab } from '@hma-lab/lab';
import { createBrowser, type BrowserResult } from '@hma-lab/outlook-mobile';

const REDIRECT_URI = 'http://localhost:53682/callback';

/** Signs dave in through the lab's pages the way a person at a browser would. */
async function signInAsDave(lab: Lab, authorizationUrl: URL): Promise<URL> {
  const browser = createBrowser({ fetch: lab.fetchAs('client'), redirectUri: REDIRECT_URI });
  let result: BrowserResult = await browser.open(authorizationUrl.href);
  for (let i = 0; i < 5 && result.kind === 'page'; i++) {
    const form = result.page.forms.find((f) => f.visible.length > 0) ?? result.page.forms[0];
    if (!form) throw new Error(`no form on ${result.page.url}: ${result.page.errors.join(' ')}`);
    const fields: Record<string, string> = {};
    if ('login' in form.fields) fields.login = 'dave@fabrikam.com';
    if ('passwd' in form.fields) fields.passwd = 'Passw0rd!';
    result = await browser.submit(result.page, form, fields);
  }
  if (result.kind !== 'redirect-uri') throw new Error('sign-in did not reach the redirect URI');
  return new URL(result.url);
}

describe("openid-client 6 against the lab's entra", () => {
  let lab: Lab;
  let config: client.Configuration;

  beforeAll(async () => {
    lab = await createLab({ mode: 'loopback' });
    const issuer = new URL(`https://login.microsoftonline.com/${lab.scenario.tenant.id}/v2.0`);
    config = await client.discovery(
      issuer,
      WELL_KNOWN_APPS.labWebApp,
      LAB_WEB_APP_SECRET,
      undefined,
      {
        // openid-client speaks to the real host names; the lab routes them to its loopback ports.
        [client.customFetch]: (url, options) => lab.fetchAs('client')(url, options as RequestInit),
      },
    );
  });
  afterAll(() => lab?.close());

  it('discovers entra', () => {
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(
      `https://login.microsoftonline.com/${lab.scenario.tenant.id}/v2.0`,
    );
    expect(metadata.token_endpoint).toBe(
      `https://login.microsoftonline.com/${lab.scenario.tenant.id}/oauth2/v2.0/token`,
    );
    expect(metadata.code_challenge_methods_supported ?? ['S256']).toContain('S256');
  });

  it('completes code + PKCE with state and nonce, then refreshes', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile offline_access User.Read',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: 'dave@fabrikam.com',
    });
    const callback = await signInAsDave(lab, url);
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
    });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.claims()).toMatchObject({
      preferred_username: 'dave@fabrikam.com',
      nonce,
      tid: lab.scenario.tenant.id,
    });
    expect(tokens.refresh_token).toBeTruthy();

    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).toBeTruthy();
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.refresh_token).toBeTruthy();
  });
});
