import { verifyTotp, type User } from '@hma-lab/core';
import { EntraError, missingParameter, type AadstsCode, type ErrorRedirect } from '../errors.js';
import {
  clientAppTypeOf,
  evaluateConditionalAccess,
  type CaOutcome,
} from './conditional-access.js';
import type { EntraContext } from './context.js';
import { newGuid, newOpaqueGrant, randomToken } from './ids.js';
import { defaultV2Target } from './resources.js';
import { mergeAmr, openSession } from './sessions.js';
import type {
  AuthorizationCode,
  AuthorizeRequest,
  Session,
  SignInFlow,
  TokenTarget,
} from './stores.js';
import { clientInfoFor } from './tokens.js';
import { verifyWsFedResult } from './ws-federation.js';

/**
 * The interactive sign-in (FLOWS.md steps 7-14) as a state machine over
 * {@link SignInFlow}s: sign-in page -> home realm discovery -> password page or
 * the federation redirect to AD FS -> WS-Federation return -> conditional
 * access -> MFA page -> (consent) -> authorization code. Each step returns what
 * the browser should see; `http/` renders it.
 */

export type PageName =
  'signin' | 'password' | 'mfa' | 'consent' | 'select-account' | 'device-code' | 'device-done';

export interface PageMessage {
  code?: AadstsCode;
  text: string;
}

export type SignInOutcome =
  | {
      kind: 'page';
      page: PageName;
      flow?: SignInFlow;
      flowToken?: string;
      error?: PageMessage;
      session?: Session;
    }
  | { kind: 'redirect'; location: string; session?: Session }
  | { kind: 'respond'; response: AuthorizeResponse; session?: Session };

/** The authorization response, sent per `response_mode`. */
export interface AuthorizeResponse {
  redirectUri: string;
  responseMode: AuthorizeRequest['responseMode'];
  params: Array<[string, string]>;
}

const MESSAGES = {
  noLogin: 'Enter a valid email address, phone number, or Skype name.',
  unknownUser:
    'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.',
  badPassword:
    "Your account or password is incorrect. If you don't remember your password, reset it now.",
  noPassword: 'Please enter your password.',
  badOtc: "You didn't enter the expected verification code. Please try again.",
} as const;

/** A new flow for a validated request. */
export function newFlow(
  context: EntraContext,
  request: AuthorizeRequest,
  kind: SignInFlow['kind'] = 'authorize',
): SignInFlow {
  const now = context.now();
  const flow: SignInFlow = {
    ctx: randomToken(24),
    createdAtMs: now,
    expiresAtMs: now + context.ms.signInFlow,
    flowTokens: [],
    stage: 'login',
    kind,
    request,
    amr: [],
  };
  if (request.loginHint) flow.login = request.loginHint;
  context.stores.flows.set(flow.ctx, flow);
  context.noteIssued();
  return flow;
}

function page(
  flow: SignInFlow,
  name: PageName,
  extra: { error?: PageMessage; session?: Session } = {},
): SignInOutcome {
  const flowToken = randomToken(48);
  flow.flowTokens.push(flowToken);
  if (flow.flowTokens.length > 20) flow.flowTokens.shift();
  return { kind: 'page', page: name, flow, flowToken, ...extra };
}

/** The account picker's "use another account": the first page again, the login forgotten. */
export function useAnotherAccount(flow: SignInFlow): SignInOutcome {
  flow.stage = 'login';
  delete flow.login;
  return page(flow, 'signin');
}

/** The flow a form post belongs to (AADSTS50089 when unknown, used up or expired). */
export function flowOf(
  context: EntraContext,
  ctx: string | undefined,
  flowToken: string | undefined,
  options: { requireFlowToken: boolean },
): SignInFlow {
  if (!ctx) throw missingParameter('ctx');
  const flow = context.stores.flows.get(ctx);
  if (!flow || flow.expiresAtMs <= context.now() || flow.stage === 'done') {
    throw new EntraError(50089);
  }
  if (options.requireFlowToken) {
    if (!flowToken) throw missingParameter('flowToken');
    if (!flow.flowTokens.includes(flowToken)) throw new EntraError(50089);
  }
  return flow;
}

function redirectOf(request: AuthorizeRequest): ErrorRedirect {
  return {
    redirectUri: request.redirectUri,
    responseMode: request.responseMode,
    ...(request.state !== undefined ? { state: request.state } : {}),
  };
}

