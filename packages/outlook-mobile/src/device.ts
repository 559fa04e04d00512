import { randomUUID } from 'node:crypto';
import {
  discardBody,
  totp,
  WELL_KNOWN_APPS,
  type Clock,
  type FlowName,
  type LabFetch,
  type TraceRecorder,
} from '@hma-lab/core';
import { createBrowser, type BrowserPage, type BrowserResult } from './browser.js';
import { DeviceFlowError } from './errors.js';
import { createPkce } from './pkce.js';

/**
 * The reference device: Outlook for iOS/Android as a scripted client. It does
 * what the app does, over the lab's HTTP, in the order of FLOWS.md: ask
 * AutoDetect, sign in through the in-app browser (home realm discovery, AD FS,
 * MFA), redeem the code for AT1/RT1, provision the hybrid account at Exchange
 * Online, and read the mailbox.
 */

/** What the person holding the phone knows. */
export interface DeviceUser {
  email: string;
  password: string;
  /** Base32 secret of their authenticator app, if they have one. */
  totpSecret?: string;
}

export interface DeviceOptions {
  /** The lab's fetch, calling as `device`. */
  fetch: LabFetch;
  clock: Clock;
  trace: TraceRecorder;
  /** Stable id of this phone (ActiveSync DeviceId style). Default: random. */
  deviceId?: string;
  /** Default: Outlook mobile's client id. */
  clientId?: string;
  /** Default: `msauth.com.microsoft.Office.Outlook://auth`. */
  redirectUri?: string;
  /** Default: `https://prod-autodetect.outlookmobile.com`. */
  autodetectOrigin?: string;
  /** Default: `https://outlook.office365.com`. */
  exchangeOnlineOrigin?: string;
}

/** One `services[]` entry of an AutoDetect answer (reference §3.2). */
export interface AutodetectService {
  service: string;
  protocol: string;
  hostname?: string;
  aad?: string;
  onprem?: string;
}

export interface AutodetectAnswer {
  email?: string;
  services: AutodetectService[];
  protocols?: Array<Record<string, unknown>>;
}

export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  idToken?: string;
  resource?: string;
  expiresOn?: number;
}

export interface FlowResult {
  flow: 'A' | 'B';
  runId: string;
  autodetect: AutodetectAnswer;
  /** The Entra authority the device signed in at (from AutoDetect's `aad`). */
  authority: string;
  /** The ActiveSync endpoint (on-premises for flow A, Exchange Online for flow B). */
  activeSyncUrl?: string;
  tokens: TokenSet;
  account?: Record<string, unknown>;
  messages: Array<Record<string, unknown>>;
  events: Array<Record<string, unknown>>;
  contacts: Array<Record<string, unknown>>;
}

export interface Device {
  readonly deviceId: string;
  /** Adds an account the way a user does in the app: runs flow A or B to the end. */
  connect(user: DeviceUser, options?: { runId?: string }): Promise<FlowResult>;
  /**
   * Signs the user in at an Entra authority through the in-app browser
   * (authorization code + PKCE) and redeems the code for a resource, as the
   * CSS-Exchange HMA test script does with ADAL. Failures are
   * {@link DeviceFlowError}s numbered as flow A's sign-in steps.
   */
  acquireToken(
    user: DeviceUser,
    options: { authority: string; resource: string },
  ): Promise<TokenSet>;
}

const EXO_RESOURCE = 'https://outlook.office365.com';
const DETECT_QUERY =
  '?services=office365,outlook,google,icloud,yahoo&protocols=rest-cloud,rest-outlook,rest-office365,eas,imap,smtp';

