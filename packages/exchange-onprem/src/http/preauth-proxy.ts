import { requestHost, type FaultBoard, type HostMap } from '@hma-lab/core';
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

/**
 * The `preauth-proxy-autodiscover` fault: AutoDiscover published through the
 * Web Application Proxy with AD FS pre-authentication. The proxy answers
 * every request that has not signed in at AD FS with a redirect to AD FS (on
 * the proxy's own host), naming the resource URL and the relying party, so an
 * anonymous AutoDiscover request never reaches Exchange. The parameter names
 * are the lab's [unconfirmed: the Web Application Proxy documentation names
 * the resource URL and the appRealm only]; the appRealm is the published URL.
 */
export function preauthSignIn(faults: FaultBoard, hosts: HostMap): RequestHandler {
  return function preauthSignInFault(req: Request, res: Response, next: NextFunction) {
    if (!faults.isOn('preauth-proxy-autodiscover')) {
      next();
      return;
    }
    const published = `https://${requestHost(req)}`;
    const query = new URLSearchParams({
      version: '1.0',
      action: 'signin',
      realm: 'urn:AppProxy:com',
      appRealm: `${published}/`,
      returnUrl: `${published}${req.originalUrl}`,
    });
    res
      .status(302)
      .location(hosts.url('wap', `/adfs/ls/?${query.toString()}`))
      .end();
  };
}
