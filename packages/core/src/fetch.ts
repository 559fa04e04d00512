import type { HostMap, Party, ServiceParty } from './hosts.js';
import type { TraceRecorder } from './trace.js';
import { discardBody } from './in-process.js';
import type { DroppedConnection } from './perimeter.js';

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
  /**
   * A firewall on the way: the connections to `to` it drops, with the fault
   * that closes them and the party it guards (see perimeter.ts). A dropped
   * connection fails as a connect timeout at once (the lab does not wait the
   * client's timeout out).
   */
  drops?: (to: ServiceParty) => DroppedConnection | undefined;
}

const LOOPBACK = ['127.0.0.1', 'localhost', '[::1]', '::1'];

export function createLabFetch(options: LabFetchOptions): LabFetch {
  const { from, hosts, transport, trace } = options;
  const maxRedirects = options.maxRedirects ?? 20;
  const direct = new Set(options.directHosts ?? LOOPBACK);

  async function once(url: URL, init: RequestInit): Promise<Response> {
    const party = hosts.partyFor(url.hostname);
    const headers = headerRecord(init.headers);
    headers[LAB_HEADERS.from] = from;
    const runId = trace.context()?.runId;
    if (runId) headers[LAB_HEADERS.run] = runId;
    if (!party) {
      if (direct.has(url.hostname)) return fetch(url, hopInit(init, headers));
      throw unreachable(url);
    }
    headers[LAB_HEADERS.host] = url.host;
    headers['x-forwarded-proto'] = url.protocol.slice(0, -1);
    const dropped = options.drops?.(party);
    if (dropped) {
      trace.event(
        dropped.at,
        'network.connection.dropped',
        `a firewall dropped ${from}'s connection to ${url.host} (${dropped.reason})`,
        { from, host: url.host, reason: dropped.reason },
      );
      const error = connectTimeout(url);
      recordFailure(party, url, init, headers, error);
      throw error;
    }
    try {
      return await transport.send(party, url, hopInit(init, headers));
    } catch (error) {
      recordFailure(party, url, init, headers, error);
      throw error;
    }
  }

  function recordFailure(
    party: ServiceParty,
    url: URL,
    init: RequestInit,
    headers: Record<string, string>,
    error: unknown,
  ): void {
    const runId = headers[LAB_HEADERS.run];
    const handle = trace.beginExchange({
      from,
      to: party,
      method: (init.method ?? 'GET').toUpperCase(),
      url: url.href,
      ...(runId ? { runId } : {}),
      requestHeaders: headers,
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
      await discardBody(response);
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
        request = Object.assign({}, request, { method: 'GET', body: null, headers });
      }
    }
  };
}

/**
 * One hop's init: the caller's, with the lab's headers and redirects left to
 * the lab. `Object.assign`, not a spread followed by more properties: V8
 * (Node 20) adds each property after a leading spread through a slow path,
 * ~0.45 µs apiece, on every hop.
 */
function hopInit(init: RequestInit, headers: Record<string, string>): RequestInit {
  return Object.assign({}, init, { headers, redirect: 'manual' as const });
}

/**
 * Request headers as a plain object, lower-case names, as a fetch `Headers`
 * would hold them: values trimmed of surrounding whitespace, repeated names
 * joined with ", ", and the same TypeError for a name or value fetch refuses.
 * Lighter than building a `Headers`: undici's checks were ~4 % of the event
 * loop's time in the 1 h advance benchmark.
 */
export function headerRecord(init: RequestInit['headers']): Record<string, string> {
  // One this function made (the lab's fetch hands its transport one): checked already.
  if (init instanceof CheckedHeaders) return Object.assign(new CheckedHeaders(), init);
  const record: Record<string, string> = new CheckedHeaders();
  if (init === undefined || init === null) return record;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      record[name] = value;
    });
    return record;
  }
  if (Array.isArray(init)) {
    for (const pair of init as ArrayLike<unknown>[]) {
      if (pair.length !== 2)
        throw new TypeError('Headers constructor: expected name/value pair to be length 2.');
      addHeader(record, String(pair[0]), pair[1]);
    }
    return record;
  }
  for (const name of Object.keys(init))
    addHeader(record, name, (init as Record<string, string>)[name]!);
  return record;
}

/**
 * The records {@link headerRecord} makes: plain records of names and values,
 * known to be checked by their class (a WeakSet of them cost more than the
 * copy, and gave every young-generation collection weak entries to visit).
 */
class CheckedHeaders {
  [name: string]: string;
}

/** An HTTP token (RFC 9110 §5.6.2): what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
function addHeader(record: Record<string, string>, name: string, raw: unknown): void {
  const key = String(name);
  if (!TOKEN.test(key)) throw new TypeError(`Headers.append: "${key}" is an invalid header name.`);
  const value = trimHttpWhitespace(String(raw));
  // What a value may not hold once trimmed (indexOf: ~20x faster than a regex on a token).
  if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1 || value.indexOf('\0') !== -1) {
    throw new TypeError(
      `Headers.append: "${value}" is an invalid header value for the "${key}" header.`,
    );
  }
  const lower = key.toLowerCase();
  const previous = record[lower];
  record[lower] = previous === undefined ? value : `${previous}, ${value}`;
}

/**
 * A header value without the tabs, line breaks and spaces around it, as fetch
 * normalises it. By hand: a regular expression anchored at the end tries
 * every position of a 2 KB bearer token.
 */
function trimHttpWhitespace(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isHttpWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

/**
 * `fetch` whose answers must come within `ms` of real time, as a real
 * client's network timeout: after that the call fails as fetch fails when
 * nothing answers (TypeError `fetch failed`, cause code `ETIMEDOUT`) and the
 * request is aborted. The deadline is the answer's: the lab's own transport
 * hands over a response whole, while over a socket the body is read after it
 * (undici's body timeout bounds that). Real time on purpose: work that a
 * virtual-clock timer runs cannot wait for a later timer of that clock (the
 * clock does not move while it runs), so a deadline on it would never come.
 */
export function fetchWithin(fetch: LabFetch, ms: number): LabFetch {
  return (input, init = {}) => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        const cause = Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' });
        reject(new TypeError('fetch failed', { cause }));
      }, ms);
    });
    const signal = init.signal
      ? AbortSignal.any([init.signal, controller.signal])
      : controller.signal;
    const answer = fetch(input, { ...init, signal });
    // The losing side of the race must not surface as an unhandled rejection.
    answer.catch(() => undefined);
    return Promise.race([answer, deadline]).finally(() => clearTimeout(timer));
  };
}

/** The error `fetch` gives for a host name that does not resolve. */
function unreachable(url: URL): TypeError {
  const cause = Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), {
    code: 'ENOTFOUND',
    hostname: url.hostname,
  });
  return new TypeError('fetch failed', { cause });
}

/** What fetch (undici) rejects with when a connection is never answered. */
function connectTimeout(url: URL): TypeError {
  const cause = Object.assign(new Error(`Connect Timeout Error (attempted address: ${url.host})`), {
    name: 'ConnectTimeoutError',
    code: 'UND_ERR_CONNECT_TIMEOUT',
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
