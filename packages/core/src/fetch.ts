import type { HostMap, Party, ServiceParty } from './hosts.js';
import type { TraceRecorder } from './trace.js';

/**
 * The only way a party of the lab talks to another: a `fetch` with the
 * standard signature, addressed by real-looking URLs
 * (`https://login.microsoftonline.com/...`). It stamps who is calling and the
 * current run, hands the request to a transport (loopback ports, in-process
 * apps, nock), and follows redirects itself so every hop stays inside the lab.
 */
export type LabFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Carries a request, addressed by its real-looking URL, to the party that answers it. */
export interface Transport {
  /** Never follows redirects; rejects like `fetch` when the party cannot be reached. */
  send(party: ServiceParty, url: URL, init: RequestInit): Promise<Response>;
}

/** Header names the lab adds to requests between its parties. */
export const LAB_HEADERS = {
  from: 'x-hma-lab-from',
  host: 'x-hma-lab-host',
  run: 'x-hma-lab-run',
} as const;

export interface LabFetchOptions {
  /** Who is calling (recorded as `from` in the trace). */
  from: Party;
  hosts: HostMap;
  transport: Transport;
  trace: TraceRecorder;
  /** Most redirects followed when `redirect` is not `manual`. Default 20, as browsers. */
  maxRedirects?: number;
  /**
   * Hosts outside the host map that may be reached directly (loopback servers a
   * user runs, e.g. for `hma-lab check`). Default: 127.0.0.1, localhost and ::1.
   */
  directHosts?: readonly string[];
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]', '::1'];

export function createLabFetch(options: LabFetchOptions): LabFetch {
  const { from, hosts, transport, trace } = options;
  const maxRedirects = options.maxRedirects ?? 20;
  const direct = new Set(options.directHosts ?? LOOPBACK);

  async function once(url: URL, init: RequestInit): Promise<Response> {
    const party = hosts.partyFor(url.hostname);
    const headers = new Headers(init.headers);
    headers.set(LAB_HEADERS.from, from);
    const runId = trace.context()?.runId;
    if (runId) headers.set(LAB_HEADERS.run, runId);
    if (!party) {
      if (direct.has(url.hostname)) return fetch(url, { ...init, headers, redirect: 'manual' });
      throw unreachable(url);
    }
    headers.set(LAB_HEADERS.host, url.host);
    headers.set('x-forwarded-proto', url.protocol.replace(':', ''));
    try {
      return await transport.send(party, url, { ...init, headers, redirect: 'manual' });
    } catch (error) {
      recordFailure(party, url, init, headers, error);
      throw error;
    }
  }

  function recordFailure(
    party: ServiceParty,
    url: URL,
    init: RequestInit,
    headers: Headers,
    error: unknown,
  ): void {
    const handle = trace.beginExchange({
      from,
      to: party,
      method: (init.method ?? 'GET').toUpperCase(),
      url: url.href,
      ...(headers.get(LAB_HEADERS.run) ? { runId: headers.get(LAB_HEADERS.run)! } : {}),
      requestHeaders: Object.fromEntries(headers),
    });
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    handle.finish({
      status: 0,
      responseHeaders: {},
      error: `${(error as Error).message}${cause ? ` (${cause})` : ''}`,
    });
  }

  return async function labFetch(input, init = {}) {
    let url = new URL(typeof input === 'string' ? input : input.href);
    let request: RequestInit = { ...init };
    const mode = init.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      const response = await once(url, request);
      if (mode === 'manual' || !isRedirect(response.status)) return response;
      const location = response.headers.get('location');
      if (!location) return response;
      if (mode === 'error') throw new TypeError('fetch failed: redirect mode is "error"');
      if (hop >= maxRedirects) throw new TypeError('fetch failed: redirect count exceeded');
      await response.body?.cancel();
      url = new URL(location, url);
      // 303, and 301/302 after POST, become GET without a body (Fetch standard §4.4).
      const method = (request.method ?? 'GET').toUpperCase();
      if (
        response.status === 303 ||
        ((response.status === 301 || response.status === 302) && method === 'POST')
      ) {
        const headers = new Headers(request.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        request = { ...request, method: 'GET', body: null, headers };
      }
    }
  };
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/** The error `fetch` gives for a host name that does not resolve. */
function unreachable(url: URL): TypeError {
  const cause = Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), {
    code: 'ENOTFOUND',
    hostname: url.hostname,
  });
  return new TypeError('fetch failed', { cause });
}

/**
 * A transport to services listening on loopback ports: the real-looking URL's
 * path and query go to `baseUrl(party)`; the real host name travels in
 * `x-hma-lab-host`. `send` defaults to the global fetch (a TLS lab passes one
 * that trusts its CA).
 */
export function createLoopbackTransport(
  baseUrl: (party: ServiceParty) => string,
  send: (url: string, init: RequestInit) => Promise<Response> = fetch,
): Transport {
  return {
    send(party, url, init) {
      return send(`${baseUrl(party)}${url.pathname}${url.search}`, init);
    },
  };
}
