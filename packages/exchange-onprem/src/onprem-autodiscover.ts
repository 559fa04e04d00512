import { createServiceApp, requestHost, type ServiceDeps } from '@hma-lab/core';
import type express from 'express';
import type { RequestHandler } from 'express';
import {
  resolveActiveSyncConfig,
  resolveAutodiscoverConfig,
  type OnpremAutodiscoverConfig,
} from './config.js';
import { authenticate, type AuthVdir } from './http/activesync-auth.js';
import { createEntraJwks } from './http/entra-jwks.js';
import { preauthSignIn } from './http/preauth-proxy.js';
import { poxAutodiscoverEndpoint } from './http/pox-autodiscover-endpoint.js';
import { createTokenCache } from './protocol/token-cache.js';
import { autodiscoverEndpoint } from './http/autodiscover-endpoint.js';
import { autodiscoverErrors, autodiscoverNotFound } from './http/autodiscover-errors.js';
import { exchangeHeaders } from './http/exchange-headers.js';

/** The on-prem AutoDiscover party (`onprem-autodiscover`). */
export interface OnpremAutodiscoverService {
  app: express.Express;
  config: OnpremAutodiscoverConfig;
  close(): Promise<void>;
}

/**
 * POX AutoDiscover for ActiveSync clients: authenticated as the server's
 * other virtual directories are (Bearer for `https://<the host asked>`, or
 * Basic unless `BlockLegacyAuthAutodiscover`), with the same OAuth settings as
 * the ActiveSync vdir (Entra's JWKS, clock skew, diagnostics).
 */
function poxAutodiscover(deps: ServiceDeps, resolved: OnpremAutodiscoverConfig): RequestHandler[] {
  const server = resolveActiveSyncConfig(deps, { onprem: resolved.onprem });
  const event = (action: string, summary: string, data?: Record<string, unknown>) =>
    deps.trace.event('onprem-autodiscover', action, summary, data);
  const jwks = createEntraJwks({
    fetch: deps.fetch,
    url: server.jwksUrl,
    clock: deps.clock,
    cacheMs: server.jwksCacheMs,
    log: deps.log,
    party: 'onprem-autodiscover',
  });
  const vdir: AuthVdir = {
    name: 'Autodiscover',
    origin: (req) => `${server.onprem.sslOffload ? 'http' : 'https'}://${requestHost(req)}`,
    rejectedEvent: 'onprem.autodiscover.auth.rejected',
  };
  const state = {
    config: server,
    directory: deps.directory,
    clock: deps.clock,
    faults: deps.faults,
    event,
  };
  return [
    authenticate(state, { jwks, tokens: createTokenCache() }, vdir),
    poxAutodiscoverEndpoint({
      directory: deps.directory,
      clock: deps.clock,
      easUrl: `https://${server.onprem.easHost}/Microsoft-Server-ActiveSync`,
      event,
    }),
  ];
}

/**
 * The on-prem AutoDiscover party: v2 (`GET /autodiscover/autodiscover.json`,
 * both URL forms), anonymous, answering the URL of each protocol's endpoint;
 * and POX AutoDiscover for ActiveSync (`POST /autodiscover/autodiscover.xml`,
 * mobilesync), authenticated.
 *
 * @example
 * ```ts
 * const autodiscover = createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover'));
 * ctx.mount('onprem-autodiscover', autodiscover.app);
 * // GET https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync
 * // -> 200 {"Protocol":"ActiveSync","Url":"https://mail.contoso.com/Microsoft-Server-ActiveSync"}
 * ```
 * @see protocol-facts.md §2 (AutoDiscover v2); docs/flow-map.md step A4
 */
export function createOnpremAutodiscover(
  deps: ServiceDeps,
  config: Partial<OnpremAutodiscoverConfig> = {},
): OnpremAutodiscoverService {
  const resolved = resolveAutodiscoverConfig(deps, config);
  const app = createServiceApp('onprem-autodiscover', deps, { parseBody: false });
  app.use(preauthSignIn(deps.faults, deps.hosts));
  app.use(exchangeHeaders({ server: 'Microsoft-IIS/10.0', frontEndServer: 'EX19' }));
  const endpoint = autodiscoverEndpoint({
    directory: deps.directory,
    hosts: deps.hosts,
    config: resolved,
    faults: deps.faults,
  });
  app.get('/autodiscover/autodiscover.json', endpoint);
  app.get('/autodiscover/autodiscover.json/v1.0/:email', endpoint);
  app.all('/autodiscover/autodiscover.xml', ...poxAutodiscover(deps, resolved));
  app.use(autodiscoverNotFound);
  app.use(autodiscoverErrors(deps, resolved.onprem));
  return { app, config: resolved, close: async () => {} };
}
