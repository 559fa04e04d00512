import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { enterUserCode } from '../protocol/device-code.js';
import { sendSignInOutcome } from './sign-in-response.js';
import { DEVICE_HEADER, formOf, queryOf } from './request.js';

/**
 * `GET|POST /common/oauth2/deviceauth`: the page where the user types the
 * device flow's user code (field `otc`); a good code continues to the sign-in pages.
 */
export function deviceLoginEndpoint(context: EntraContext): RequestHandler {
  return function deviceLoginHandler(req, res) {
    const otc = req.method === 'POST' ? formOf(req).otc : queryOf(req).otc;
    if (otc === undefined) {
      sendSignInOutcome(context, req, res, { kind: 'page', page: 'device-code' });
      return;
    }
    sendSignInOutcome(context, req, res, enterUserCode(context, otc, req.get(DEVICE_HEADER)));
  };
}
