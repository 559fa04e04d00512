import { sendJson } from '@hma-lab/core';
import type { RequestHandler, Response } from 'express';
import { EntraError } from '../errors.js';
import { parseBasicAuthorization } from '../protocol/client-auth.js';
import type { EntraContext } from '../protocol/context.js';
import { deviceControlsOf } from '../protocol/authorize-request.js';
import { handleTokenRequest, type TokenResult } from '../protocol/token-grants.js';
import { resolveTenant } from '../protocol/tenant.js';
import { DEVICE_HEADER, formOf, ipaddrOf, noStore, stampResponse } from './request.js';

/** A v1 token response body: numbers as strings, `resource`, `expires_on`, `not_before`. */
export interface V1TokenResponseBody {
  token_type: 'Bearer';
  scope?: string;
  expires_in: string;
  ext_expires_in: string;
  expires_on: string;
  not_before: string;
  resource: string;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

/** A v2 token response body: integer lifetimes, qualified `scope`. */
export interface V2TokenResponseBody {
  token_type: 'Bearer';
  scope: string;
  expires_in: number;
  ext_expires_in: number;
  access_token: string;
  refresh_token?: string;
  id_token?: string;
  client_info?: string;
}

/** The wire body of a grant's result. */
export function tokenResponseBody(
  context: EntraContext,
  result: TokenResult,
): V1TokenResponseBody | V2TokenResponseBody {
  const nowS = Math.floor(context.now() / 1000);
  const expiresIn = Math.max(0, result.accessToken.expiresAtS - nowS);
  const optional = {
    ...(result.refreshToken ? { refresh_token: result.refreshToken } : {}),
    ...(result.idToken ? { id_token: result.idToken } : {}),
    ...(result.clientInfo ? { client_info: result.clientInfo } : {}),
  };
  if (result.version === 'v1') {
    return {
      token_type: 'Bearer',
      ...(result.scope ? { scope: result.scope } : {}),
      expires_in: String(expiresIn),
      ext_expires_in: String(expiresIn),
      expires_on: String(result.accessToken.expiresAtS),
      not_before: String(result.accessToken.issuedAtS),
      resource: result.resource,
      access_token: result.accessToken.token,
      ...optional,
    };
  }
  return {
    token_type: 'Bearer',
    scope: result.scope,
    expires_in: expiresIn,
    ext_expires_in: expiresIn,
    access_token: result.accessToken.token,
    ...optional,
  };
}

/**
 * `POST /{tenant}/oauth2/token` (v1) and `/{tenant}/oauth2/v2.0/token`
 * (FLOWS.md steps 15, 17, 19): every grant, Entra's response shapes.
 */
export function tokenEndpoint(context: EntraContext, version: 'v1' | 'v2'): RequestHandler {
  return async function tokenHandler(req, res) {
    const tenant = resolveTenant(context.deps.directory, String(req.params.tenant ?? ''));
    const basic = parseBasicAuthorization(req.get('authorization'));
    const result = await handleTokenRequest(context, {
      version,
      tenant,
      params: formOf(req),
      ...(basic ? { basic } : {}),
      ipaddr: ipaddrOf(req),
      deviceControls: deviceControlsOf(context, req.get(DEVICE_HEADER)),
    });
    send(req, res, tokenResponseBody(context, result));
  };
}

function send(req: Parameters<RequestHandler>[0], res: Response, body: object): void {
  stampResponse(req, res);
  noStore(res);
  sendJson(res, body);
}

/** Anything but POST on a POST-only endpoint: AADSTS900561. */
export function postOnly(): RequestHandler {
  return function postOnlyHandler(req) {
    throw new EntraError(
      900561,
      `The endpoint only accepts POST, OPTIONS requests. Received a ${req.method} request.`,
    );
  };
}
