import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { getCredentialType, getUserRealm, getUserRealmV2 } from '../protocol/home-realm.js';
import { queryOf, stampResponse } from './request.js';

/** `GET /getuserrealm.srf?login=<upn>&json=1`. */
export function getUserRealmEndpoint(context: EntraContext): RequestHandler {
  return function getUserRealmHandler(req, res) {
    const query = queryOf(req);
    stampResponse(req, res);
    res.status(200).json(getUserRealm(context, (query.login ?? query.user ?? '').trim()));
  };
}

/** `GET /common/userrealm/<upn>?api-version=2.1`. */
export function userRealmV2Endpoint(context: EntraContext): RequestHandler {
  return function userRealmV2Handler(req, res) {
    const login = String(req.params.login ?? queryOf(req).user ?? '').trim();
    stampResponse(req, res);
    res.status(200).json(getUserRealmV2(context, login));
  };
}

/** `POST /common/GetCredentialType` (JSON body). */
export function getCredentialTypeEndpoint(context: EntraContext): RequestHandler {
  return function getCredentialTypeHandler(req, res) {
    const body =
      req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    stampResponse(req, res);
    res.status(200).json(getCredentialType(context, body));
  };
}
