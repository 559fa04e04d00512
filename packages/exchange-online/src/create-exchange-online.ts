import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createServiceApp, type ServiceDeps } from '@hma-lab/core';
import { resolveExoConfig, type ExchangeOnlineConfig } from './config.js';
import { HmaApiError } from './errors.js';
import { autodiscoverRouter } from './http/autodiscover-router.js';
import { createRedirectMemory } from './protocol/redirect-memory.js';

/** A running Exchange Online and the controls the lab needs. */
export interface ExchangeOnlineService {
  app: express.Express;
  /** Cancels every scheduled sync, refresh and purge. */
  close(): Promise<void>;
}

/**
 * Creates Exchange Online (`outlook.office365.com`, `outlook.office.com`).
 *
 * @example
 * ```ts
 * const exo = createExchangeOnline(ctx.depsFor('exo'), { syncInterval: '15m' });
 * ctx.mount('exo', exo.app);
 * ```
 */
export function createExchangeOnline(
  deps: ServiceDeps,
  config: Partial<ExchangeOnlineConfig> = {},
): ExchangeOnlineService {
  const resolved = resolveExoConfig(deps, config);
  const memory = createRedirectMemory(deps.clock, resolved.autodiscoverLoopWindowMs);
  const app = createServiceApp('exo', deps);
  app.use(
    autodiscoverRouter(deps, {
      directory: deps.directory,
      hosts: deps.hosts,
      memory,
      maxRedirects: resolved.autodiscoverMaxRedirects,
      unknownUser: resolved.unknownUserAutodiscover,
    }),
  );
  app.use(function notFound(req: Request, res: Response, _next: NextFunction) {
    const error = new HmaApiError(404, 'NotFound', `no endpoint ${req.method} ${req.path}`);
    res.status(404).json({ error: { code: error.code, message: error.message } });
  });
  return {
    app,
    async close() {
      memory.clear();
    },
  };
}
