import type { IncomingMessage, ServerResponse } from 'node:http';
import { inject } from 'light-my-request';
import type { ServiceParty } from './hosts.js';
import type { Transport } from './fetch.js';

/** Anything node's http server could call: an express app, a plain listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/**
 * A transport that hands requests straight to the parties' apps, without
 * sockets: the in-process run mode, and what service tests use to wire two
 * services together. The app sees the same request it would over loopback.
 */
export function createInProcessTransport(
  apps:
    | Partial<Record<ServiceParty, RequestListener>>
    | ((party: ServiceParty) => RequestListener | undefined),
): Transport {
  const lookup = typeof apps === 'function' ? apps : (party: ServiceParty) => apps[party];
  return {
    async send(party, url, init) {
      const app = lookup(party);
      if (!app) {
        const cause = Object.assign(new Error(`connect ECONNREFUSED (${party} is not running)`), {
          code: 'ECONNREFUSED',
        });
        throw new TypeError('fetch failed', { cause });
      }
      // Let the fetch machinery normalise the body (strings, URLSearchParams, buffers, streams).
      const request = new Request(url, { ...init, redirect: 'manual' });
      const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const headers: Record<string, string> = { host: url.host };
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      if (payload) headers['content-length'] = String(payload.length);
      if (init.signal?.aborted)
        throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
      const reply = await dispatchToApp(app, {
        method: request.method,
        path: `${url.pathname}${url.search}`,
        headers,
        ...(payload ? { payload } : {}),
      });
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value])
          responseHeaders.append(name, String(item));
      }
      const body =
        NULL_BODY_STATUSES.has(reply.status) || request.method === 'HEAD' ? null : reply.body;
      return new Response(body, {
        status: reply.status,
        statusText: reply.statusText,
        headers: responseHeaders,
      });
    },
  };
}

export interface DispatchedResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

/**
 * Hands one request to an app without a socket (node's request and response
 * objects are simulated) and collects its answer. The in-process transport and
 * the nock run mode both use it.
 */
export async function dispatchToApp(
  app: RequestListener,
  request: { method: string; path: string; headers: Record<string, string>; payload?: Buffer },
): Promise<DispatchedResponse> {
  const reply = await inject(app, {
    method: request.method as 'GET',
    url: request.path,
    headers: request.headers,
    ...(request.payload ? { payload: request.payload } : {}),
    remoteAddress: '127.0.0.1',
  });
  return {
    status: reply.statusCode,
    statusText: reply.statusMessage,
    headers: reply.headers,
    body: reply.rawPayload,
  };
}
