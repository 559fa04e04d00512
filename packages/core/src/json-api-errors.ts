import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import { clientErrorStatus, isLabError } from './errors.js';

/** The code of an error express or its body parser raised, by status. */
const EXPRESS_ERROR_CODES: Partial<Record<number, string>> = {
  400: 'invalid_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/**
 * The error middleware of the lab's own JSON APIs (the admin API, the trainer
 * UI's): `{ "error": { "code", "message" } }`. A {@link LabError} is answered
 * with its own status, code and message (the APIs' callers are the lab's own
 * users: a 501 says what the lab cannot do); express's own errors (a body that
 * is not JSON or is over `bodyLimit`, a path that does not decode) keep their
 * 4xx. Anything else is a plain 500, logged with its cause under `name`.
 */
export function jsonApiErrorHandler(api: { name: string; bodyLimit: string }): ErrorRequestHandler {
  return function jsonApiError(error: unknown, req: Request, res: Response, _next: NextFunction) {
    let status = 500;
    let code = 'server_error';
    let message = `the ${api.name} failed to do that; see the lab log`;
    const clientStatus = clientErrorStatus(error);
    if (isLabError(error)) ({ status, code, message } = error);
    else if (clientStatus !== undefined) {
      status = clientStatus;
      code = EXPRESS_ERROR_CODES[status] ?? 'bad_request';
      message =
        (error as { type?: unknown }).type === 'entity.parse.failed'
          ? parsesAsJson((error as { body?: unknown }).body)
            ? 'the request body must be a JSON object'
            : 'the request body is not valid JSON'
          : status === 413
            ? `the request body is larger than the ${api.name} takes (${api.bodyLimit})`
            : String((error as Error).message);
    } else console.error(`[${api.name}] ${req.method} ${req.originalUrl} failed`, error);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(status).json({ error: { code, message } });
  };
}

/**
 * Whether the text express's JSON reader refused is JSON all the same: in its
 * strict mode it takes only objects and arrays, and `null` or `"x"` are JSON.
 */
function parsesAsJson(body: unknown): boolean {
  if (typeof body !== 'string') return false;
  try {
    JSON.parse(body);
    return true;
  } catch {
    return false;
  }
}