/** Lower-case `%xx` escapes, as Entra writes `wtrealm=urn%3afederation%3aMicrosoftOnline`. */
function encodeLower(value: string): string {
  return encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

/** The redirect to the federation proxy's passive endpoint (FLOWS.md step 8). */
export function federationRedirect(
  context: EntraContext,
  flow: SignInFlow,
  wapHost: string,
  login: string | undefined,
): string {
  const query = [
    `client-request-id=${newGuid()}`,
    'wa=wsignin1.0',
    `wtrealm=${encodeLower(context.config.federationRealm)}`,
    `wctx=${encodeURIComponent(flow.ctx)}`,
    ...(login ? [`username=${encodeURIComponent(login)}`] : []),
  ];
  return `https://${wapHost}/adfs/ls/?${query.join('&')}`;
}

/** Step 7: what a validated authorize request shows first. */
export function startAuthorize(
  context: EntraContext,
  request: AuthorizeRequest,
  session: Session | undefined,
): SignInOutcome {
  const { directory } = context.deps;
  if (request.prompt === 'none') {
    if (!session) {
      throw new EntraError(50058, undefined, { redirect: redirectOf(request) });
    }
    const flow = newFlow(context, request);
    return continueWithSession(context, flow, session, { silentOnly: true });
  }
  const flow = newFlow(context, request);
  if (request.prompt !== 'login' && session) {
    if (request.prompt === 'select_account') {
      flow.stage = 'select-account';
      return page(flow, 'select-account', { session });
    }
    const hinted = request.loginHint?.toLowerCase();
    if (!hinted || hinted === session.upn.toLowerCase()) {
      return continueWithSession(context, flow, session, { silentOnly: false });
    }
  }
  if (request.domainHint) {
    const domain = directory.domain(request.domainHint);
    if (domain?.authentication === 'federated' && domain.federation) {
      flow.stage = 'federation';
      return {
        kind: 'redirect',
        location: federationRedirect(context, flow, domain.federation.wapHost, request.loginHint),
      };
    }
  }
  return page(flow, 'signin');
}

function continueWithSession(
  context: EntraContext,
  flow: SignInFlow,
  session: Session,
  options: { silentOnly: boolean },
): SignInOutcome {
  const user = context.deps.directory.user(session.upn)!;
  flow.upn = user.upn;
  flow.amr = [...session.amr];
  flow.authTimeMs = session.authTimeMs;
  flow.sessionId = session.id;
  return afterAuthentication(context, flow, user, session, options);
}

/** `POST /{tenant}/login`: home realm discovery, the password check, or the account picker. */
export function postLogin(
  context: EntraContext,
  flow: SignInFlow,
  form: Record<string, string | undefined>,
  session: Session | undefined,
): SignInOutcome {
  const { directory } = context.deps;
  const login = (form.login ?? '').trim();
  if (form.sso === '1') {
    if (session && login.toLowerCase() === session.upn.toLowerCase()) {
      return continueWithSession(context, flow, session, { silentOnly: false });
    }
    flow.stage = 'login';
    return page(flow, 'signin');
  }
  if (!login || !login.includes('@')) {
    flow.stage = 'login';
    return page(flow, 'signin', { error: { code: 50034, text: MESSAGES.noLogin } });
  }
  flow.login = login;
  const domain = directory.domainOf(login);
  if (domain?.authentication === 'federated' && domain.federation) {
    flow.stage = 'federation';
    return {
      kind: 'redirect',
      location: federationRedirect(context, flow, domain.federation.wapHost, login),
    };
  }
  const user = directory.user(login);
  if (!domain || !user) {
    flow.stage = 'login';
    return page(flow, 'signin', { error: { code: 50034, text: MESSAGES.unknownUser } });
  }
  if (form.passwd === undefined) {
    flow.stage = 'password';
    return page(flow, 'password');
  }
  if (form.passwd === '') {
    flow.stage = 'password';
    return page(flow, 'password', { error: { text: MESSAGES.noPassword } });
  }
  if (!directory.checkPassword(user.upn, form.passwd)) {
    flow.stage = 'password';
    return page(flow, 'password', { error: { code: 50126, text: MESSAGES.badPassword } });
  }
  return primaryAuthenticated(context, flow, user, ['pwd'], session);
}

/** `POST /login.srf`: the WS-Federation return from AD FS (FLOWS.md step 11). */
export function postWsFederation(
  context: EntraContext,
  form: Record<string, string | undefined>,
  session: Session | undefined,
): SignInOutcome {
  if (form.wa !== 'wsignin1.0') {
    throw new EntraError(
      20012,
      `The WS-Federation message is invalid: wa must be 'wsignin1.0', got '${form.wa ?? ''}'.`,
    );
  }
  if (!form.wresult)
    throw new EntraError(20012, 'The WS-Federation message is invalid: no wresult.');
  if (!form.wctx) throw new EntraError(20012, 'The WS-Federation message is invalid: no wctx.');
  const flow = flowOf(context, form.wctx, undefined, { requireFlowToken: false });
  const signIn = verifyWsFedResult(context, form.wresult);
  flow.login = signIn.user.upn;
  return primaryAuthenticated(context, flow, signIn.user, signIn.amr, session);
}

function primaryAuthenticated(
  context: EntraContext,
  flow: SignInFlow,
  user: User,
  amr: string[],
  existing: Session | undefined,
): SignInOutcome {
  if (context.deps.directory.isDisabled(user.upn)) {
    throw new EntraError(
      50057,
      `The user account is disabled. The user object in Active Directory backing this account has been disabled. (${user.upn})`,
    );
  }
  const session = openSession(context, user, amr, existing);
  flow.upn = user.upn;
  flow.amr = mergeAmr(session.amr);
  flow.authTimeMs = context.now();
  flow.sessionId = session.id;
  return afterAuthentication(context, flow, user, session, { silentOnly: false });
}

/** The resource conditional access looks at for a flow. */
function caTarget(context: EntraContext, request: AuthorizeRequest): TokenTarget {
  return request.target ?? defaultV2Target(context.deps.directory, request.client);
}

/** Runs conditional access and records steps 12 and 13 in the trace. */
export function evaluateAndTrace(
  context: EntraContext,
  user: User,
  request: Pick<AuthorizeRequest, 'client' | 'deviceControls'>,
  target: TokenTarget,
  amr: string[],
): CaOutcome {
  const outcome = evaluateConditionalAccess(context.deps.directory, {
    user,
    resource: target.resourceApp,
    client: request.client,
    amr,
    clientAppType: clientAppTypeOf(request.client),
    deviceControls: request.deviceControls,
    approvedClientAppIds: context.config.approvedClientAppIds,
  });
  context.deps.trace.event(
    'entra',
    'entra.ca.evaluated',
    `conditional access for ${user.upn} -> ${target.resourceApp.displayName}: ${outcome.result}` +
      (outcome.policies.length > 0 ? ` (${outcome.policies.join(', ')})` : ' (no policy applies)'),
    {
      policies: outcome.policies,
      result: outcome.result,
      requiredControls: outcome.requiredControls,
      resource: target.resource,
      client: request.client.appId,
      user: user.upn,
    },
  );
  return outcome;
}

function afterAuthentication(
  context: EntraContext,
  flow: SignInFlow,
  user: User,
  session: Session,
  options: { silentOnly: boolean },
): SignInOutcome {
  const request = flow.request;
  const outcome = evaluateAndTrace(context, user, request, caTarget(context, request), flow.amr);
  if (outcome.blocked) {
    context.deps.trace.event(
      'entra',
      'entra.ca.blocked',
      `conditional access refuses ${user.upn}: ${outcome.blocked.control} (${outcome.blocked.policy}), AADSTS${outcome.blocked.code}`,
      {
        control: outcome.blocked.control,
        policy: outcome.blocked.policy,
        code: outcome.blocked.code,
      },
    );
    const error = new EntraError(outcome.blocked.code, undefined, {
      error: 'access_denied',
      ...(options.silentOnly ? { redirect: redirectOf(request) } : {}),
    });
    throw error;
  }
  if (outcome.result === 'mfa') {
    context.deps.trace.event(
      'entra',
      'entra.ca.grant-required',
      `conditional access requires MFA for ${user.upn}`,
      { controls: ['mfa'], policies: outcome.policies },
    );
    if (options.silentOnly) {
      throw new EntraError(50076, mfaMessage(request), { redirect: redirectOf(request) });
    }
    if (!user.mfa) {
      throw new EntraError(
        50079,
        `Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '${caTarget(context, request).resource}'.`,
      );
    }
    flow.stage = 'mfa';
    return page(flow, 'mfa', { session });
  }
  return finish(context, flow, session, { silentOnly: options.silentOnly });
}

function mfaMessage(request: AuthorizeRequest): string {
  const resource = request.target?.resource ?? request.client.appId;
  return `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resource}'.`;
}

/** `POST /common/SAS/ProcessAuth`: the TOTP code (FLOWS.md step 14). */
export function postProcessAuth(
  context: EntraContext,
  flow: SignInFlow,
  form: Record<string, string | undefined>,
): SignInOutcome {
  if (flow.stage !== 'mfa' || !flow.upn) throw new EntraError(50089);
  const { directory } = context.deps;
  const user = directory.user(flow.upn)!;
  const session = flow.sessionId ? context.stores.sessions.get(flow.sessionId) : undefined;
  const code = (form.otc ?? '').replace(/\s+/g, '');
  // A person's authenticator app counts real time, whatever the lab's clock does (clientNows).
  const secret = user.mfa?.secret;
  if (!secret || !context.clientNows().some((t) => verifyTotp(secret, code, t))) {
    return page(flow, 'mfa', {
      error: { code: 50074, text: MESSAGES.badOtc },
      ...(session ? { session } : {}),
    });
  }
  flow.amr = mergeAmr(flow.amr, ['mfa', 'otp']);
  if (session) session.amr = mergeAmr(session.amr, ['mfa', 'otp']);
  context.deps.trace.event('entra', 'entra.mfa.completed', `${user.upn} completed MFA (TOTP)`, {
    user: user.upn,
    method: 'otp',
  });
  if (!session) throw new EntraError(50089);
  return finish(context, flow, session, { silentOnly: false });
}

/** `POST /{tenant}/Consent/Set`. */
export function postConsent(
  context: EntraContext,
  flow: SignInFlow,
  form: Record<string, string | undefined>,
): SignInOutcome {
  if (flow.stage !== 'consent' || !flow.sessionId) throw new EntraError(50089);
  const session = context.stores.sessions.get(flow.sessionId);
  if (!session) throw new EntraError(50089);
  if (form.accept !== 'true') {
    context.stores.flows.delete(flow.ctx);
    throw new EntraError(65004, undefined, { redirect: redirectOf(flow.request) });
  }
  return finish(context, flow, session, { silentOnly: false, consented: true });
}

function finish(
  context: EntraContext,
  flow: SignInFlow,
  session: Session,
  options: { silentOnly: boolean; consented?: boolean },
): SignInOutcome {
  const request = flow.request;
  const wantsConsent = request.prompt === 'consent' || request.prompt === 'admin_consent';
  if (wantsConsent && !options.consented && !options.silentOnly) {
    flow.stage = 'consent';
    return page(flow, 'consent', { session });
  }
  flow.stage = 'done';
  context.stores.flows.delete(flow.ctx);
  if (flow.kind === 'device') {
    approveDeviceCode(context, flow, session);
    return { kind: 'page', page: 'device-done', flow, session };
  }
  const code = issueCode(context, flow, session);
  const params: Array<[string, string]> = [['code', code.code]];
  if (request.state !== undefined) params.push(['state', request.state]);
  params.push(['session_state', session.sessionState]);
  if (request.clientInfo) {
    const user = context.deps.directory.user(session.upn)!;
    params.push(['client_info', clientInfoFor(user, context.deps.directory.tenant.id)]);
  }
  return {
    kind: 'respond',
    response: { redirectUri: request.redirectUri, responseMode: request.responseMode, params },
    session,
  };
}

function issueCode(context: EntraContext, flow: SignInFlow, session: Session): AuthorizationCode {
  const now = context.now();
  const code: AuthorizationCode = {
    code: newOpaqueGrant(),
    request: flow.request,
    upn: flow.upn!,
    amr: [...flow.amr],
    sid: session.sid,
    authTimeMs: flow.authTimeMs ?? session.authTimeMs,
    issuedAtMs: now,
    expiresAtMs: now + context.deps.directory.lifetimes().authorizationCode,
    redeemed: false,
    refreshFamilies: [],
  };
  context.stores.codes.set(code.code, code);
  context.noteIssued();
  return code;
}

function approveDeviceCode(context: EntraContext, flow: SignInFlow, session: Session): void {
  const grant = flow.deviceCode ? context.stores.deviceCodes.get(flow.deviceCode) : undefined;
  if (!grant || grant.status !== 'pending' || grant.expiresAtMs <= context.now()) {
    throw new EntraError(70019, 'Verification code expired.');
  }
  grant.status = 'approved';
  grant.upn = flow.upn!;
  grant.amr = [...flow.amr];
  grant.sid = session.sid;
  grant.authTimeMs = flow.authTimeMs ?? session.authTimeMs;
}
