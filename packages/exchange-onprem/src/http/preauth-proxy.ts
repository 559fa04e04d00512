import type { FaultBoard } from '@hma-lab/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The `preauth-proxy` fault: a pre-authenticating reverse proxy in front of
 * ActiveSync (what HMA-DOC warns against) drops the client's Authorization
 * header, so Exchange only ever sees anonymous requests and answers the 401
 * challenge to every Bearer token.
 */
export function preauthProxy(faults: FaultBoard): RequestHandler {
  return function preauthProxyFault(req: Request, _res: Response, next: NextFunction) {
    if (faults.isOn('preauth-proxy')) delete req.headers.authorization;
    next();
  };
}
