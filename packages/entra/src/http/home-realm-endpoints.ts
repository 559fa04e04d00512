import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import {
  getCredentialType,
  getUserRealm,
  getUserRealmV1,
  getUserRealmV2,
} from '../protocol/home-realm.js';
import { queryOf, stampResponse } from './request.js';

/** `GET /getuserrealm.srf?login=<upn>&json=1`. */
export function getUserRealmEndpoint(context: EntraContext): RequestHandler {
  return function getUserRealmHandler(req, res) {
    const query = queryOf(req);
    stampResponse(req, res);
    res.status(200).json(getUserRealm(context, (query.login ?? query.user ?? '').trim()));
  };
}

/**
 * `GET /common/userrealm/<upn>?api-version=…`: the 1.0 shape (`account_type`,
 * what MSAL and ADAL ask for) for `api-version=1.0`, otherwise the 2.1 shape
 * (`NameSpaceType`).
 */
export function userRealmEndpoint(context: EntraContext): RequestHandler {
  return function userRealmHandler(req, res) {
    const query = queryOf(req);
    const login = String(req.params.login ?? query.user ?? '').trim();
    stampResponse(req, res);
    const version = query['api-version']?.trim();
    res
      .status(200)
      .json(version === '1.0' ? getUserRealmV1(context, login) : getUserRealmV2(context, login));
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
