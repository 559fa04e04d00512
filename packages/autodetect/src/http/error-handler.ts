import type { ErrorRequestHandler } from 'express';
import { isLabError, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';

/**
 * AutoDetect's error middleware: `{ "error": { "code", "message" } }` with the
 * error's status; anything unexpected is a plain 500 of the same shape.
 */
export function autodetectErrorHandler(deps: Pick<ServiceDeps, 'log'>): ErrorRequestHandler {
  return protocolErrorHandler('autodetect', deps, function renderAutodetectError(error, _req, res) {
    if (isLabError(error)) {
      res.status(error.status).json({ error: { code: error.code, message: error.message } });
      return;
    }
    res.status(500).json({ error: { code: 'InternalServerError', message: 'internal error' } });
  });
}
