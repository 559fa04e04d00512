import { createServiceApp, type ServiceDeps } from '@hma-lab/core';
import type express from 'express';
import { DEFAULT_ADFS_CONFIG, type AdfsConfig } from '../config.js';
import { AdfsNotFoundError } from '../errors.js';
import { createSessionStore } from '../protocol/sessions.js';
import { WS_TRUST } from '../protocol/ws-trust.js';
import type { AdfsContext } from './adfs-context.js';
import { adfsErrorHandler } from './adfs-error-handler.js';
import { metadataEndpoint } from './metadata-endpoint.js';
import { passiveEndpoint } from './passive-endpoint.js';
import { usernameMixedEndpoint, usernameMixedMethodNotAllowed } from './username-mixed-endpoint.js';
import {
  isUsernameMixed,
  USERNAME_MIXED_PATHS,
  wsTrustErrorHandler,
} from './ws-trust-error-handler.js';
import { wsTrustMexEndpoint } from './ws-trust-mex-endpoint.js';

export interface AdfsService {
  app: express.Express;
  /** Ends every AD FS session. */
  close(): Promise<void>;
}

/**
 * The AD FS farm of the scenario's federated domains (party `adfs`, host
 * `federation.adfsHost`, reached through the proxy): WS-Federation passive
 * sign-in at `/adfs/ls/` with forms authentication and single sign-on, a
 * signed SAML 1.1 token posted to Entra's `/login.srf`, sign-out, the
 * federation metadata, and WS-Trust username/password sign-in (MEX and the
 * 1.3 and 2005 `usernamemixed` endpoints) for MSAL and ADAL. Steps 9–11 of flow A.
 *
 * @example
 * ```ts
 * const adfs = createAdfs(ctx.depsFor('adfs'));
 * ctx.mount('adfs', adfs.app);
 * ```
 * @see WS-Federation 1.2 §13 (passive requestor profile); MS-MWBF; WS-Trust 1.3 §4; protocol-facts §5.3
 */
export function createAdfs(deps: ServiceDeps, config: Partial<AdfsConfig> = {}): AdfsService {
  const settings: AdfsConfig = { ...DEFAULT_ADFS_CONFIG, ...config };
  const ctx: AdfsContext = {
    deps,
    config: settings,
    replyUrl: settings.replyUrl ?? deps.hosts.url('entra', '/login.srf'),
    sessions: createSessionStore(deps.clock, deps.directory, settings.ssoLifetimeMs),
  };
  // WS-Trust messages are read raw whatever their content type (a SOAP
  // message sent as JSON still gets a SOAP fault).
  const app = createServiceApp('adfs', deps, { parseBody: (req) => !isUsernameMixed(req) });
  const passive = passiveEndpoint(ctx);
  app.get('/adfs/ls', passive);
  app.post('/adfs/ls', passive);
  app.get('/FederationMetadata/2007-06/FederationMetadata.xml', metadataEndpoint(ctx));
  // WS-Trust for username/password clients (MSAL, ADAL): MEX, then the RST.
  app.get('/adfs/services/trust/mex', wsTrustMexEndpoint(ctx));
  app.post(WS_TRUST['13'].usernameMixedPath, usernameMixedEndpoint(ctx, '13'));
  app.post(WS_TRUST['2005'].usernameMixedPath, usernameMixedEndpoint(ctx, '2005'));
  app.all(USERNAME_MIXED_PATHS, usernameMixedMethodNotAllowed());
  app.use(USERNAME_MIXED_PATHS, wsTrustErrorHandler(ctx));
  // The health probe load balancers and the proxy use (AD FS 2016+).
  app.get('/adfs/probe', function adfsProbe(_req, res) {
    res.status(200).type('text/plain').send('');
  });
  app.use(function adfsNotFound() {
    throw new AdfsNotFoundError();
  });
  app.use(adfsErrorHandler(ctx));
  return {
    app,
    async close() {
      ctx.sessions.clear();
    },
  };
}
