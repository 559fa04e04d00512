import { createServiceApp, type ServiceDeps } from '@hma-lab/core';
import type express from 'express';
import { resolveAutodiscoverConfig, type OnpremAutodiscoverConfig } from './config.js';
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
 * The on-prem AutoDiscover v2 party: `GET /autodiscover/autodiscover.json`
 * (both URL forms), anonymous, answering the URL of each protocol's endpoint.
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
  const app = createServiceApp('onprem-autodiscover', deps);
  app.use(exchangeHeaders({ server: 'Microsoft-IIS/10.0', frontEndServer: 'EX19' }));
  const endpoint = autodiscoverEndpoint({
    directory: deps.directory,
    hosts: deps.hosts,
    config: resolved,
    faults: deps.faults,
  });
  app.get('/autodiscover/autodiscover.json', endpoint);
  app.get('/autodiscover/autodiscover.json/v1.0/:email', endpoint);
  app.use(autodiscoverNotFound);
  app.use(autodiscoverErrors(deps));
  return { app, config: resolved, close: async () => {} };
}
