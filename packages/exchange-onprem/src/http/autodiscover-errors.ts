import { isLabError, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AutodiscoverError } from '../errors.js';

/**
 * Renders every AutoDiscover v2 failure as `{"ErrorCode","ErrorMessage"}`
 * (protocol-facts §2.4); anything unexpected becomes `500 InternalServerError`.
 */
export function autodiscoverErrors(deps: Pick<ServiceDeps, 'log'>): ErrorRequestHandler {
  return protocolErrorHandler(
    'onprem-autodiscover',
    deps,
    function renderAutodiscoverError(error: unknown, _req: Request, res: Response) {
      const { status, body } =
        error instanceof AutodiscoverError
          ? { status: error.status, body: { ErrorCode: error.code, ErrorMessage: error.message } }
          : isLabError(error) && error.expose
            ? {
                status: error.status,
                body: { ErrorCode: 'InvalidRequest', ErrorMessage: error.message },
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
    },
  );
}

/** Any other path or method: 404 / 405 in the same JSON shape. */
export function autodiscoverNotFound(req: Request, _res: Response): never {
  const isJsonPath = /^\/autodiscover\/autodiscover\.json(\/|$)/i.test(req.path);
  if (isJsonPath) {
    throw new AutodiscoverError(
      405,
      'MethodNotAllowed',
      `The HTTP method '${req.method}' is not allowed.`,
    );
  }
  throw new AutodiscoverError(404, 'NotFound', `The resource '${req.path}' was not found.`);
}
