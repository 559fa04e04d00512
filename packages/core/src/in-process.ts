import type { ServiceParty } from './hosts.js';
import { headerRecord, type Transport } from './fetch.js';
import { dispatchToApp, type RequestListener } from './app-dispatch.js';

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
      const { method, headers, payload } = (quickRequest(url, init) ??
        (await normalisedRequest(url, init))) as OutgoingRequest;
      if (init.signal?.aborted)
        throw init.signal.reason ?? new DOMException('aborted', 'AbortError');
      const reply = await dispatchToApp(app, {
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        ...(payload ? { payload } : {}),
      }).catch((error: unknown) => {
        // As fetch reports a connection the server dropped.
        throw new TypeError('fetch failed', { cause: error });
      });
      // Pairs, not a Headers: the Response fills its own from them (once).
      const responseHeaders: Array<[string, string]> = [];
      for (const name in reply.headers) {
        const value = reply.headers[name];
        if (value === undefined) continue;
        if (Array.isArray(value)) for (const item of value) responseHeaders.push([name, item]);
        else responseHeaders.push([name, String(value)]);
      }
      const body = NULL_BODY_STATUSES.has(reply.status) || method === 'HEAD' ? null : reply.body;
      return new (bufferedResponseClass())(body, {
        status: reply.status,
        statusText: reply.statusText,
        headers: responseHeaders,
      });
    },
  };
}

/** What an in-process answer is made of: its status line and header pairs. */
interface BufferedInit {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
}

/**
 * A fetch `Response` over bytes already in memory. `text()`, `json()` and
 * `arrayBuffer()` read them directly: a plain `Response` would wrap them in a
 * web stream first, which costs more than the rest of an in-process hop. The
 * stream exists only if someone asks for `body` (then every read goes through
 * it, as usual). Reads are single-use, as with any Response.
 */
type BufferedResponseClass = new (bytes: Buffer | null, init: BufferedInit) => Response;
let bufferedResponse: BufferedResponseClass | undefined;

/**
 * The class is defined on first use: reading the global `Response` loads
 * Node's whole fetch implementation (~20 ms), which `hma-lab up` does not need
 * to start.
 */
function bufferedResponseClass(): BufferedResponseClass {
  return (bufferedResponse ??= defineBufferedResponse());
}

