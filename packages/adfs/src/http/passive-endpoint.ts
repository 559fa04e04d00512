import { randomUUID } from 'node:crypto';
import { autoPostForm, type User } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import { MICROSOFT_ONLINE_REALM } from '../config.js';
import { LoopDetectedError } from '../errors.js';
import { authenticate, immutableIdOf } from '../protocol/authenticate.js';
import { issuerFor, type Farm } from '../protocol/farm.js';
import { countToken, loopStateFromCookie, loopStateToCookie } from '../protocol/loop-detection.js';
import {
  parsePassiveRequest,
  type SignInRequest,
  type SignOutRequest,
} from '../protocol/passive-request.js';
import type { AdfsSession } from '../protocol/sessions.js';
import { buildWsFedResponse, SAML_CLAIMS } from '../protocol/ws-fed-response.js';
import {
  farmOfRequest,
  NO_CACHE_HEADERS,
  rawQuery,
  viaProxy,
  type AdfsContext,
} from './adfs-context.js';
import { clearCookie, cookieOf, MSIS_COOKIES, setCookie } from './cookies.js';
import { INCORRECT_CREDENTIALS, signedOutPage, signInPage } from './pages.js';

/**
 * `/adfs/ls/`: the WS-Federation passive endpoint (steps 9–11 of flow A).
 *
 * - `GET ?wa=wsignin1.0`: the forms sign-in page, or straight to the token
 *   when the `MSISAuth` session allows single sign-on.
 * - `POST ?wa=wsignin1.0` (`UserName`, `Password`, `AuthMethod`): forms sign-in;
 *   wrong credentials show the page again with AD FS's error, right ones set
 *   the MSIS cookies and answer the auto-posting form with `wresult`.
 * - `wa=wsignout1.0` / `wsignoutcleanup1.0`: ends the session, clears the cookies.
 */
export function passiveEndpoint(ctx: AdfsContext): RequestHandler {
  return async function adfsPassiveEndpoint(req: Request, res: Response) {
    const farm = farmOfRequest(ctx, req);
    const request = parsePassiveRequest(new URLSearchParams(rawQuery(req)), [
      MICROSOFT_ONLINE_REALM,
    ]);
    if (request.kind === 'signout') return signOut(ctx, req, res, farm, request);
    if (req.method === 'POST') return formsSignIn(ctx, req, res, farm, request);
    return signInOrSso(ctx, req, res, farm, request);
  };
}

function signInOrSso(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  farm: Farm,
  request: SignInRequest,
): void {
  const session = ctx.sessions.find(cookieOf(req, MSIS_COOKIES.auth), farm.adfsHost);
  const user = session && ctx.deps.directory.user(session.upn);
  if (session && user && freshEnough(ctx, session, request)) {
    issueToken(ctx, req, res, farm, request, user, session, 'sso');
    return;
  }
  showSignInPage(res, farm, req, request.userName);
}

/** `wfresh` (minutes): 0 forces a new sign-in; otherwise the session must be at most that old. */
function freshEnough(ctx: AdfsContext, session: AdfsSession, request: SignInRequest): boolean {
  if (request.freshnessMin === undefined) return true;
  return ctx.deps.clock.now() - session.authenticatedAtMs < request.freshnessMin * 60_000;
}

function formsSignIn(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  farm: Farm,
  request: SignInRequest,
): void {
  const fields = formFields(req);
  const authMethod = fields.AuthMethod ?? 'FormsAuthentication';
  // Only forms authentication is enabled for the extranet here: any other
  // method posted leads back to the forms page.
  if (authMethod !== 'FormsAuthentication') {
    showSignInPage(res, farm, req, fields.UserName ?? request.userName);
    return;
  }
  const userName = fields.UserName ?? '';
  const result = authenticate(ctx.deps.directory, farm, userName, fields.Password ?? '');
  if (!result.ok) {
    ctx.deps.trace.event('adfs', 'adfs.signin.failed', `forms sign-in failed (${result.reason})`, {
      userName,
      reason: result.reason,
    });
    showSignInPage(res, farm, req, userName, INCORRECT_CREDENTIALS);
    return;
  }
  const session = ctx.sessions.create(result.user.upn, farm.adfsHost);
  setCookie(res, MSIS_COOKIES.auth, session.id);
  setCookie(
    res,
    MSIS_COOKIES.authenticated,
    Buffer.from(new Date(session.authenticatedAtMs).toISOString()).toString('base64'),
  );
  setCookie(res, MSIS_COOKIES.signOut, Buffer.from(request.realm).toString('base64'));
  issueToken(ctx, req, res, farm, request, result.user, session, 'forms');
}