export function createDevice(options: DeviceOptions): Device {
  const deviceId = options.deviceId ?? randomUUID().replace(/-/g, '').slice(0, 32).toUpperCase();
  const clientId = options.clientId ?? WELL_KNOWN_APPS.outlookMobile;
  const redirectUri = options.redirectUri ?? 'msauth.com.microsoft.Office.Outlook://auth';
  const autodetectOrigin = options.autodetectOrigin ?? 'https://prod-autodetect.outlookmobile.com';
  const exoOrigin = options.exchangeOnlineOrigin ?? 'https://outlook.office365.com';
  const fetch = options.fetch;

  async function detect(user: DeviceUser): Promise<{ answer: AutodetectAnswer; flow: 'A' | 'B' }> {
    let response: Response | undefined;
    // AutoDetect answers 202 while it is still searching; the app asks again.
    for (let attempt = 0; attempt < 3; attempt++) {
      response = await fetch(`${autodetectOrigin}/detect${DETECT_QUERY}`, {
        headers: { 'x-email': user.email, accept: 'application/json' },
      });
      if (response.status !== 202 || attempt === 2) break;
      await discardBody(response);
    }
    const status = response!.status;
    if (status === 204) {
      throw new DeviceFlowError(
        'A',
        6,
        'no-account-found',
        `AutoDetect found nothing for ${user.email} (204)`,
      );
    }
    if (status !== 200) {
      const body = await response!.text();
      throw new DeviceFlowError('A', 6, 'autodetect-failed', `AutoDetect answered ${status}`, {
        status,
        body,
        error: response!.headers.get('x-autodv2-error') ?? undefined,
      });
    }
    const answer = (await response!.json()) as AutodetectAnswer;
    const office365 = answer.services?.find((s) => s.service === 'office365');
    const basicOnly = answer.protocols?.find((p) => p.protocol === 'eas' && p.onprem && !p.aad);
    if (!office365 && basicOnly) {
      // AutoDetect found on-premises ActiveSync but its 401 named no Entra
      // authority: HMA is not enabled there, so the app could only offer basic auth.
      throw new DeviceFlowError(
        'A',
        5,
        'no-authorization-uri',
        'the ActiveSync Bearer challenge has no authorization_uri: hybrid modern authentication is not enabled on-premises',
        { answer },
      );
    }
    if (!office365) {
      throw new DeviceFlowError(
        'A',
        6,
        'not-office365',
        `AutoDetect did not find an Office 365 account`,
        {
          answer,
        },
      );
    }
    return { answer, flow: office365.onprem ? 'A' : 'B' };
  }

  /** The step number of flow A's sign-in steps, in the flow actually running. */
  const stepOf = (flow: 'A' | 'B', flowAStep: number): number =>
    flow === 'A' ? flowAStep : flowAStep - 1;

  async function signIn(
    flow: 'A' | 'B',
    user: DeviceUser,
    authority: string,
    resource: string,
  ): Promise<{ code: string; verifier: string }> {
    const browser = createBrowser({ fetch, redirectUri });
    const pkce = createPkce();
    const state = randomUUID();
    const url = new URL(authority);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      resource,
      state,
      login_hint: user.email,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      'client-request-id': randomUUID(),
      'x-client-SKU': 'hma-lab.outlook-mobile',
    }).toString();

    let result: BrowserResult = await browser.open(url.href);
    const submitted = new Map<string, number>();
    for (let round = 0; round < 12; round++) {
      if (result.kind === 'redirect-uri') {
        const error = result.params.get('error');
        if (error) {
          throw new DeviceFlowError(
            flow,
            stepOf(flow, 14),
            'authorize-error',
            result.params.get('error_description') ?? error,
            {
              error,
            },
          );
        }
        if (result.params.get('state') !== state) {
          throw new DeviceFlowError(
            flow,
            stepOf(flow, 14),
            'state-mismatch',
            'the redirect carried a different state',
          );
        }
        const code = result.params.get('code');
        if (!code)
          throw new DeviceFlowError(
            flow,
            stepOf(flow, 14),
            'no-code',
            'the redirect carried no code',
          );
        return { code, verifier: pkce.verifier };
      }
      const page = result.page;
      const kind = pageKind(page);
      const failStep = stepOf(flow, kind.step);
      if (kind.name === 'error') {
        throw new DeviceFlowError(flow, failStep, 'sign-in-failed', pageError(page), {
          url: page.url,
          status: page.status,
        });
      }
      // The same form coming back means the last answer was refused (wrong password, wrong code).
      const seen = submitted.get(kind.name) ?? 0;
      if (seen > 0 && (page.errors.length > 0 || seen > 1)) {
        throw new DeviceFlowError(flow, failStep, `${kind.name}-refused`, pageError(page), {
          url: page.url,
        });
      }
      submitted.set(kind.name, seen + 1);
      const form = kind.form!;
      const fields: Record<string, string> = {};
      switch (kind.name) {
        case 'username':
          fields.login = user.email;
          break;
        case 'password':
          if ('login' in form.fields) fields.login = form.fields.login || user.email;
          fields.passwd = user.password;
          break;
        case 'adfs':
          fields.UserName = form.fields.UserName || user.email;
          fields.Password = user.password;
          break;
        case 'mfa':
          if (!user.totpSecret) {
            throw new DeviceFlowError(
              flow,
              failStep,
              'no-mfa-method',
              'MFA is required but the user has no authenticator',
            );
          }
          fields.otc = totp(user.totpSecret, options.clock.now());
          break;
        case 'autopost':
          break;
      }
      result = await browser.submit(page, form, fields);
    }
    throw new DeviceFlowError(
      flow,
      stepOf(flow, 14),
      'sign-in-loop',
      'sign-in did not finish after 12 pages',
    );
  }

  async function redeem(
    flow: 'A' | 'B',
    authority: string,
    code: string,
    verifier: string,
    resource: string,
  ): Promise<TokenSet> {
    const step = flow === 'A' ? 15 : 14;
    const tokenUrl = authority.replace(/\/authorize\/?$/, '/token');
    const response = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        client_id: clientId,
        code,
        redirect_uri: redirectUri,
        code_verifier: verifier,
        resource,
      }).toString(),
    });
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      throw new DeviceFlowError(
        flow,
        step,
        'token-error',
        String(body.error_description ?? body.error ?? response.status),
        {
          status: response.status,
          body,
        },
      );
    }
    const tokens: TokenSet = { accessToken: body.access_token };
    if (typeof body.refresh_token === 'string') tokens.refreshToken = body.refresh_token;
    if (typeof body.id_token === 'string') tokens.idToken = body.id_token;
    if (typeof body.resource === 'string') tokens.resource = body.resource;
    if (body.expires_on !== undefined) tokens.expiresOn = Number(body.expires_on);
    return tokens;
  }

  async function callExo(
    flow: FlowName,
    step: number,
    method: 'GET' | 'POST',
    path: string,
    accessToken: string,
    json?: unknown,
  ): Promise<Record<string, unknown>> {
    const response = await fetch(`${exoOrigin}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        accept: 'application/json',
        ...(json ? { 'content-type': 'application/json' } : {}),
      },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
    const text = await response.text();
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = { text };
    }
    if (response.status >= 400) {
      const error = (body.error ?? {}) as Record<string, unknown>;
      const failedStep = typeof error.step === 'number' ? error.step : step;
      throw new DeviceFlowError(
        flow,
        failedStep,
        String(error.code ?? 'exchange-online-error'),
        String(error.message ?? `Exchange Online answered ${response.status} to ${method} ${path}`),
        { status: response.status, body },
      );
    }
    return body;
  }

  /**
   * `work` with a request nothing answered (no such host, refused, reset) as
   * the flow's own error at `step`, naming whom the device could not reach:
   * the authority comes from a 401 challenge, and may name any host.
   */
  async function reaching<T>(
    flow: 'A' | 'B',
    step: number,
    whom: string,
    work: () => Promise<T>,
  ): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // fetch's own failure (undici's and the lab's alike), not any TypeError;
      // told by name, as undici's errors may come from another realm.
      const network =
        (error as Error)?.name === 'TypeError' &&
        String((error as Error).message).startsWith('fetch failed');
      if (!network) throw error;
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new DeviceFlowError(
        flow,
        step,
        'unreachable',
        `${whom} could not be reached: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        cause?.code ? { code: cause.code } : {},
      );
    }
  }

  const listOf = (body: Record<string, unknown>): Array<Record<string, unknown>> =>
    Array.isArray(body.value) ? (body.value as Array<Record<string, unknown>>) : [];

  return {
    deviceId,
    async acquireToken(user, { authority, resource }) {
      const { code, verifier } = await signIn('A', user, authority, resource);
      return redeem('A', authority, code, verifier, resource);
    },
    connect(user, connectOptions = {}) {
      const runId = connectOptions.runId ?? randomUUID();
      return options.trace.runWith({ runId }, async () => {
        const { answer, flow } = await reaching('A', 1, 'AutoDetect', () => detect(user));
        const office365 = answer.services.find((s) => s.service === 'office365')!;
        if (!office365.aad) {
          // AutoDetect found the mailbox but no authorization_uri in the 401: HMA is off on-premises.
          throw new DeviceFlowError(
            flow,
            5,
            'no-authorization-uri',
            'the ActiveSync Bearer challenge has no authorization_uri: hybrid modern authentication is not enabled',
            { answer },
          );
        }
        const authority = office365.aad;
        const { code, verifier } = await reaching(flow, stepOf(flow, 7), authority, () =>
          signIn(flow, user, authority, EXO_RESOURCE),
        );
        const tokens = await reaching(flow, stepOf(flow, 15), authority, () =>
          redeem(flow, authority, code, verifier, EXO_RESOURCE),
        );
        let account: Record<string, unknown> | undefined;
        const dataStep = flow === 'A' ? 20 : 15;
        if (flow === 'A') {
          account = await callExo('A', 16, 'POST', '/api/hma/v1/provision', tokens.accessToken, {
            emailAddress: user.email,
            activeSyncUrl: office365.onprem,
            deviceId,
          });
        }
        const [messages, events, contacts] = await Promise.all(
          ['messages', 'events', 'contacts'].map(async (what) =>
            listOf(
              await callExo(
                flow,
                dataStep,
                'GET',
                `/api/hma/v1/mailbox/${what}`,
                tokens.accessToken,
              ),
            ),
          ),
        );
        const result: FlowResult = {
          flow,
          runId,
          autodetect: answer,
          authority,
          tokens,
          messages: messages!,
          events: events!,
          contacts: contacts!,
        };
        if (office365.onprem) result.activeSyncUrl = office365.onprem;
        if (account) result.account = account;
        return result;
      });
    },
  };
}