function defineBufferedResponse(): BufferedResponseClass {
  // Typed against a plain constructor: the DOM typings declare Response's
  // methods as properties, which a subclass may not override.
  const ResponseBase = Response as unknown as new (
    body: null,
    init: ResponseInit,
  ) => {
    readonly headers: Headers;
  };

  class BufferedResponse extends ResponseBase {
    #bytes: Buffer | null;
    #init: BufferedInit;
    #used = false;
    #streamed: Response | undefined;

    constructor(bytes: Buffer | null, init: BufferedInit) {
      super(null, { status: init.status, statusText: init.statusText });
      // Appended one by one: as init, undici converts a list of pairs as
      // sequences of sequences through the iterator protocol (~1 µs and
      // ~2 KB of garbage per in-process answer); an append checks the same.
      const own = this.headers;
      for (const [name, value] of init.headers) own.append(name, value);
      this.#bytes = bytes;
      this.#init = init;
    }

    #stream(): Response {
      this.#streamed ??= new Response(this.#used ? null : this.#bytes);
      return this.#streamed;
    }

    #take(): Buffer {
      if (this.#streamed) throw new TypeError('Body is unusable: Body has already been read');
      if (this.#used) throw new TypeError('Body is unusable: Body has already been read');
      this.#used = true;
      return this.#bytes ?? Buffer.alloc(0);
    }

    get body(): ReadableStream<Uint8Array> | null {
      return this.#bytes === null ? null : (this.#stream().body as ReadableStream<Uint8Array>);
    }

    get bodyUsed(): boolean {
      return this.#streamed ? this.#streamed.bodyUsed : this.#used;
    }

    async arrayBuffer(): Promise<ArrayBuffer> {
      if (this.#streamed) return this.#streamed.arrayBuffer();
      const bytes = this.#take();
      return bytes.buffer.slice(
        bytes.byteOffset,
        bytes.byteOffset + bytes.byteLength,
      ) as ArrayBuffer;
    }

    async text(): Promise<string> {
      if (this.#streamed) return this.#streamed.text();
      // UTF-8 decode as fetch does (a leading BOM is dropped).
      return UTF8.decode(this.#take());
    }

    async json(): Promise<unknown> {
      if (this.#streamed) return this.#streamed.json();
      return JSON.parse(UTF8.decode(this.#take())) as unknown;
    }

    async blob(): Promise<Blob> {
      return this.#stream().blob();
    }

    async formData(): Promise<FormData> {
      return this.#stream().formData();
    }

    clone(): Response {
      if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
      if (this.#streamed) return new Response(this.#streamed.clone().body, this.#init);
      return new BufferedResponse(
        this.#bytes && Buffer.from(this.#bytes),
        this.#init,
      ) as unknown as Response;
    }
  }
  return BufferedResponse as unknown as BufferedResponseClass;
}

const UTF8 = new TextDecoder();

/**
 * Drops an answer's body that nobody will read (a redirect's, a challenge's).
 * Over a socket, cancelling the stream stops the transfer. An in-process
 * answer holds its bytes already, and asking for its `body` would build a web
 * stream only to cancel it (~80 µs each on the 2-vCPU machines, a few per
 * flow): it is marked read instead.
 */
export async function discardBody(response: Response): Promise<void> {
  if (bufferedResponse && response instanceof bufferedResponse) {
    if (!response.bodyUsed) await response.arrayBuffer();
    return;
  }
  await response.body?.cancel();
}

interface OutgoingRequest {
  method: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

/** The methods fetch upper-cases (Fetch standard, "normalize a method"). */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);

/**
 * The request as fetch's `Request` would normalise it, for the bodies the lab
 * sends (none, string, URLSearchParams, bytes), without building one: a
 * `Request` costs more than the rest of an in-process hop. Anything else
 * (streams, blobs, form data, a body on GET) returns undefined and takes the
 * `Request` path, which also raises fetch's own errors.
 */
function quickRequest(url: URL, init: RequestInit): OutgoingRequest | undefined {
  const body = init.body;
  let payload: Buffer | undefined;
  let type: string | undefined;
  if (body === undefined || body === null) payload = undefined;
  else if (typeof body === 'string') {
    payload = Buffer.from(body, 'utf8');
    type = 'text/plain;charset=UTF-8';
  } else if (body instanceof URLSearchParams) {
    payload = Buffer.from(body.toString(), 'utf8');
    type = 'application/x-www-form-urlencoded;charset=UTF-8';
  } else if (body instanceof Uint8Array) {
    payload = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  } else if (body instanceof ArrayBuffer) payload = Buffer.from(body);
  else return undefined;
  const upper = (init.method ?? 'GET').toUpperCase();
  const method = NORMALISED_METHODS.has(upper) ? upper : (init.method ?? 'GET');
  if (payload && (method === 'GET' || method === 'HEAD')) return undefined;
  // Host first, as a client sends it; one the caller gave wins.
  const headers: Record<string, string> = { host: url.host, ...headerRecord(init.headers) };
  if (type && headers['content-type'] === undefined) headers['content-type'] = type;
  if (payload) headers['content-length'] = String(payload.length);
  return { method, headers, ...(payload ? { payload } : {}) };
}

/** Lets the fetch machinery normalise the request (streams, blobs, form data). */
async function normalisedRequest(url: URL, init: RequestInit): Promise<OutgoingRequest> {
  const request = new Request(url, { ...init, redirect: 'manual' });
  const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
  const headers: Record<string, string> = { host: url.host };
  request.headers.forEach((value, name) => {
    headers[name] = value;
  });
  if (payload) headers['content-length'] = String(payload.length);
  return { method: request.method, headers, ...(payload ? { payload } : {}) };
}
