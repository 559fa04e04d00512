import { createServiceApp, MalformedBodyError, type ServiceDeps } from '@hma-lab/core';
import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_WAP_CONFIG, type WapConfig } from '../config.js';
import { proxyEndpoint } from './proxy-endpoint.js';
import { wapErrorHandler } from './wap-error-handler.js';

export interface WapService {
  app: express.Express;
  close(): Promise<void>;
}

/**
 * The Web Application Proxy on the federated domains' public host (party
 * `wap`, `federation.wapHost`): republishes AD FS's `/adfs/*` and its
 * federation metadata, forwarding through the lab's fetch so the trace shows
 * device -> wap and wap -> adfs. Everything else is 404; AD FS down is 503.
 *
 * @example
 * ```ts
 * const wap = createWap(ctx.depsFor('wap'));
 * ctx.mount('wap', wap.app);
 * ```
 * @see protocol-facts §5.3; HMA-DOC (no pre-authentication for AutoDiscover/EAS)
 */
export function createWap(deps: ServiceDeps, config: Partial<WapConfig> = {}): WapService {
  const settings: WapConfig = { ...DEFAULT_WAP_CONFIG, ...config };
  const app = createServiceApp('wap', deps);
  const proxy = proxyEndpoint(deps, settings);
  app.use(proxy);
  // The service body reader parses form and JSON bodies; a proxy must not care.
  // A body it could not parse still goes to AD FS, byte for byte.
  app.use(function forwardUnparsedBody(
    error: unknown,
    req: Request,
    res: Response,
    next: NextFunction,
  ) {
    if (error instanceof MalformedBodyError && req.rawBody !== undefined) {
      Promise.resolve(proxy(req, res, next)).catch(next);
      return;
    }
    next(error);
  });
  app.use(wapErrorHandler(deps));
  return {
    app,
    async close() {},
  };
}
