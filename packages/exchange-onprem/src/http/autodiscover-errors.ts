import { isLabError, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { OnpremAutodiscoverConfig } from '../config.js';
import { AutodiscoverError } from '../errors.js';
import { sendVdirError } from './activesync-errors.js';

/**
 * Renders every AutoDiscover v2 failure as `{"ErrorCode","ErrorMessage"}`
 * (protocol-facts §2.4), and POX AutoDiscover's authentication failures as
 * the ActiveSync vdir does; anything unexpected becomes `500 InternalServerError`.
 */
export function autodiscoverErrors(
  deps: Pick<ServiceDeps, 'log' | 'directory'>,
  onprem: OnpremAutodiscoverConfig['onprem'],
): ErrorRequestHandler {
  return protocolErrorHandler(
    'onprem-autodiscover',
    deps,
    function renderAutodiscoverError(error: unknown, _req: Request, res: Response) {
      // POX AutoDiscover's authentication: the 401 challenges (or 403) of the vdir.
      if (sendVdirError(error, res, deps.directory.tenant.id, onprem)) return;
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

/** The paths of AutoDiscover v2's two URL forms (as routed: any case, a trailing slash). */
const AUTODISCOVER_JSON_PATH = /^\/autodiscover\/autodiscover\.json(?:\/v1\.0\/[^/]+)?\/?$/i;

/** Another method on AutoDiscover v2's paths: 405; any other path: 404; in the same JSON shape. */
export function autodiscoverNotFound(req: Request, _res: Response): never {
  if (AUTODISCOVER_JSON_PATH.test(req.path)) {
    throw new AutodiscoverError(
      405,
      'MethodNotAllowed',
      `The HTTP method '${req.method}' is not allowed.`,
    );
  }
  throw new AutodiscoverError(404, 'NotFound', `The resource '${req.path}' was not found.`);
}