type PageKindName = 'username' | 'password' | 'adfs' | 'mfa' | 'autopost' | 'error';

/** Which page of the sign-in this is, the form to fill, and the flow A step it belongs to. */
function pageKind(page: BrowserPage): {
  name: PageKindName;
  form?: BrowserPage['forms'][number];
  step: number;
} {
  const isAdfs = /\/adfs\//i.test(new URL(page.url).pathname);
  for (const form of page.forms) {
    const names = Object.keys(form.fields);
    if (names.includes('otc')) return { name: 'mfa', form, step: 14 };
    if (names.includes('Password') && names.includes('UserName'))
      return { name: 'adfs', form, step: 10 };
    if (names.includes('passwd')) return { name: 'password', form, step: 7 };
    if (names.includes('login') && form.visible.includes('login'))
      return { name: 'username', form, step: 7 };
  }
  const autopost = page.forms.find(
    (f) => f.visible.length === 0 && Object.keys(f.fields).length > 0,
  );
  if (autopost && page.status < 400)
    return { name: 'autopost', form: autopost, step: isAdfs ? 11 : 14 };
  const path = new URL(page.url).pathname.toLowerCase();
  const text = page.html;
  // A conditional-access refusal is step 13 wherever it shows (after the password or the AD FS return).
  const step = /AADSTS53003|AADSTS5007[69]/.test(text)
    ? 13
    : isAdfs
      ? 10
      : path === '/login.srf'
        ? 11
        : 7;
  return { name: 'error', step };
}

function pageError(page: BrowserPage): string {
  if (page.errors.length > 0) return page.errors.join(' ');
  const aadsts = /AADSTS\d+[^<]*/.exec(page.html)?.[0];
  return aadsts ?? (page.title || `the sign-in page answered ${page.status}`);
}
