import type { Request, RequestHandler, Response } from 'express';
import { buildWsTrustMex } from '../protocol/ws-trust-mex.js';
import { farmOfRequest, type AdfsContext } from './adfs-context.js';

/** The media type of SOAP 1.2 messages, which AD FS also gives its MEX document. */
export const SOAP_CONTENT_TYPE = 'application/soap+xml; charset=utf-8';

/**
 * `GET /adfs/services/trust/mex`: the WS-Trust metadata (WSDL) of the farm the
 * request addressed, naming its `usernamemixed` endpoints on the proxy's
 * public host (`wapHost`), whichever host the request came in on: that is
 * where clients outside must post.
 */
export function wsTrustMexEndpoint(ctx: AdfsContext): RequestHandler {
  return function adfsWsTrustMex(req: Request, res: Response) {
    const farm = farmOfRequest(ctx, req);
    res
      .status(200)
      .set('content-type', SOAP_CONTENT_TYPE)
      .send(buildWsTrustMex({ publicHost: farm.wapHost }));
  };
}
