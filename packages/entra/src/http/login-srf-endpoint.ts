import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { usableSession } from '../protocol/sessions.js';
import { postWsFederation } from '../protocol/sign-in.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { cookiesOf, formOf, SESSION_COOKIE } from './request.js';

/**
 * `POST /login.srf` (FLOWS.md step 11): the WS-Federation sign-in response
 * from AD FS (`wa`, `wresult`, `wctx`), verified, then conditional access.
 */
export function loginSrfEndpoint(context: EntraContext): RequestHandler {
  return function loginSrfHandler(req, res) {
    const session = usableSession(context, cookiesOf(req)[SESSION_COOKIE]);
    sendSignInOutcome(context, req, res, postWsFederation(context, formOf(req), session));
  };
}
