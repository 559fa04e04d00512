import { requestHost, type ServiceDeps } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import type { WapConfig } from '../config.js';
import {
  BackendUnavailableError,
  BadGatewayError,
  MethodNotImplementedError,
  NotPublishedError,
} from '../errors.js';
import { farmForHost } from '../protocol/farm.js';

/** Request headers a browser sends that AD FS needs; nothing else crosses the proxy. */
const FORWARDED_REQUEST_HEADERS = [
  'cookie',
  'content-type',
  'accept',
  'user-agent',
  'accept-language',
] as const;

/** Methods fetch refuses to send, so the proxy cannot pass them on. */
const UNFORWARDABLE_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/** Response headers the browser gets back (plus every `set-cookie`, and `location` rewritten). */
const RETURNED_RESPONSE_HEADERS = [
  'content-type',
  'cache-control',
  'pragma',
  'expires',
  'allow',
] as const;

/**
 * The Web Application Proxy's only job here: republish AD FS on the public
 * host. A published path goes to `https://<adfsHost><same path and query>`
 * through the lab's fetch (so the trace shows wap -> adfs), with the headers a
 * real WAP adds (`X-MS-Proxy`, `X-MS-Forwarded-Client-IP`,
 * `X-MS-Endpoint-Absolute-Path`); the answer comes back with its status, body,
 * cookies and a `Location` moved from the internal host to the public one.
 * No pre-authentication: AutoDiscover and ActiveSync must not sit behind it
 * (HMA-DOC), and it publishes nothing else.
 */
export function proxyEndpoint(deps: ServiceDeps, config: WapConfig): RequestHandler {
  const published = config.publishedPaths.map((p) => p.toLowerCase());
  return async function wapProxy(req: Request, res: Response) {
    if (UNFORWARDABLE_METHODS.has(req.method)) throw new MethodNotImplementedError(req.method);
    const target = targetOf(req);
    const path = target.pathname.toLowerCase();
    if (!published.some((prefix) => path === prefix || path.startsWith(prefix))) {
      throw new NotPublishedError();
    }
    const addressed = requestHost(req).replace(/:\d+$/, '');
    const farm = farmForHost(deps.directory, addressed, 'wapHost');
    const backendHost = config.backendHost ?? farm?.adfsHost;
    if (!backendHost) throw new BackendUnavailableError('no AD FS farm is configured');
    const publicHost = deps.hosts.partyFor(addressed) === 'wap' ? addressed : farm!.wapHost;

    const upstream = await forward(deps, config, req, backendHost, target);
    let body: Buffer;
    try {
      body = Buffer.from(await upstream.arrayBuffer());
    } catch (error) {
      throw new BadGatewayError(backendHost, { cause: error });
    }
    res.status(upstream.status);
    for (const name of RETURNED_RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) res.set(name, value);
    }
    const cookies = upstream.headers.getSetCookie();
    if (cookies.length > 0) res.set('set-cookie', cookies);
    const location = upstream.headers.get('location');
    if (location !== null) res.set('location', publicLocation(location, backendHost, publicHost));
    res.set('content-length', String(body.length));
    res.end(body);
  };
}

async function forward(
  deps: ServiceDeps,
  config: WapConfig,
  req: Request,
  backendHost: string,
  target: { pathname: string; search: string },
): Promise<globalThis.Response> {
  const headers = new Headers();
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.get(name);
    if (value !== undefined) headers.set(name, value);
  }
  headers.set('x-ms-proxy', config.proxyName);
  headers.set('x-ms-forwarded-client-ip', req.ip ?? req.socket.remoteAddress ?? '');
  headers.set('x-ms-endpoint-absolute-path', target.pathname);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.rawBody !== undefined;
  try {
    return await deps.fetch(`https://${backendHost}${target.pathname}${target.search}`, {
      method: req.method,
      headers,
      ...(hasBody ? { body: new Uint8Array(req.rawBody!) } : {}),
      redirect: 'manual',
    });
  } catch (error) {
    throw new BackendUnavailableError(backendHost, { cause: error });
  }
}

/**
 * The path and query the request asks for, as AD FS will see them: from an
 * origin-form target (`/adfs/ls/?…`) or an absolute-form one
 * (`https://sts.contoso.com/adfs/ls/?…`, which a client may send to a proxy),
 * with dot segments (`..`, `%2e%2e`) resolved, so that the published-path
 * check judges the path that is forwarded.
 */
function targetOf(req: Request): { pathname: string; search: string } {
  try {
    const { pathname, search } = new URL(req.originalUrl, 'https://wap.invalid');
    return { pathname, search };
  } catch {
    throw new NotPublishedError();
  }
}

/** A redirect to the internal AD FS host becomes one to the public proxy host. */
function publicLocation(location: string, backendHost: string, publicHost: string): string {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return location; // relative: already right for the browser
  }
  if (url.hostname.toLowerCase() !== backendHost.toLowerCase()) return location;
  url.protocol = 'https:';
  url.host = publicHost;
  return url.href;
}
