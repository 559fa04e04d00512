import { parseCookieHeader } from '@hma-lab/core';
import type { Request, Response } from 'express';

/** AD FS's cookies live under `/adfs`, TLS only, out of reach of script. */
const ATTRIBUTES = 'path=/adfs; secure; HttpOnly';

/** The names AD FS uses for its browser state. */
export const MSIS_COOKIES = {
  auth: 'MSISAuth',
  authenticated: 'MSISAuthenticated',
  loopDetection: 'MSISLoopDetectionCookie',
  signOut: 'MSISSignOut',
} as const;

/** A cookie the browser sent, by name (the first if repeated). */
export function cookieOf(req: Request, name: string): string | undefined {
  return parseCookieHeader(req.get('cookie'))[name];
}

/** Sets a session cookie (values are base64 or base64url: no encoding needed). */
export function setCookie(res: Response, name: string, value: string): void {
  res.append('Set-Cookie', `${name}=${value}; ${ATTRIBUTES}`);
}

/** Tells the browser to drop a cookie. */
export function clearCookie(res: Response, name: string): void {
  res.append('Set-Cookie', `${name}=; expires=Thu, 01 Jan 1970 00:00:00 GMT; ${ATTRIBUTES}`);
}
