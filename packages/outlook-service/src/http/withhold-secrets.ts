import { REDACTED } from '@hma-lab/core';
import type { NextFunction, Request, Response } from 'express';

/**
 * Field names whose values are secrets in the device API (the same names the
 * trace redacts, compared case-insensitively).
 */
const SECRET_FIELDS = new Set(['password', 'devicekey']);

/**
 * The request body as it arrived still holds the password and the device key
 * (`req.rawBody`, kept for the trace). This step overwrites those bytes and
 * leaves in their place the same fields with the secret values masked, so the
 * trace still shows which secret crossed this boundary, but the bytes are gone
 * before any handler runs. Parsed string values are taken by the handlers
 * (protocol/requests.ts). A body that is not a JSON or form object is not
 * shown at all.
 */
export function withholdSecrets(req: Request, _res: Response, next: NextFunction): void {
  const raw = req.rawBody;
  const body = req.body as unknown;
  if (!raw) {
    next();
    return;
  }
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) {
    withholdUnreadBody(req);
    next();
    return;
  }
  const fields = body as Record<string, unknown>;
  const isSecret = (key: string, value: unknown): boolean =>
    SECRET_FIELDS.has(key.toLowerCase()) && typeof value === 'string';
  const form = /^application\/x-www-form-urlencoded/i.test(req.get('content-type') ?? '');
  const masked = form
    ? new URLSearchParams(
        Object.entries(fields).map(([k, v]): [string, string] => [
          k,
          isSecret(k, v) ? REDACTED : String(v),
        ]),
      ).toString()
    : JSON.stringify(fields, (key, value: unknown) => (isSecret(key, value) ? REDACTED : value));
  raw.fill(0);
  req.rawBody = Buffer.from(masked, 'utf8');
  next();
}

/**
 * Overwrites a request body the service could not read (not JSON, not an
 * object, malformed) and leaves only its size for the trace: whatever it
 * carried never reaches the trace.
 */
export function withholdUnreadBody(req: Request): void {
  const raw = req.rawBody;
  if (!raw || raw.length === 0) return;
  const size = raw.length;
  raw.fill(0);
  req.rawBody = Buffer.from(`(${size}-byte body withheld: not a JSON or form object)`, 'utf8');
}
