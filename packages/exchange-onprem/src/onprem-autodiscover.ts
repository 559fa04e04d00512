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
  });
  app.get('/autodiscover/autodiscover.json', endpoint);
  app.get('/autodiscover/autodiscover.json/v1.0/:email', endpoint);
  app.use(autodiscoverNotFound);
  app.use(autodiscoverErrors(deps));
  return { app, config: resolved, close: async () => {} };
}
