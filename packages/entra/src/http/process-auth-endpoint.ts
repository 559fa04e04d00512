import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { flowOf, postProcessAuth } from '../protocol/sign-in.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { formOf } from './request.js';

/** `POST /common/SAS/ProcessAuth` (FLOWS.md step 14): checks the TOTP code `otc`. */
export function processAuthEndpoint(context: EntraContext): RequestHandler {
  return function processAuthHandler(req, res) {
    const form = formOf(req);
    const flow = flowOf(context, form.ctx, form.flowToken, { requireFlowToken: true });
    sendSignInOutcome(context, req, res, postProcessAuth(context, flow, form));
  };
}
