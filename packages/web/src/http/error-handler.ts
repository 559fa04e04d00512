import type { NextFunction, Request, Response } from 'express';
import { isLabError } from '@hma-lab/core';
import { UnsupportedMediaTypeError } from '../errors.js';

/**
 * State-changing calls must carry JSON: a form posted by another web page
 * cannot, so the lab's controls are not reachable from someone else's site.
 */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if ((req.method === 'POST' || req.method === 'PUT') && !req.is('application/json')) {
    next(new UnsupportedMediaTypeError());
    return;
  }
  next();
}

/**
 * The API's one error middleware: `{ "error": { "code", "message" } }` with
 * the error's status. Unexpected errors are a plain 500, logged with their cause.
 */
export function trainerUiError(
  error: unknown,
  req: Request,
  res: Response,
  _next: NextFunction,
): void {
  let status = 500;
  let code = 'server_error';
  let message = 'the trainer UI failed to do that; see the lab log';
  if (isLabError(error)) {
    ({ status, code, message } = error);
  } else {
    const httpError = error as { status?: number; type?: string; message?: string };
    if (httpError.status === 400 && httpError.type === 'entity.parse.failed') {
      status = 400;
      code = 'invalid_request';
      message = 'the request body is not valid JSON';
    } else if (httpError.status === 413) {
      status = 413;
      code = 'payload_too_large';
      message = 'the request body is too large';
    } else if (httpError.status === 400) {
      status = 400;
      code = 'invalid_request';
      message = httpError.message ?? 'bad request';
    } else {
      console.error(`[trainer ui] ${req.method} ${req.originalUrl} failed`, error);
    }
  }
  if (res.headersSent) {
    res.end();
    return;
  }
  res.status(status).json({ error: { code, message } });
}
