import { isLabError, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { OutlookServiceError } from '../errors.js';
import type { ErrorBody } from '../protocol/wire.js';
import { withholdUnreadBody } from './withhold-secrets.js';

/** Error codes for the core body reader's errors, in this API's vocabulary. */
const CORE_CODES: Record<string, string> = {
  malformed_body: 'InvalidRequest',
  body_too_large: 'RequestTooLarge',
  bad_request: 'InvalidRequest',
};

/**
 * The one error middleware of the device API: `{"error":{"code","message",
 * "step"?,"reason"?}}` with the error's status; anything unexpected is a plain
 * 500 of the same shape (logged with its cause, never shown).
 */
export function outlookServiceErrors(deps: Pick<ServiceDeps, 'log'>): ErrorRequestHandler {
  return protocolErrorHandler(
    'outlook-service',
    deps,
    function renderOutlookServiceError(error: unknown, req: Request, res: Response) {
      // The body reader failed before withholdSecrets could mask the body.
      if (
        isLabError(error) &&
        (error.code === 'malformed_body' || error.code === 'body_too_large')
      ) {
        withholdUnreadBody(req);
      }
      let status = 500;
      let body: ErrorBody = {
        error: { code: 'InternalServerError', message: 'the service failed to handle the request' },
      };
      if (error instanceof OutlookServiceError) {
        status = error.status;
        body = {
          error: {
            code: error.code,
            message: error.message,
            ...(error.step !== undefined ? { step: error.step } : {}),
            ...(error.reason !== undefined ? { reason: error.reason } : {}),
          },
        };
      } else if (isLabError(error) && error.expose) {
        status = error.status;
        body = { error: { code: CORE_CODES[error.code] ?? error.code, message: error.message } };
      }
      res.status(status).json(body);
    },
  );
}

/** Any path the API does not have. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new OutlookServiceError(404, 'NotFound', `no resource at ${req.method} ${req.path}`));
}

/** A known path with a method it does not take. */
export function methodNotAllowed(allow: string) {
  return function methodNotAllowedHandler(req: Request, res: Response, next: NextFunction): void {
    res.set('Allow', allow);
    next(new OutlookServiceError(405, 'MethodNotAllowed', `${req.method} is not allowed here`));
  };
}
