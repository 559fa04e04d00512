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
      const reply = await inject(app, {
        method: request.method as 'GET',
        url: `${url.pathname}${url.search}`,
        headers,
        ...(payload ? { payload } : {}),
        remoteAddress: '127.0.0.1',
      });
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value === undefined) continue;
        for (const item of Array.isArray(value) ? value : [value])
          responseHeaders.append(name, String(item));
      }
      const body =
        NULL_BODY_STATUSES.has(reply.statusCode) || request.method === 'HEAD'
          ? null
          : reply.rawPayload;
      return new Response(body, {
        status: reply.statusCode,
        statusText: reply.statusMessage,
        headers: responseHeaders,
      });
    },
  };
}
