import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { deviceCodeMessage, startDeviceCode, verificationUri } from '../protocol/device-code.js';
import { resolveTenant } from '../protocol/tenant.js';
import { formOf, noStore, stampResponse } from './request.js';

/**
 * `POST /{tenant}/oauth2/devicecode` (v1: `verification_url`, numbers as
 * strings, as ADAL reads it) and `/{tenant}/oauth2/v2.0/devicecode` (RFC 8628).
 */
export function devicecodeEndpoint(context: EntraContext, version: 'v1' | 'v2'): RequestHandler {
  return function devicecodeHandler(req, res) {
    const tenant = resolveTenant(context.deps.directory, String(req.params.tenant ?? ''));
    const grant = startDeviceCode(context, tenant, version, formOf(req));
    const expiresIn = Math.round((grant.expiresAtMs - grant.issuedAtMs) / 1000);
    const message = deviceCodeMessage(context, grant);
    stampResponse(req, res);
    noStore(res);
    if (version === 'v1') {
      res.status(200).json({
        user_code: grant.userCode,
        device_code: grant.deviceCode,
        verification_url: verificationUri(context),
        expires_in: String(expiresIn),
        interval: String(grant.intervalS),
        message,
      });
      return;
    }
    res.status(200).json({
      user_code: grant.userCode,
      device_code: grant.deviceCode,
      verification_uri: verificationUri(context),
      expires_in: expiresIn,
      interval: grant.intervalS,
      message,
    });
  };
}
