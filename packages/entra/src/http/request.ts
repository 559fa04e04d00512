import { mediaTypeOf, parseCookieHeader } from '@hma-lab/core';
import type { Request, Response } from 'express';
import { newGuid } from '../protocol/ids.js';
import type { EntraContext } from '../protocol/context.js';

/** Names the express adapter shares. */
export const SESSION_COOKIE = 'ESTSAUTH';
/** Header a lab client sets to claim device controls (`compliantDevice,domainJoinedDevice`). */
export const DEVICE_HEADER = 'x-hma-lab-device';

/** How errors of a route are shown: Entra's JSON body, or an error page. */
export type ErrorStyle = 'json' | 'page';

declare module 'express-serve-static-core' {
  interface Locals {
    correlationId?: string;
  }
}

/** Form fields of a POST (empty unless the body is `application/x-www-form-urlencoded`). */
export function formOf(req: Request): Record<string, string | undefined> {
  // The media type as the service's body reader read it (express's `req.is`
  // parses the header again through type-is, on every token request).
  if (mediaTypeOf(req.get('content-type')) !== 'application/x-www-form-urlencoded') return {};
  const body = req.body as unknown;
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) return {};
  return body as Record<string, string>;
}

/** Query parameters, first value of each. */
export function queryOf(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(req.query)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** Cookies of the request. */
export function cookiesOf(req: Request): Record<string, string> {
  return parseCookieHeader(req.get('cookie'));
}

/** The caller's IP as Entra puts it in `ipaddr`. */
export function ipaddrOf(req: Request): string {
  const raw = req.socket?.remoteAddress ?? '127.0.0.1';
  return raw.startsWith('::ffff:') ? raw.slice(7) : raw === '::1' ? '127.0.0.1' : raw;
}

/** The correlation id: the client's `client-request-id` (header, query or body), else a new one. */
export function correlationIdOf(req: Request, res: Response): string {
  if (res.locals.correlationId) return res.locals.correlationId;
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody =
    body && typeof body === 'object' && !Buffer.isBuffer(body)
      ? body['client-request-id']
      : undefined;
  const candidate =
    req.get('client-request-id') ??
    (typeof req.query['client-request-id'] === 'string'
      ? req.query['client-request-id']
      : undefined) ??
    (typeof fromBody === 'string' ? fromBody : undefined);
  const id = candidate && /^[0-9a-f-]{36}$/i.test(candidate) ? candidate : newGuid();
  res.locals.correlationId = id;
  return id;
}

/** `yyyy-mm-dd hh:mm:ssZ`, as Entra writes timestamps in errors. */
export function entraTimestamp(context: EntraContext): string {
  return new Date(context.now())
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, 'Z');
}

/** Sets the session cookie (HttpOnly, Secure, SameSite=None; path /), as Entra's ESTSAUTH. */
export function setSessionCookie(res: Response, sessionId: string): void {
  res.cookie(SESSION_COOKIE, sessionId, {
    path: '/',
    httpOnly: true,
    secure: true,
    sameSite: 'none',
  });
}

/** Response headers Entra sends on every answer. */
export function stampResponse(req: Request, res: Response, traceId = newGuid()): void {
  res.set('x-ms-request-id', traceId);
  const clientRequestId = req.get('client-request-id');
  if (clientRequestId) res.set('client-request-id', clientRequestId);
  res.set('x-ms-ests-server', 'hma-lab');
}

/** No caching for anything carrying tokens or sign-in state. */
export function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store, no-cache');
  res.set('Pragma', 'no-cache');
}
