import { createHash, randomBytes } from 'node:crypto';
import {
  ConfidentialClientApplication,
  InteractionRequiredAuthError,
  PublicClientApplication,
  ServerError,
  type AccountInfo,
  type INetworkModule,
  type NetworkResponse,
} from '@azure/msal-node';
import {
  decodeJwt,
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
  WELL_KNOWN_APPS,
  type LabFetch,
} from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import {
  approveDeviceCode,
  createTlsLab,
  signInThroughPages,
  signInToRedirect,
  withMfaUser,
} from './helpers.js';

/**
 * MSAL Node, Microsoft's own client library, unchanged, against the whole lab
 * over HTTPS on loopback. Its `networkClient` (MSAL's hook for the HTTP
 * transport) is the lab's fetch, which routes the real Entra host names to
 * the lab's ports and trusts only the lab's CA: MSAL builds every request,
 * reads every answer and classifies every error itself.
 */
const WEB = WELL_KNOWN_APPS.labWebApp;
const OUTLOOK = WELL_KNOWN_APPS.outlookMobile;
const REDIRECT = 'http://localhost/callback';
const ORIGIN = 'https://login.microsoftonline.com';

describe('MSAL Node against the lab over HTTPS on loopback', () => {
  let lab: Lab;
  let clientFetch: LabFetch;
  const calls: string[] = [];
  /** The client assertions MSAL sent, in order. */
  const assertions: string[] = [];

  /** MSAL's network module on the lab's fetch: JSON bodies, lower-case header names. */
  const networkClient: INetworkModule = {
    sendGetRequestAsync: (url, options) => send(url, 'GET', options),
    sendPostRequestAsync: (url, options) => send(url, 'POST', options),
  };
  async function send<T>(
    url: string,
    method: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<NetworkResponse<T>> {
    calls.push(`${method} ${url}`);
    const assertion = new URLSearchParams(options?.body ?? '').get('client_assertion');
    if (assertion) assertions.push(assertion);
    const response = await clientFetch(url, {
      method,
      headers: options?.headers ?? {},
      ...(method === 'POST' ? { body: options?.body ?? '' } : {}),
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name.toLowerCase()] = value;
    });
    return { status: response.status, headers, body: (await response.json()) as T };
  }

  beforeAll(async () => {
    lab = await createTlsLab({
      scenario: withMfaUser(),
      // MSAL waits the announced interval before its first device code poll.
      services: { entra: { deviceCodeIntervalS: 1 } },
    });
    clientFetch = lab.fetchAs('client');
  });
  afterAll(() => lab?.close());

  const tid = () => lab.scenario.tenant.id;
  const system = () => ({ networkClient });

  const webApp = (authority = `${ORIGIN}/${tid()}`) =>
    new ConfidentialClientApplication({
      auth: { clientId: WEB, authority, clientSecret: LAB_WEB_APP_SECRET },
      system: system(),
    });

  /**
   * The app's authorization URL (PKCE S256, dave as the login hint), signed in
   * through the lab's pages: the URL, the redirect's parameters and the verifier.
   */
  async function signInForCode(
    app: ConfidentialClientApplication,
    scopes: string[],
    extra: { state?: string; nonce?: string } = {},
  ): Promise<{ url: string; back: URLSearchParams; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const url = await app.getAuthCodeUrl({
      scopes,
      redirectUri: REDIRECT,
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      codeChallengeMethod: 'S256',
      loginHint: 'dave@fabrikam.com',
      ...extra,
    });
    const reached = await signInToRedirect(clientFetch, url, {
      upn: 'dave@fabrikam.com',
      redirectUri: REDIRECT,
    });
    return { url, back: reached.searchParams, verifier };
  }

  it('authorization code with PKCE, state and nonce, then a silent refresh from its cache', async () => {
    const app = webApp();
    const state = randomBytes(8).toString('hex');
    const nonce = randomBytes(8).toString('hex');
    const scopes = ['User.Read'];
    const { url, back, verifier } = await signInForCode(app, scopes, { state, nonce });
    expect(new URL(url).searchParams.get('client_info')).toBe('1');
    expect(back.get('state')).toBe(state);
    const result = await app.acquireTokenByCode(
      {
        code: back.get('code')!,
        scopes,
        redirectUri: REDIRECT,
        codeVerifier: verifier,
        state,
        nonce,
      },
      {
        code: back.get('code')!,
        state: back.get('state')!,
        client_info: back.get('client_info') ?? undefined,
      },
    );
    const dave = lab.scenario.users.find((u) => u.upn === 'dave@fabrikam.com')!;
    // The account MSAL keys its cache by comes from client_info: uid.utid.
    expect(result.account).toMatchObject({
      homeAccountId: `${dave.objectId}.${tid()}`,
      localAccountId: dave.objectId,
      tenantId: tid(),
      username: 'dave@fabrikam.com',
      // MSAL keys its cache by instance discovery's preferred_cache alias.
      environment: 'login.windows.net',
    });
    expect(result.idTokenClaims).toMatchObject({ nonce, tid: tid(), ver: '2.0' });
    expect(result.scopes).toEqual(expect.arrayContaining(['User.Read']));
    expect(decodeJwt(result.accessToken)?.claims.aud).toBe('https://graph.microsoft.com');

    // From the cache, without a request; then forced to use the refresh token.
    const before = calls.length;
    const cached = await app.acquireTokenSilent({ account: result.account!, scopes });
    expect(cached.fromCache).toBe(true);
    expect(calls.length).toBe(before);
    const refreshed = await app.acquireTokenSilent({
      account: result.account!,
      scopes,
      forceRefresh: true,
    });
    expect(refreshed.fromCache).toBe(false);
    expect(refreshed.accessToken).not.toBe(result.accessToken);
    expect(calls.slice(before).some((c) => /^POST .*\/token(\?|$)/.test(c))).toBe(true);
    // The refresh token MSAL kept is rotated: a v1-style second resource from it.
    const exchange = await app.acquireTokenSilent({
      account: result.account!,
      scopes: ['https://outlook.office.com/EAS.AccessAsUser.All'],
    });
    expect(decodeJwt(exchange.accessToken)?.claims.aud).toBe('https://outlook.office.com');
  });

  it('client credentials with a secret, served from the cache the second time', async () => {
    const app = webApp();
    const scopes = ['https://graph.microsoft.com/.default'];
    const first = await app.acquireTokenByClientCredential({ scopes });
    expect(first?.fromCache).toBe(false);
    expect(decodeJwt(first!.accessToken)?.claims).toMatchObject({ appid: WEB, appidacr: '1' });
    const second = await app.acquireTokenByClientCredential({ scopes });
    expect(second?.fromCache).toBe(true);
    expect(second?.accessToken).toBe(first!.accessToken);
  });

  it.each([
    ['a SHA-256 thumbprint (PS256, x5t#S256)', 'sha256'],
    ['a SHA-1 thumbprint (RS256, x5t)', 'sha1'],
  ] as const)('client credentials with a certificate identified by %s', async (_name, hash) => {
    const key = lab.keys.testClient;
    const der = Buffer.from(key.certificateBase64, 'base64');
    const thumbprint = createHash(hash).update(der).digest('hex');
    const privateKey = key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: WEB,
        authority: `${ORIGIN}/${tid()}`,
        clientCertificate:
          hash === 'sha256'
            ? { thumbprintSha256: thumbprint, privateKey }
            : { thumbprint, privateKey },
      },
      system: system(),
    });
    const result = await app.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    expect(decodeJwt(result!.accessToken)?.claims).toMatchObject({ appid: WEB, appidacr: '2' });
  });

  it('on-behalf-of, as Exchange Online does at step 17, with the refresh token it returns', async () => {
    const web = webApp();
    const scopes = ['https://outlook.office.com/EAS.AccessAsUser.All'];
    const { back, verifier } = await signInForCode(web, scopes);
    const first = await web.acquireTokenByCode({
      code: back.get('code')!,
      scopes,
      redirectUri: REDIRECT,
      codeVerifier: verifier,
    });
    const exo = new ConfidentialClientApplication({
      auth: {
        clientId: WELL_KNOWN_APPS.exchangeOnline,
        authority: `${ORIGIN}/${tid()}`,
        clientSecret: EXO_CLIENT_SECRET,
      },
      system: system(),
    });
    const second = await exo.acquireTokenOnBehalfOf({
      oboAssertion: first.accessToken,
      scopes: ['https://mail.contoso.com/.default'],
    });
    expect(decodeJwt(second!.accessToken)?.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
      upn: 'dave@fabrikam.com',
    });
    // MSAL keeps the OBO result per assertion: asked again, it answers from its cache.
    const again = await exo.acquireTokenOnBehalfOf({
      oboAssertion: first.accessToken,
      scopes: ['https://mail.contoso.com/.default'],
    });
    expect(again?.fromCache).toBe(true);
  });

  it('interactive sign-in: a loopback redirect URI answered by form_post', async () => {
    const app = new PublicClientApplication({
      auth: { clientId: OUTLOOK, authority: `${ORIGIN}/${tid()}` },
      system: system(),
    });
    let posted: { status: number; action: string } | undefined;
    const result = await app.acquireTokenInteractive({
      scopes: ['https://outlook.office.com/EAS.AccessAsUser.All'],
      loginHint: 'dave@fabrikam.com',
      successTemplate: 'signed in',
      // MSAL listens on a loopback port; the lab's sign-in pages end in a page
      // whose form posts the code there, which a browser submits by script.
      openBrowser: async (url) => {
        const result = await signInThroughPages(clientFetch, url, {
          upn: 'dave@fabrikam.com',
          redirectUri: 'http://localhost:',
        });
        const form = result.kind === 'page' ? result.page.forms[0] : undefined;
        if (!form) throw new Error('the sign-in did not end on the form_post page');
        expect(Object.keys(form.fields)).toEqual(expect.arrayContaining(['code', 'state']));
        const response = await fetch(form.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form.fields).toString(),
        });
        posted = { status: response.status, action: form.action };
        await response.text();
      },
    });
    expect(posted).toMatchObject({
      status: 200,
      action: expect.stringMatching(/^http:\/\/localhost:\d+\/?$/),
    });
    expect(result.account?.username).toBe('dave@fabrikam.com');
    expect(decodeJwt(result.accessToken)?.claims).toMatchObject({
      aud: 'https://outlook.office.com',
      appid: OUTLOOK,
    });
  });

  it('device code for the public client, approved through the lab pages', async () => {
    const app = new PublicClientApplication({
      auth: { clientId: OUTLOOK, authority: `${ORIGIN}/organizations` },
      system: system(),
    });
    const result = await app.acquireTokenByDeviceCode({
      scopes: ['https://outlook.office.com/EAS.AccessAsUser.All'],
      deviceCodeCallback: (response) => {
        void approveDeviceCode(clientFetch, response.verificationUri, response.userCode);
      },
    });
    expect(result?.account?.username).toBe('dave@fabrikam.com');
    expect(decodeJwt(result!.accessToken)?.claims).toMatchObject({
      aud: 'https://outlook.office.com',
      appid: OUTLOOK,
    });
  });

  describe('errors as MSAL classifies them', () => {
    const publicApp = () =>
      new PublicClientApplication({
        auth: { clientId: OUTLOOK, authority: `${ORIGIN}/${tid()}` },
        system: system(),
      });
    const password = (username: string, pwd = 'Passw0rd!') =>
      publicApp().acquireTokenByUsernamePassword({
        scopes: ['https://outlook.office.com/EAS.AccessAsUser.All'],
        username,
        password: pwd,
      });
    /** What MSAL threw, in the fields an application branches on. */
    const failure = (error: unknown) => {
      const e = error as ServerError;
      return {
        type: e?.constructor?.name,
        errorCode: e?.errorCode,
        subError: e?.subError,
        errorNo: e?.errorNo,
        message: e?.errorMessage,
      };
    };

    it('signs a managed user in with a password (ROPC)', async () => {
      const result = await password('dave@fabrikam.com');
      expect(result?.account?.username).toBe('dave@fabrikam.com');
    });

    it('a wrong password is a ServerError with AADSTS50126', async () => {
      const error = await password('dave@fabrikam.com', 'wrong').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerError);
      expect(error).not.toBeInstanceOf(InteractionRequiredAuthError);
      expect(failure(error)).toMatchObject({
        errorCode: 'invalid_grant',
        errorNo: 50126,
        message: expect.stringContaining('AADSTS50126:'),
      });
    });

    it('MFA the user has not done is interaction required (AADSTS50076)', async () => {
      const error = await password('erin@fabrikam.com').catch((e: unknown) => e);
      expect(failure(error)).toMatchObject({
        type: 'InteractionRequiredAuthError',
        errorCode: 'invalid_grant',
        subError: 'basic_action',
        errorNo: 50076,
      });
      // The claims challenge an application passes to its next interactive request.
      expect(JSON.parse((error as InteractionRequiredAuthError).claims)).toMatchObject({
        access_token: { capolids: { essential: true } },
      });
    });

    it('a wrong client secret is a ServerError with invalid_client (AADSTS7000215)', async () => {
      const app = new ConfidentialClientApplication({
        auth: { clientId: WEB, authority: `${ORIGIN}/${tid()}`, clientSecret: 'nope' },
        system: system(),
      });
      const error = await app
        .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] })
        .catch((e: unknown) => e);
      expect(failure(error)).toMatchObject({
        type: 'ServerError',
        errorCode: 'invalid_client',
        errorNo: 7000215,
      });
    });

    // Entra's AADSTS50173 body has no suberror, so MSAL reports a ServerError
    // (invalid_grant), not InteractionRequiredAuthError: an application signs in again on it.
    it('a silent request after the password changed is invalid_grant (AADSTS50173)', async () => {
      const app = publicApp();
      const signedIn = await app.acquireTokenByUsernamePassword({
        scopes: ['User.Read'],
        username: 'dave@fabrikam.com',
        password: 'Passw0rd!',
      });
      const account: AccountInfo = signedIn!.account!;
      lab.directory.changePassword('dave@fabrikam.com', 'N3wPassw0rd!');
      try {
        const error = await app
          .acquireTokenSilent({ account, scopes: ['User.Read'], forceRefresh: true })
          .catch((e: unknown) => e);
        expect(failure(error)).toMatchObject({
          type: 'ServerError',
          errorCode: 'invalid_grant',
          errorNo: 50173,
          message: expect.stringContaining('The user might have changed or reset their password.'),
        });
      } finally {
        lab.directory.changePassword('dave@fabrikam.com', 'Passw0rd!');
      }
    });
  });

  it("a certificate assertion signed by the machine's clock still counts after the lab's clock travels", async () => {
    // MSAL dates its client assertion by the machine's clock (valid 10 minutes);
    // the lab's clock is 2 h ahead of it now.
    await lab.clock.advance('2h');
    const key = lab.keys.testClient;
    const app = new ConfidentialClientApplication({
      auth: {
        clientId: WEB,
        authority: `${ORIGIN}/${tid()}`,
        clientCertificate: {
          thumbprintSha256: createHash('sha256')
            .update(Buffer.from(key.certificateBase64, 'base64'))
            .digest('hex'),
          privateKey: key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        },
      },
      system: system(),
    });
    const result = await app.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
    });
    const claims = decodeJwt(result!.accessToken)?.claims;
    expect(claims).toMatchObject({ appid: WEB, appidacr: '2' });
    // The token itself is dated by the lab's clock.
    expect(Number(claims?.iat)).toBeGreaterThan(Date.now() / 1000 + 3600);
    // MSAL keeps its assertion (one jti) for 10 minutes and sends it again:
    // Entra must not refuse a repeated jti, and the lab does not.
    const sentBefore = assertions.length;
    const again = await app.acquireTokenByClientCredential({
      scopes: ['https://graph.microsoft.com/.default'],
      skipCache: true,
    });
    expect(again!.accessToken).not.toBe(result!.accessToken);
    expect(assertions.length).toBe(sentBefore + 1);
    expect(assertions.at(-1)).toBe(assertions.at(-2));
  });

  it('every request went over HTTPS to the lab', () => {
    // For login.microsoftonline.com MSAL uses the endpoints and aliases it
    // ships with: what it sent were token and device code requests.
    expect(calls.length).toBeGreaterThan(10);
    const endpoint =
      /^POST https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/v2\.0\/(token|devicecode)(\?|$)/;
    expect(calls.filter((c) => !endpoint.test(c))).toEqual([]);
  });
});
