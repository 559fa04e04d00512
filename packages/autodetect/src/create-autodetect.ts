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
