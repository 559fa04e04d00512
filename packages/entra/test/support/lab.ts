import { createHash } from 'node:crypto';
import {
  contosoScenario,
  createTestContext,
  parseScenario,
  type ScenarioInput,
  decodeJwt,
  EXO_CLIENT_SECRET,
  totp,
  verifyJwtSignature,
  WELL_KNOWN_APPS,
  type TestContext,
  type TraceEvent,
} from '@hma-lab/core';
import { createEntra, type EntraConfig, type EntraService } from '@hma-lab/entra';
import { Browser, type Page } from './browser.js';
import { buildWresult } from './saml.js';

export const ORIGIN = 'https://login.microsoftonline.com';
export const TENANT_ID = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
export const OUTLOOK = WELL_KNOWN_APPS.outlookMobile;
export const EXO = WELL_KNOWN_APPS.exchangeOnline;
export const OUTLOOK_REDIRECT = 'msauth.com.microsoft.Office.Outlook://auth';
export { EXO_CLIENT_SECRET };

export const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-lab-verifier';
export const CHALLENGE = createHash('sha256').update(VERIFIER).digest('base64url');

export interface Lab {
  ctx: TestContext;
  entra: EntraService;
  browser: Browser;
  /** POSTs a form to the token endpoint as `party` (default `device`). */
  token(
    path: string,
    fields: Record<string, string>,
    headers?: Record<string, string>,
    party?: 'device' | 'exo',
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
}

export interface LabOptions {
  startMs?: number;
  /** Changes to the contoso scenario (a deep copy is passed). */
  scenario?: (input: ScenarioInput) => void;
}

export function createLab(config: Partial<EntraConfig> = {}, options: LabOptions = {}): Lab {
  let scenario;
  if (options.scenario) {
    const input = structuredClone(contosoScenario);
    options.scenario(input);
    scenario = parseScenario(input);
  }
  const ctx = createTestContext({
    ...(options.startMs !== undefined ? { startMs: options.startMs } : {}),
    ...(scenario ? { scenario } : {}),
  });
  const entra = createEntra(ctx.depsFor('entra'), config);
  ctx.mount('entra', entra.app);
  const browser = new Browser(ctx.fetchFor('device'));
  return {
    ctx,
    entra,
    browser,
    async token(path, fields, headers = {}, party = 'device') {
      const res = await ctx.fetchFor(party)(`${ORIGIN}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams(fields).toString(),
      });
      return {
        status: res.status,
        body: (await res.json()) as Record<string, unknown>,
        headers: res.headers,
      };
    },
  };
}

/** The authorize URL Outlook mobile opens (flow-map step 7). */
export function outlookAuthorizeUrl(extra: Record<string, string> = {}, tenant = 'common'): string {
  const params = new URLSearchParams({
    client_id: OUTLOOK,
    response_type: 'code',
    redirect_uri: OUTLOOK_REDIRECT,
    resource: 'https://outlook.office365.com',
    state: 'state-123',
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    login_hint: 'alice@contoso.com',
    ...extra,
  });
  return `${ORIGIN}/${tenant}/oauth2/authorize?${params}`;
}

/** The query (or fragment) parameters of a redirect. */
export function redirectParams(location: string): URLSearchParams {
  const hash = location.indexOf('#');
  if (hash >= 0) return new URLSearchParams(location.slice(hash + 1));
  const q = location.indexOf('?');
  return new URLSearchParams(q >= 0 ? location.slice(q + 1) : '');
}

/** Decoded claims of a JWT (after checking it verifies against the lab's published entra keys). */
export function claimsOf(lab: Lab, token: unknown): Record<string, unknown> {
  if (typeof token !== 'string') throw new Error(`not a token: ${String(token)}`);
  const decoded = decodeJwt(token);
  if (!decoded) throw new Error('not a JWT');
  const key = lab.ctx.keys.entra.find(String(decoded.header.kid));
  if (!key || !verifyJwtSignature(token, key.publicKey)) throw new Error('token does not verify');
  return decoded.claims;
}

/**
 * Alice's sign-in up to the code: authorize -> login -> (federation) ->
 * WS-Fed return with a signed assertion -> MFA. Returns the final response.
 */
export async function signInAlice(
  lab: Lab,
  url = outlookAuthorizeUrl(),
): Promise<{ final: Page; mfaPage: Page }> {
  const mfaPage = await reachAliceMfa(lab, url);
  const final = await lab.browser.submit(mfaPage, {
    otc: totp('JBSWY3DPEHPK3PXP', lab.ctx.clock.now()),
  });
  return { final, mfaPage };
}

/** Alice's sign-in up to the MFA page (steps 7-13). */
export async function reachAliceMfa(lab: Lab, url = outlookAuthorizeUrl()): Promise<Page> {
  const { browser, ctx } = lab;
  const signIn = await browser.get(url);
  if (signIn.status !== 200) throw new Error(`authorize: ${signIn.status} ${signIn.body}`);
  const toAdfs = await browser.submit(signIn, { login: 'alice@contoso.com' });
  if (toAdfs.status !== 302) throw new Error(`login: ${toAdfs.status} ${toAdfs.body}`);
  const wctx = new URL(toAdfs.location!).searchParams.get('wctx')!;
  const wresult = buildWresult({
    key: ctx.keys.adfs,
    nowMs: ctx.clock.now(),
    upn: 'alice@contoso.com',
    immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
  });
  const mfaPage = await browser.post(`${ORIGIN}/login.srf`, { wa: 'wsignin1.0', wresult, wctx });
  if (mfaPage.status !== 200) throw new Error(`login.srf: ${mfaPage.status} ${mfaPage.body}`);
  return mfaPage;
}

/** Dave (managed domain, no MFA) signs in with his password. */
export async function signInDave(lab: Lab, url: string): Promise<Page> {
  const { browser } = lab;
  const signIn = await browser.get(url);
  if (signIn.status === 302) return signIn; // signed in silently (session cookie)
  if (signIn.status !== 200) throw new Error(`authorize: ${signIn.status} ${signIn.body}`);
  const password = await browser.submit(signIn, { login: 'dave@fabrikam.com' });
  if (password.status !== 200) throw new Error(`login: ${password.status} ${password.body}`);
  return browser.submit(password, { passwd: 'Passw0rd!' });
}

/** Outlook mobile redeems a code at the v1 token endpoint (flow-map step 15). */
export function redeemOutlookCode(
  lab: Lab,
  code: string,
  extra: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  return lab.token(
    '/common/oauth2/token',
    {
      grant_type: 'authorization_code',
      client_id: OUTLOOK,
      code,
      redirect_uri: OUTLOOK_REDIRECT,
      code_verifier: VERIFIER,
      resource: 'https://outlook.office365.com',
      ...extra,
    },
    headers,
  );
}

/** A v1 token request from Exchange Online, with its client credentials. */
function exoToken(lab: Lab, grantType: string, params: Record<string, string>) {
  return lab.token(
    `/${TENANT_ID}/oauth2/token`,
    { grant_type: grantType, client_id: EXO, client_secret: EXO_CLIENT_SECRET, ...params },
    {},
    'exo',
  );
}

/** Exchange Online's on-behalf-of call (flow-map step 17). */
export function exoOnBehalfOf(lab: Lab, assertion: string, extra: Record<string, string> = {}) {
  return exoToken(lab, 'urn:ietf:params:oauth:grant-type:jwt-bearer', {
    assertion,
    requested_token_use: 'on_behalf_of',
    resource: 'https://mail.contoso.com',
    ...extra,
  });
}

/** Exchange Online redeeming RT2 with its secret (step 19's renewal of AT2). */
export function exoRefresh(lab: Lab, refreshToken: string, extra: Record<string, string> = {}) {
  return exoToken(lab, 'refresh_token', { refresh_token: refreshToken, ...extra });
}

/** Trace events of an action. */
export function eventsOf(lab: Lab, action: string): TraceEvent[] {
  return lab.ctx.trace
    .entries()
    .filter((e): e is TraceEvent => e.kind === 'event' && e.action === action);
}
