import { randomUUID } from 'node:crypto';
import { isLabError, protocolErrorHandler } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { AdfsError, AdfsNotFoundError } from '../errors.js';
import { farmForHost } from '../protocol/farm.js';
import { requestHost } from '@hma-lab/core';
import { NO_CACHE_HEADERS, type AdfsContext } from './adfs-context.js';
import { errorPage, httpSysPage } from './pages.js';

/**
 * AD FS's error middleware: the branded "An error occurred" page with an
 * activity id (the MSIS message under "Error details" when configured), or
 * http.sys's bare 404 for paths AD FS does not serve.
 */
export function adfsErrorHandler(ctx: AdfsContext): ErrorRequestHandler {
  return protocolErrorHandler(
    'adfs',
    ctx.deps,
    function renderAdfsError(error: unknown, req: Request, res: Response) {
      if (error instanceof AdfsNotFoundError) {
        res
          .status(404)
          .type('html')
          .send(httpSysPage(404, 'Not Found', error.message));
        return;
      }
      const status = isLabError(error) ? error.status : 500;
      const detail =
        isLabError(error) && error.expose ? error.message : 'An internal error occurred.';
      const activityId = randomUUID();
      ctx.deps.trace.event('adfs', 'adfs.error', detail, {
        activityId,
        code: isLabError(error) ? error.code : 'internal',
      });
      const farm = farmForHost(ctx.deps.directory, requestHost(req), 'adfsHost');
      const relyingParty = error instanceof AdfsError ? error.relyingParty : undefined;
      const userAgent = req.get('user-agent');
      res
        .status(status)
        .set(NO_CACHE_HEADERS)
        .type('html')
        .send(
          errorPage({
            brandName: farm?.brandName ?? 'AD FS',
            activityId,
            errorTime: new Date(ctx.deps.clock.now()).toUTCString(),
            ...(relyingParty !== undefined ? { relyingParty } : {}),
            ...(userAgent !== undefined ? { userAgent } : {}),
            ...(ctx.config.showErrorDetails ? { detail } : {}),
          }),
        );
    },
  );
}
