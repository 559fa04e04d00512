import type { RequestHandler } from 'express';
import type { EntraContext } from '../protocol/context.js';
import { cookiesOf, queryOf, SESSION_COOKIE, stampResponse } from './request.js';

/**
 * `GET /{tenant}/oauth2/logout` and `/{tenant}/oauth2/v2.0/logout`: ends the
 * session (the cookie no longer signs in silently) and returns to
 * `post_logout_redirect_uri` when it is a registered redirect URI of a client.
 */
export function logoutEndpoint(context: EntraContext): RequestHandler {
  return function logoutHandler(req, res) {
    const sessionId = cookiesOf(req)[SESSION_COOKIE];
    const session = sessionId ? context.stores.sessions.get(sessionId) : undefined;
    if (session) session.revoked = 'signed-out';
    res.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, secure: true, sameSite: 'none' });
    stampResponse(req, res);
    const target = queryOf(req).post_logout_redirect_uri;
    const known =
      target !== undefined &&
      context.deps.directory.scenario.apps.some((app) => app.redirectUris.includes(target));
    if (known) {
      res.redirect(302, target);
      return;
    }
    res
      .status(200)
      .type('html')
      .send(
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"/><title>Sign out</title></head>' +
          "<body><h1>You signed out of your account</h1><p>It's a good idea to close all browser windows.</p></body></html>",
      );
  };
}
