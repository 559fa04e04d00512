import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { clientErrorStatus, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import { AutodiscoverError } from '../errors.js';

/** Renders AutoDiscover v2 failures as `{"ErrorCode","ErrorMessage"}` (facts §2.4). */
export function autodiscoverErrors(deps: Pick<ServiceDeps, 'log'>): ErrorRequestHandler {
  return protocolErrorHandler('exo', deps, function renderAutodiscoverError(error, _req, res) {
    const clientStatus = clientErrorStatus(error);
    const { status, body } =
      error instanceof AutodiscoverError
        ? { status: error.status, body: { ErrorCode: error.code, ErrorMessage: error.message } }
        : clientStatus !== undefined
          ? {
              status: clientStatus,
              body: { ErrorCode: 'InvalidRequest', ErrorMessage: (error as Error).message },
            }
          : {
              status: 500,
              body: {
                ErrorCode: 'InternalServerError',
                ErrorMessage: 'An internal server error occurred.',
              },
            };
    res
      .status(status)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(body));
  });
}

/** Other methods on the AutoDiscover paths: 405 in the same shape. */
export function autodiscoverMethodNotAllowed(
  req: Request,
  _res: Response,
  next: NextFunction,
): void {
  next(
    new AutodiscoverError(
      405,
      'MethodNotAllowed',
      `The HTTP method '${req.method}' is not allowed.`,
    ),
  );
}

/** Any other path under `/autodiscover`: 404 in the same shape. */
export function autodiscoverNotFound(req: Request, _res: Response, next: NextFunction): void {
  next(new AutodiscoverError(404, 'NotFound', `The resource '${req.path}' was not found.`));
}
