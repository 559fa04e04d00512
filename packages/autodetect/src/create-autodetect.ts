import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createServiceApp, type ServiceDeps } from '@hma-lab/core';
import { resolveAutodetectConfig, type AutodetectConfig } from './config.js';
import { createDetector } from './discovery/detector.js';
import { AutodetectNotFoundError } from './errors.js';
import { detectEndpoint } from './http/detect-endpoint.js';
import { autodetectErrorHandler } from './http/error-handler.js';
import { responseTiming } from './http/response-timing.js';
import type { Detection } from './protocol/detection.js';

/** A running AutoDetect service and the controls the lab needs. */
export interface AutodetectService {
  app: express.Express;
  /** Cancels timers and forgets every result. */
  close(): Promise<void>;
  /**
   * Clears the sticky result cache (one address, or all): what Microsoft
   * support does on request. Returns how many results were dropped.
   */
  clearCache(email?: string): number;
  /** The cached results, for inspection. */
  cached(): Array<{ email: string; detection: Detection; storedAtMs: number; expiresAtMs: number }>;
}

/**
 * Creates the AutoDetect service (`prod-autodetect.outlookmobile.com`):
 * `GET /detect` and `/autodetect/detect`. Detection walks AutoDiscover v2
 * (Exchange Online, then its 302 on-prem) and the empty-Bearer probe itself
 * through `deps.fetch`, and answers 200 / 202 / 204 / 503 with `X-Request-Id`,
 * `X-Response-Time` and, when AutoDiscover failed, `X-AutoDv2-Error`.
 *
 * @example
 * ```ts
 * const autodetect = createAutodetect(ctx.depsFor('autodetect'), { cacheTtl: '1h' });
 * ctx.mount('autodetect', autodetect.app);
 * autodetect.clearCache('alice@contoso.com');
 * ```
 * @see protocol-facts.md §3, docs/flow-map.md steps 1-6
 */
export function createAutodetect(
  deps: ServiceDeps,
  config: Partial<AutodetectConfig> = {},
): AutodetectService {
  const resolved = resolveAutodetectConfig(config);
  const detector = createDetector(deps, resolved);
  const app = createServiceApp('autodetect', deps);
  app.use(responseTiming);
  app.get(
    ['/detect', '/autodetect/detect'],
    detectEndpoint({ detector, config: resolved, hosts: deps.hosts, faults: deps.faults }),
  );
  app.use(function notFound(req: Request, _res: Response, next: NextFunction) {
    next(new AutodetectNotFoundError(req.path));
  });
  app.use(autodetectErrorHandler(deps));
  return {
    app,
    async close() {
      detector.close();
    },
    clearCache: (email) => detector.clear(email),
    cached: () => detector.cache.entries(),
  };
}
