import { BodyTooLargeError, isLabError, protocolErrorHandler } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import {
  AdfsNotFoundError,
  WsTrustFault,
  WsTrustInvalidRequestFault,
  WsTrustRequestFailedFault,
} from '../errors.js';
import { WS_TRUST } from '../protocol/ws-trust.js';
import { buildWsTrustFault } from '../protocol/ws-trust-response.js';
import type { AdfsContext } from './adfs-context.js';
import { messageTooLarge } from './username-mixed-endpoint.js';
import { SOAP_CONTENT_TYPE } from './ws-trust-mex-endpoint.js';

/** The paths of the WS-Trust endpoints, whose errors are SOAP faults. */
export const USERNAME_MIXED_PATHS = [
  WS_TRUST['13'].usernameMixedPath,
  WS_TRUST['2005'].usernameMixedPath,
];

/** True for a request to a `usernamemixed` endpoint: its body is read as sent, whatever its content type. */
export function isUsernameMixed(req: Request): boolean {
  const path = req.path.toLowerCase().replace(/\/$/, '');
  return USERNAME_MIXED_PATHS.some((p) => p.toLowerCase() === path);
}

/**
 * The WS-Trust endpoints' error middleware: every failure is a SOAP 1.2 fault
 * (`application/soap+xml`), as AD FS's WCF stack answers, recorded as trace
 * event `adfs.wstrust.failed` with the reason. A body over the body reader's
 * limit is a 413 fault; an unexpected error a 500 `s:Receiver` fault
 * (MSIS3127), logged with its cause. A farm the host does not name stays the
 * http.sys 404 of the other paths.
 */
export function wsTrustErrorHandler(ctx: AdfsContext): ErrorRequestHandler {
  const render = protocolErrorHandler(
    'adfs',
    ctx.deps,
    function renderWsTrustFault(error: unknown, req: Request, res: Response) {
      const fault = asWsTrustFault(ctx, error);
      const version = req.path.toLowerCase().includes('/2005/') ? '2005' : '13';
      ctx.deps.trace.event(
        'adfs',
        'adfs.wstrust.failed',
        `${WS_TRUST[version].label} sign-in failed (${fault.failure})`,
        { reason: fault.failure, fault: fault.subcode.localName, ...fault.details },
      );
      res
        .status(fault.status)
        .set('content-type', SOAP_CONTENT_TYPE)
        .send(
          buildWsTrustFault({
            side: fault.side,
            subcode: fault.subcode,
            reason: fault.message,
            relatesTo: fault.relatesTo,
            nowMs: ctx.deps.clock.now(),
          }),
        );
    },
  );
  return function adfsWsTrustError(error: unknown, req: Request, res: Response, next) {
    if (error instanceof AdfsNotFoundError) {
      next(error);
      return;
    }
    render(error, req, res, next);
  };
}

function asWsTrustFault(ctx: AdfsContext, error: unknown): WsTrustFault {
  if (error instanceof WsTrustFault) return error;
  if (error instanceof BodyTooLargeError) return messageTooLarge(ctx);
  if (isLabError(error) && error.expose) {
    return new WsTrustInvalidRequestFault(error.message, { status: error.status });
  }
  return new WsTrustRequestFailedFault({ failure: 'internal_error', side: 'Receiver' });
}