function formFields(req: Request): Record<string, string | undefined> {
  const body: unknown = req.body;
  if (!body || Buffer.isBuffer(body) || typeof body !== 'object') return {};
  const fields: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(body as Record<string, unknown>)) {
    if (typeof value === 'string') fields[name] = value;
  }
  return fields;
}

function showSignInPage(
  res: Response,
  farm: Farm,
  req: Request,
  userName: string | undefined,
  error?: string,
): void {
  const query = rawQuery(req);
  res
    .status(200)
    .set(NO_CACHE_HEADERS)
    .type('html')
    .send(
      signInPage({
        brandName: farm.brandName,
        action: `/adfs/ls/${query ? `?${query}` : ''}`,
        ...(userName !== undefined ? { userName } : {}),
        ...(error !== undefined ? { error } : {}),
      }),
    );
}

/** Step 11: the signed token, in a form that posts itself to the relying party. */
function issueToken(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  farm: Farm,
  request: SignInRequest,
  user: User,
  session: AdfsSession,
  how: 'forms' | 'sso',
): void {
  const { clock, directory, keys, trace } = ctx.deps;
  const now = clock.now();
  countForLoopDetection(ctx, req, res, request, now);
  const immutableId = immutableIdOf(user);
  const issuer = issuerFor(directory, farm, user);
  const assertionId = `_${randomUUID()}`;
  const inside = !viaProxy(req);
  const wresult = buildWsFedResponse({
    issuer,
    audience: request.realm,
    immutableId,
    upn: user.upn,
    nowMs: now,
    authenticationInstantMs: session.authenticatedAtMs,
    lifetimeMs: ctx.config.tokenLifetimeMs,
    notBeforeSkewMs: ctx.config.notBeforeSkewMs,
    assertionId,
    extraAttributes: ctx.config.emitInsideCorporateNetwork
      ? [{ ...SAML_CLAIMS.insideCorporateNetwork, values: [String(inside)] }]
      : [],
    signingKey: keys.adfs,
  });
  trace.event('adfs', 'adfs.token.issued', `SAML 1.1 token for ${user.upn} (${how})`, {
    upn: user.upn,
    immutableId,
    issuer,
    assertionId,
    audience: request.realm,
    via: how,
  });
  const fields: Record<string, string> = { wa: 'wsignin1.0', wresult };
  if (request.context !== undefined) fields.wctx = request.context;
  res.status(200).set(NO_CACHE_HEADERS).type('html').send(autoPostForm(ctx.replyUrl, fields));
}

function countForLoopDetection(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  request: SignInRequest,
  now: number,
): void {
  const limits = ctx.config.loopDetection;
  if (!limits) return;
  const previous = loopStateFromCookie(cookieOf(req, MSIS_COOKIES.loopDetection));
  const state = countToken(previous, now, limits.intervalMs);
  setCookie(res, MSIS_COOKIES.loopDetection, loopStateToCookie(state));
  if (state.count > limits.maxTokens) {
    const seconds = Math.max(1, Math.ceil((now - state.windowStartMs) / 1000));
    throw new LoopDetectedError(state.count, seconds, request.realm);
  }
}

function signOut(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  farm: Farm,
  request: SignOutRequest,
): void {
  const session = ctx.sessions.find(cookieOf(req, MSIS_COOKIES.auth), farm.adfsHost);
  ctx.sessions.delete(cookieOf(req, MSIS_COOKIES.auth));
  for (const name of Object.values(MSIS_COOKIES)) clearCookie(res, name);
  ctx.deps.trace.event('adfs', 'adfs.signout', 'AD FS session ended', {
    upn: session?.upn ?? null,
  });
  res.set(NO_CACHE_HEADERS);
  // Back to the relying party only when it is one (Entra); never an open redirect.
  const reply = request.reply !== undefined ? safeUrl(request.reply) : undefined;
  if (reply && ctx.deps.hosts.partyFor(reply.hostname) === 'entra') {
    res.redirect(302, reply.href);
    return;
  }
  res.status(200).type('html').send(signedOutPage(farm.brandName));
}

function safeUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}
