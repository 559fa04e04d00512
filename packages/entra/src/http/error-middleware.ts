import { autoPostForm, isLabError, protocolErrorHandler, BodyTooLargeError } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { EntraError, isEntraError, type ErrorRedirect } from '../errors.js';
import type { EntraContext } from '../protocol/context.js';
import { newGuid } from '../protocol/ids.js';
import { errorPage } from './pages.js';
import {
  correlationIdOf,
  entraTimestamp,
  noStore,
  stampResponse,
  type ErrorStyle,
} from './request.js';

/**
 * Entra's one error middleware: every error becomes Entra's JSON error body,
 * an error page (interactive routes), or an error redirect to a validated
 * redirect URI (authorize after the client and redirect URI checked out).
 * Bugs become AADSTS50000 (500), logged with their cause.
 */
export function entraErrorHandler(context: EntraContext): ErrorRequestHandler {
  return protocolErrorHandler('entra', context.deps, function renderEntraError(error, req, res) {
    const entraError = toEntraError(error);
    const traceId = newGuid();
    const correlationId = correlationIdOf(req, res);
    const timestamp = entraTimestamp(context);
    stampResponse(req, res, traceId);
    noStore(res);
    const description =
      `AADSTS${entraError.aadsts}: ${entraError.message}\r\n` +
      `Trace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`;
    if (entraError.redirect) {
      sendErrorRedirect(res, entraError, entraError.redirect, description, correlationId, context);
      return;
    }
    if (errorStyleOf(req) === 'page') {
      res
        .status(entraError.status)
        .type('html')
        .send(
          errorPage({
            code: entraError.aadsts,
            message: entraError.message,
            traceId,
            correlationId,
            timestamp,
          }),
        );
      return;
    }
    if (entraError.status === 401) {
      // RFC 6749 §5.2: a failed client authentication may carry a challenge.
      if (req.get('authorization')?.toLowerCase().startsWith('basic')) {
        res.set('WWW-Authenticate', 'Basic realm="login.microsoftonline.com"');
      }
    }
    res.status(entraError.status).json({
      error: entraError.error,
      error_description: description,
      error_codes: [entraError.aadsts, ...entraError.extraCodes],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `${context.origin()}/error?code=${entraError.aadsts}`,
      ...(entraError.suberror ? { suberror: entraError.suberror } : {}),
      ...(entraError.claims ? { claims: entraError.claims } : {}),
    });
  });
}

function toEntraError(error: unknown): EntraError {
  if (isEntraError(error)) return error;
  if (error instanceof BodyTooLargeError) {
    return new EntraError(
      9002313,
      `Invalid request. Request is malformed or invalid: ${error.message}.`,
      {
        status: 413,
      },
    );
  }
  if (isLabError(error) && error.status < 500) {
    return new EntraError(
      9002313,
      `Invalid request. Request is malformed or invalid: ${error.message}.`,
    );
  }
  return new EntraError(50000);
}

/** Appends query/fragment parameters to any redirect URI, custom schemes included. */
export function appendParams(
  uri: string,
  params: Array<[string, string]>,
  separator: '?' | '#',
): string {
  const encoded = params
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');
  if (separator === '#') return `${uri.split('#')[0]}#${encoded}`;
  return `${uri}${uri.includes('?') ? '&' : '?'}${encoded}`;
}

function sendErrorRedirect(
  res: Response,
  error: EntraError,
  redirect: ErrorRedirect,
  description: string,
  correlationId: string,
  context: EntraContext,
): void {
  const params: Array<[string, string]> = [
    ['error', redirectErrorValue(error)],
    ['error_description', description],
    ['error_uri', `${context.origin()}/error?code=${error.aadsts}`],
  ];
  if (error.suberror) params.push(['suberror', error.suberror]);
  if (redirect.state !== undefined) params.push(['state', redirect.state]);
  params.push(['correlation_id', correlationId]);
  if (redirect.responseMode === 'form_post') {
    res
      .status(200)
      .type('html')
      .send(autoPostForm(redirect.redirectUri, Object.fromEntries(params)));
    return;
  }
  res.redirect(
    302,
    appendParams(redirect.redirectUri, params, redirect.responseMode === 'fragment' ? '#' : '?'),
  );
}

/** The `error` value an authorize error redirect carries (RFC 6749 §4.1.2.1 + OIDC). */
function redirectErrorValue(error: EntraError): string {
  switch (error.aadsts) {
    case 50058:
      return 'login_required';
    case 50076:
    case 50079:
      return 'interaction_required';
    case 65001:
      return 'consent_required';
    case 65004:
    case 53000:
    case 53001:
    case 53002:
    case 53003:
      return 'access_denied';
    default:
      return error.error === 'invalid_grant' ? 'invalid_request' : error.error;
  }
}

/**
 * The interactive routes, whose errors are pages: authorize (v1, v2), the
 * sign-in, MFA and consent posts, login.srf, the device-code page and logout,
 * `:tenant` being any one segment. Decided from the path, not by a middleware
 * on those routes, so that an error raised before any route matched (a body
 * that cannot be read, a tenant segment that does not decode) is a page too.
 * Like express's routes it ignores case and matches the path's start.
 */
const PAGE_PATH =
  /^\/(?:login\.srf|[^/]+\/(?:oauth2\/(?:v2\.0\/)?(?:authorize|logout)|oauth2\/deviceauth|login|SAS\/ProcessAuth|Consent\/Set))(?:\/|$)/i;

/** How an error of this request is shown. */
export function errorStyleOf(req: Request): ErrorStyle {
  return PAGE_PATH.test(req.path) ? 'page' : 'json';
}
