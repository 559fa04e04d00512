import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { usableSession } from '../protocol/sessions.js';
import { flowOf, postLogin, useAnotherAccount, type SignInOutcome } from '../protocol/sign-in.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { cookiesOf, formOf, SESSION_COOKIE } from './request.js';

/**
 * `POST /{tenant}/login` (FLOWS.md step 7): home realm discovery on `login`
 * (federated -> 302 to AD FS through the proxy, managed -> password page), the
 * password check on `login` + `passwd`, and the account picker's choices.
 */
export function loginEndpoint(context: EntraContext): RequestHandler {
  return function loginHandler(req, res) {
    const form = formOf(req);
    const flow = flowOf(context, form.ctx, form.flowToken, { requireFlowToken: true });
    const session = usableSession(context, cookiesOf(req)[SESSION_COOKIE]);
    const outcome: SignInOutcome =
      form.other === '1' ? useAnotherAccount(flow) : postLogin(context, flow, form, session);
    sendSignInOutcome(context, req, res, outcome);
  };
}
