import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { usableSession } from '../protocol/sessions.js';
import { flowOf, postLogin, type SignInOutcome } from '../protocol/sign-in.js';
import { randomToken } from '../protocol/ids.js';
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
    let outcome: SignInOutcome;
    if (form.other === '1') {
      flow.stage = 'login';
      delete flow.login;
      const flowToken = randomToken(48);
      flow.flowTokens.push(flowToken);
      outcome = { kind: 'page', page: 'signin', flow, flowToken };
    } else {
      outcome = postLogin(context, flow, form, session);
    }
    sendSignInOutcome(context, req, res, outcome);
  };
}
