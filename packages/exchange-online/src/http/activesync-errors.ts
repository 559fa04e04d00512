import type { ErrorRequestHandler } from 'express';
import {
  clientErrorStatus,
  isLabError,
  protocolErrorHandler,
  type ServiceDeps,
} from '@hma-lab/core';
import { InvalidTokenError } from '../errors.js';
import { challengeHeaders } from './exo-challenge.js';

/**
 * ActiveSync answers are statuses with headers and no body: 401 with
 * Exchange Online's Bearer challenge (plus `Basic realm` when basic auth is
 * allowed) and `x-ms-diagnostics` for a refused token; 400/403/501 as thrown.
 */
export function activeSyncErrors(
  deps: Pick<ServiceDeps, 'log'>,
  options: { authorizationUri: string; basicRealm?: string },
): ErrorRequestHandler {
  return protocolErrorHandler('exo', deps, function renderActiveSyncError(error, _req, res) {
    if (error instanceof InvalidTokenError) {
      res
        .status(401)
        .set(challengeHeaders(options.authorizationUri, error, options.basicRealm))
        .set('Content-Length', '0')
        .end();
      return;
    }
    const status = isLabError(error) ? error.status : (clientErrorStatus(error) ?? 500);
    res.status(status).set('Content-Length', '0').end();
  });
}
