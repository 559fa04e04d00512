import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Headers every answer of the Exchange front end carries: `Server`
 * (IIS), `X-Powered-By: ASP.NET`, a `request-id` GUID and the `X-FEServer`
 * that answered (protocol-facts §1.1, CSS-HMAEAS screenshots).
 */
export function exchangeHeaders(options: {
  server: string;
  frontEndServer: string;
}): RequestHandler {
  return function exchangeResponseHeaders(_req: Request, res: Response, next: NextFunction) {
    const requestId = randomUUID();
    res.locals['requestId'] = requestId;
    res.set({
      Server: options.server,
      'X-Powered-By': 'ASP.NET',
      'request-id': requestId,
      'X-FEServer': options.frontEndServer,
    });
    next();
  };
}
