import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { clientErrorStatus, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import { HmaApiError, InvalidTokenError } from '../errors.js';
import { challengeHeaders } from './exo-challenge.js';

/**
 * The HMA client API's error middleware:
 * `{"error":{"code","message","step"?,"aadsts"?,…}}` (docs/flow-map.md).
 * A refused AT1 is a 401 with Exchange Online's Bearer challenge and
 * `x-ms-diagnostics`; anything unexpected is a 500 of the same shape.
 */
export function hmaErrors(
  deps: Pick<ServiceDeps, 'log'>,
  authorizationUri: string,
): ErrorRequestHandler {
  return protocolErrorHandler('exo', deps, function renderHmaError(error, _req, res) {
    const step = typeof res.locals.step === 'number' ? res.locals.step : undefined;
    if (error instanceof InvalidTokenError) {
      res
        .status(401)
        .set(challengeHeaders(authorizationUri, error))
        .json({
          error: {
            code: 'InvalidAuthenticationToken',
            message: error.message,
            ...(step !== undefined ? { step } : {}),
            ...(error.diagnostics ? { diagnostics: error.diagnostics.code } : {}),
          },
        });
      return;
    }
    if (error instanceof HmaApiError) {
      res
        .status(error.status)
        .set(error.headers)
        .json({
          error: {
            code: error.code,
            message: error.message,
            ...(step !== undefined && error.detail.step === undefined ? { step } : {}),
            ...error.detail,
          },
        });
      return;
    }
    const status = clientErrorStatus(error);
    if (status !== undefined) {
      res
        .status(status)
        .json({ error: { code: 'InvalidRequest', message: (error as Error).message } });
      return;
    }
    res.status(500).json({
      error: { code: 'InternalServerError', message: 'An internal server error occurred.' },
    });
  });
}

/** Any other path under /api: 404 in the same shape. */
export function hmaNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(new HmaApiError(404, 'NotFound', `No endpoint ${req.method} ${req.path}.`));
}
