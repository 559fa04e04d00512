import { createServiceApp } from '@hma-lab/core';
import type express from 'express';
import type { EntraContext } from '../protocol/context.js';
import { authorizeEndpoint } from './authorize-endpoint.js';
import { consentEndpoint } from './consent-endpoint.js';
import { devicecodeEndpoint } from './devicecode-endpoint.js';
import { deviceLoginEndpoint } from './device-login-endpoint.js';
import { entraErrorHandler } from './error-middleware.js';
import {
  getCredentialTypeEndpoint,
  getUserRealmEndpoint,
  userRealmEndpoint,
} from './home-realm-endpoints.js';
import { loginEndpoint } from './login-endpoint.js';
import { loginSrfEndpoint } from './login-srf-endpoint.js';
import { logoutEndpoint } from './logout-endpoint.js';
import {
  errorLookupEndpoint,
  instanceDiscoveryEndpoint,
  jwksEndpoint,
  openidConfigurationV1,
  openidConfigurationV2,
} from './metadata-endpoints.js';
import { processAuthEndpoint } from './process-auth-endpoint.js';
import { stampResponse } from './request.js';
import { postOnly, tokenEndpoint } from './token-endpoint.js';
import { entraSlow, entraUnavailable } from './fault-gates.js';

/**
 * The express app of the mock Entra: every route of README.md, then the one
 * error middleware. Routes answer on every entra host name alike.
 */
export function createEntraApp(context: EntraContext): express.Express {
  const app = createServiceApp('entra', context.deps);
  app.use(entraSlow(context.deps.faults));

  // Token endpoints (JSON errors), first: the busiest routes, and express tries
  // routes in order.
  app.post(
    '/:tenant/oauth2/token',
    entraUnavailable(context.deps.faults),
    tokenEndpoint(context, 'v1'),
  );
  app.post(
    '/:tenant/oauth2/v2.0/token',
    entraUnavailable(context.deps.faults),
    tokenEndpoint(context, 'v2'),
  );
  app.post('/:tenant/oauth2/devicecode', devicecodeEndpoint(context, 'v1'));
  app.post('/:tenant/oauth2/v2.0/devicecode', devicecodeEndpoint(context, 'v2'));
  for (const path of [
    '/:tenant/oauth2/token',
    '/:tenant/oauth2/v2.0/token',
    '/:tenant/oauth2/devicecode',
    '/:tenant/oauth2/v2.0/devicecode',
  ]) {
    app.options(path, function tokenPreflight(req, res) {
      stampResponse(req, res);
      res.set('Access-Control-Allow-Origin', req.get('origin') ?? '*');
      res.set('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.set('Access-Control-Allow-Headers', req.get('access-control-request-headers') ?? '*');
      res.status(204).end();
    });
    app.all(path, postOnly());
  }

  // Metadata and discovery (JSON errors).
  app.get('/common/discovery/instance', instanceDiscoveryEndpoint(context));
  app.get('/error', errorLookupEndpoint());
  app.get('/getuserrealm.srf', getUserRealmEndpoint(context));
  app.get('/common/userrealm/:login', userRealmEndpoint(context));
  app.get('/common/userrealm', userRealmEndpoint(context));
  app.post('/common/GetCredentialType', getCredentialTypeEndpoint(context));
  app.post('/:tenant/GetCredentialType', getCredentialTypeEndpoint(context));
  app.get('/:tenant/.well-known/openid-configuration', openidConfigurationV1(context));
  app.get('/:tenant/v2.0/.well-known/openid-configuration', openidConfigurationV2(context));
  app.get('/:tenant/discovery/keys', jwksEndpoint(context, 'v1'));
  app.get('/:tenant/discovery/v2.0/keys', jwksEndpoint(context, 'v2'));

  // Interactive pages: their errors are pages (errorStyleOf); authorize errors
  // redirect once the redirect URI is trusted.
  app.get('/:tenant/oauth2/authorize', authorizeEndpoint(context, 'v1'));
  app.post('/:tenant/oauth2/authorize', authorizeEndpoint(context, 'v1'));
  app.get('/:tenant/oauth2/v2.0/authorize', authorizeEndpoint(context, 'v2'));
  app.post('/:tenant/oauth2/v2.0/authorize', authorizeEndpoint(context, 'v2'));
  app.post('/:tenant/login', loginEndpoint(context));
  app.post('/login.srf', loginSrfEndpoint(context));
  app.post('/:tenant/SAS/ProcessAuth', processAuthEndpoint(context));
  app.post('/:tenant/Consent/Set', consentEndpoint(context));
  app.get('/:tenant/oauth2/deviceauth', deviceLoginEndpoint(context));
  app.post('/:tenant/oauth2/deviceauth', deviceLoginEndpoint(context));
  app.get('/:tenant/oauth2/logout', logoutEndpoint(context));
  app.get('/:tenant/oauth2/v2.0/logout', logoutEndpoint(context));

  // The redirect URI Entra gives native clients: a blank page the embedded browser stops at.
  app.get('/common/oauth2/nativeclient', function nativeClientPage(req, res) {
    stampResponse(req, res);
    res
      .status(200)
      .type('html')
      .send(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title></title></head><body></body></html>',
      );
  });

  app.use(function notFound(req, res) {
    stampResponse(req, res);
    res
      .status(404)
      .type('html')
      .send(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>Not found</title></head>' +
          '<body><h1>404 - Not found</h1></body></html>',
      );
  });
  app.use(entraErrorHandler(context));
  return app;
}
