import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { flowOf, postConsent } from '../protocol/sign-in.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { formOf } from './request.js';

/** `POST /{tenant}/Consent/Set`: the answer of the consent page (prompt=consent). */
export function consentEndpoint(context: EntraContext): RequestHandler {
  return function consentHandler(req, res) {
    const form = formOf(req);
    const flow = flowOf(context, form.ctx, form.flowToken, { requireFlowToken: true });
    sendSignInOutcome(context, req, res, postConsent(context, flow, form));
  };
}
