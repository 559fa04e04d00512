import type { RequestHandler } from 'express';
import { validateAuthorizeRequest } from '../protocol/authorize-request.js';
import type { EntraContext } from '../protocol/context.js';
import { usableSession } from '../protocol/sessions.js';
import { startAuthorize } from '../protocol/sign-in.js';
import { resolveTenant } from '../protocol/tenant.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { cookiesOf, DEVICE_HEADER, formOf, queryOf, SESSION_COOKIE } from './request.js';

/**
 * `GET|POST /{tenant}/oauth2/authorize` (v1) and `/{tenant}/oauth2/v2.0/authorize`
 * (FLOWS.md step 7): validates the request, then shows the sign-in page, goes
 * straight to AD FS (domain_hint), or signs in silently with the session cookie.
 */
export function authorizeEndpoint(context: EntraContext, version: 'v1' | 'v2'): RequestHandler {
  return function authorizeHandler(req, res) {
    const tenant = resolveTenant(context.deps.directory, String(req.params.tenant ?? ''));
    const params = req.method === 'POST' ? { ...queryOf(req), ...formOf(req) } : queryOf(req);
    const request = validateAuthorizeRequest(
      context,
      tenant,
      version,
      params,
      req.get(DEVICE_HEADER),
    );
    const session = usableSession(context, cookiesOf(req)[SESSION_COOKIE]);
    sendSignInOutcome(context, req, res, startAuthorize(context, request, session));
  };
}
