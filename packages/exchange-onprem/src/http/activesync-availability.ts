import type { FaultBoard } from '@hma-lab/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EasHttpError } from '../errors.js';

/**
 * The `eas-503` fault: the server is unavailable (maintenance, throttling,
 * a back end down). 503 with `Retry-After` (params `retryAfterS`), before
 * authentication, for every method.
 */
export function easAvailability(faults: FaultBoard, defaultRetryAfterS: number): RequestHandler {
  return function easServiceAvailable(_req: Request, _res: Response, next: NextFunction) {
    if (faults.isOn('eas-503')) {
      const param = Number(faults.params('eas-503')['retryAfterS']);
      const retryAfterS =
        Number.isFinite(param) && param >= 0 ? Math.round(param) : defaultRetryAfterS;
      throw new EasHttpError(503, 'ServiceUnavailable', 'fault eas-503 is on', {
        headers: { 'Retry-After': String(retryAfterS) },
      });
    }
    next();
  };
}
