import type { FaultBoard } from '@hma-lab/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EntraError } from '../errors.js';

/**
 * Faults of the catalogue (docs/faults.md) that Entra plays, applied before a
 * request reaches its endpoint.
 *
 * - `entra-slow` (`delayMs`, default 2000): every answer is delayed, in real
 *   time (a client's own timeouts are real time too).
 * - `entra-503` (`retryAfterS`, default 30): the token endpoint answers 503
 *   `temporarily_unavailable` (AADSTS90033) with `Retry-After`.
 */
export function entraSlow(faults: FaultBoard): RequestHandler {
  return function entraSlowFault(_req: Request, _res: Response, next: NextFunction) {
    if (!faults.isOn('entra-slow')) {
      next();
      return;
    }
    const delayMs = Number(faults.params('entra-slow').delayMs ?? 2000);
    setTimeout(next, Number.isFinite(delayMs) && delayMs > 0 ? Math.min(delayMs, 120_000) : 0);
  };
}

export function entraUnavailable(faults: FaultBoard): RequestHandler {
  return function entraUnavailableFault(_req: Request, res: Response, next: NextFunction) {
    if (!faults.isOn('entra-503')) {
      next();
      return;
    }
    const retryAfterS = Number(faults.params('entra-503').retryAfterS ?? 30);
    res.set(
      'Retry-After',
      String(Number.isFinite(retryAfterS) && retryAfterS >= 0 ? Math.round(retryAfterS) : 30),
    );
    next(new EntraError(90033));
  };
}
