import type { Request, RequestHandler, Response } from 'express';
import { ENTRA_ERRORS } from '../errors.js';
import type { EntraContext } from '../protocol/context.js';
import { instanceDiscovery, jwks, v1Configuration, v2Configuration } from '../protocol/metadata.js';
import { resolveTenant } from '../protocol/tenant.js';
import { errorLookupPage } from './pages.js';
import { queryOf, stampResponse } from './request.js';

function tenantParam(req: Request): string {
  return String(req.params.tenant ?? '');
}

function sendJson(req: Request, res: Response, body: unknown): void {
  stampResponse(req, res);
  res.set('Cache-Control', 'max-age=86400, private');
  res.set('Access-Control-Allow-Origin', '*');
  res.status(200).json(body);
}

/** `GET /{tenant}/.well-known/openid-configuration` (v1). */
export function openidConfigurationV1(context: EntraContext): RequestHandler {
  return function openidConfigurationV1Endpoint(req, res) {
    sendJson(
      req,
      res,
      v1Configuration(context, resolveTenant(context.deps.directory, tenantParam(req))),
    );
  };
}

/** `GET /{tenant}/v2.0/.well-known/openid-configuration`. */
export function openidConfigurationV2(context: EntraContext): RequestHandler {
  return function openidConfigurationV2Endpoint(req, res) {
    sendJson(
      req,
      res,
      v2Configuration(context, resolveTenant(context.deps.directory, tenantParam(req))),
    );
  };
}

/** `GET /{tenant}/discovery/keys` and `/{tenant}/discovery/v2.0/keys`. */
export function jwksEndpoint(context: EntraContext, version: 'v1' | 'v2'): RequestHandler {
  return function jwksKeysEndpoint(req, res) {
    sendJson(
      req,
      res,
      jwks(context, resolveTenant(context.deps.directory, tenantParam(req)), version),
    );
  };
}

/** `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...`. */
export function instanceDiscoveryEndpoint(context: EntraContext): RequestHandler {
  return function instanceDiscoveryHandler(req, res) {
    sendJson(req, res, instanceDiscovery(context, queryOf(req).authorization_endpoint));
  };
}

/** `GET /error?code=n`: what the `error_uri` of every error body points at. */
export function errorLookupEndpoint(): RequestHandler {
  return function errorLookupHandler(req, res) {
    const code = queryOf(req).code ?? '';
    const row = ENTRA_ERRORS.find((r) => String(r.code) === code);
    stampResponse(req, res);
    res
      .status(row ? 200 : 404)
      .type('html')
      .send(errorLookupPage(row, code));
  };
}
