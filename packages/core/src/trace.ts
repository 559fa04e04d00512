import { AsyncLocalStorage } from 'node:async_hooks';
import type { Clock } from './clock.js';
import type { Party } from './hosts.js';
import { decodeFormComponent } from './form-encoding.js';
import { decodeJwt } from './jwt.js';
import { XML_SECTIONS } from './xml-depth.js';

/**
 * The trace: every HTTP exchange between parties of a lab, and every
 * party-internal decision that a flow step names (conditional access evaluated,
 * cloud cache created), in the order they happened. Step numbers are not stored
 * here: `labelFlow()` assigns FLOWS.md numbers to a run's entries afterwards, so
 * third-party clients' traffic is labelled the same way as the reference device's.
 */

/** A token (or credential) seen crossing an exchange. */
export interface TraceToken {
  /** `access_token`, `id_token`, `refresh_token`, `assertion`, `bearer`, `code`, `wresult`... */
  name: string;
  /** Where it was seen: `request.header.authorization`, `response.body.access_token`, `response.location.code`... */
  where: string;
  kind: 'jwt' | 'saml' | 'opaque';
  raw: string;
  /** For JWTs: the decoded header and claims (not verified). */
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}

/** A secret that crossed an exchange and was redacted from the trace (never stored). */
export interface TraceSecret {
  name: string;
  where: string;
}

export interface TraceBody {
  contentType?: string;
  size: number;
  /** Text form, redacted, cut at the recorder's limit. */
  text?: string;
  truncated?: boolean;
}

export interface TraceExchange {
  kind: 'exchange';
  id: number;
  runId?: string;
  /** Order of the request leg among all entries. */
  startSeq: number;
  /** Order of the response leg among all entries. */
  endSeq: number;
  /** Lab clock time when the request arrived (ms since epoch). */
  atMs: number;
  from: Party;
  to: Party;
  method: string;
  url: string;
  /** HTTP status; 0 when the request never got an answer (see `error`). */
  status: number;
  requestHeaders: Record<string, string>;
  responseHeaders: Record<string, string | string[]>;
  requestBody?: TraceBody;
  responseBody?: TraceBody;
  tokens: TraceToken[];
  secrets: TraceSecret[];
  /** Wall-clock milliseconds the exchange took. */
  durationMs: number;
  error?: string;
}

export interface TraceEvent {
  kind: 'event';
  id: number;
  runId?: string;
  seq: number;
  atMs: number;
  party: Party;
  /** A stable name, e.g. `entra.ca.evaluated`; see docs/trace.md. */
  action: string;
  summary: string;
  data?: Record<string, unknown>;
  /** The exchange during which the event happened, if any. */
  exchangeId?: number;
}

export type TraceEntry = TraceExchange | TraceEvent;

/** What the async context carries while a request is handled. */
export interface TraceContext {
  runId?: string;
  exchangeId?: number;
  party?: Party;
}

export interface ExchangeStart {
  from: Party;
  to: Party;
  method: string;
  url: string;
  runId?: string;
  /** Read when the exchange begins: later changes to the object are not recorded. */
  requestHeaders: Record<string, string | string[] | undefined>;
}

export interface ExchangeEnd {
  status: number;
  responseHeaders: Record<string, string | number | string[] | undefined>;
  requestBody?: Buffer;
  responseBody?: Buffer;
  /**
   * The value a JSON `responseBody` was written from (`JSON.stringify` of it
   * is the body), when the writer knows it: the trace reads tokens from it
   * instead of parsing the body back.
   */
  responseJson?: unknown;
  /**
   * The body as the writer wrote it, one string (UTF-8 on the wire), when it
   * did: stands for `responseBody`, which is then not needed.
   */
  responseText?: string;
  error?: string;
}

export interface ExchangeHandle {
  readonly id: number;
  /** Records the exchange (subscribers receive it as a {@link TraceExchange}). */
  finish(end: ExchangeEnd): void;
}

/** Turns a body of some content type into readable text (e.g. WBXML into XML). */
export type BodyDecoder = (body: Buffer) => string;

export interface TraceRecorder {
  /**
   * All entries, oldest first; optionally only one run's. Each call returns
   * new exchange objects (exchanges are kept as text at rest, see
   * docs/trace.md); events are returned as recorded.
   */
  entries(filter?: { runId?: string }): TraceEntry[];
  exchanges(filter?: { runId?: string }): TraceExchange[];
  /** The entry with this id, if it is still kept. */
  entry(id: number): TraceEntry | undefined;
  /** The newest entry, if any. */
  last(): TraceEntry | undefined;
  /** The context of the request being handled, if any (always none with the trace off). */
  context(): TraceContext | undefined;
  /**
   * Runs `fn` with a context; outbound lab fetches inside it carry its run id.
   * With the trace off nothing would read the context, so `fn` simply runs.
   */
  runWith<T>(context: TraceContext, fn: () => T): T;
  beginExchange(start: ExchangeStart): ExchangeHandle;
  /** Records a party-internal step; run and exchange come from the current context. */
  event(party: Party, action: string, summary: string, data?: Record<string, unknown>): TraceEvent;
  /** Called for each entry as it is completed; returns an unsubscribe function. */
  subscribe(listener: (entry: TraceEntry) => void): () => void;
  /** Registers a readable form for bodies whose content type starts with `contentTypePrefix`. */
  addBodyDecoder(contentTypePrefix: string, decode: BodyDecoder): void;
  clear(): void;
  /**
   * Lets go of the async context for good (the lab closed). On Node 20 every
   * AsyncLocalStorage ever run stays on the process's list, and each one
   * adds work to every promise the process makes afterwards: a suite that
   * made 800 labs awaited ~800 times slower.
   */
  dispose(): void;
  readonly enabled: boolean;
}

export interface TraceOptions {
  clock: Clock;
  /** Recording off: entries are not kept (context still flows). Default true. */
  enabled?: boolean;
  /** Oldest entries are dropped past this many. Default 50,000. */
  maxEntries?: number;
  /** Body text kept per exchange, in characters. Default 32,768. */
  maxBodyChars?: number;
}

/** Headers that never help a reader of the trace. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'date',
  'etag',
  'content-length',
  'transfer-encoding',
  'accept-encoding',
  'sec-fetch-mode',
  'x-hma-lab-from',
  'x-hma-lab-host',
  'x-hma-lab-run',
  'x-forwarded-proto',
  'host',
]);

/** Form and JSON fields that carry secrets: recorded as "crossed", never stored. */
const SECRET_FIELDS = new Set([
  'passwd',
  'password',
  'client_secret',
  'devicekey',
  'device_key',
  'newpassword',
]);

/** Fields that carry tokens or codes: stored raw and decoded (the lab is a teaching tool). */
const TOKEN_FIELDS = [
  'access_token',
  'id_token',
  'refresh_token',
  'assertion',
  'client_assertion',
  'code',
  'wresult',
  'SAMLResponse',
] as const;

export const REDACTED = '[redacted]';

/**
 * A recorded exchange at rest: its JSON text, with JWTs not yet decoded. A
 * trace of 50,000 exchanges held as objects is some two million small objects
 * (headers, bodies, decoded claims) that the garbage collector copies while
 * they are young and walks on every full collection: under load that made
 * every scavenge slower and a token endpoint's p99 2.5 times longer. One text
 * per exchange costs a JSON.stringify when recorded and a JSON.parse when read.
 *
 * The body texts are kept beside the JSON, not in it: inside it, every quote
 * of a JSON body would be escaped, and a token would be kept twice, once in
 * its body and once in `tokens`. A token found in its body's text is kept as
 * its place there ({@link TokenAtRest}). A client_credentials exchange is
 * then kept in ~3 KB instead of ~4.8 KB, and its JSON (0.9 KB) is written in
 * half the time.
 *
 * The three texts are kept as UTF-8 in a slab outside the JS heap
 * ({@link Slabs}), not as strings: a string outlives the scavenge after it was
 * made and is copied by it, and again when promoted. Kept as strings, a
 * token endpoint's scavenges took 2.9 ms instead of 1.9 ms under load.
 */
class StoredExchange {
  constructor(
    readonly id: number,
    readonly runId: string | undefined,
    readonly slab: Buffer,
    /** Byte offsets in `slab`: the JSON from `start`, then the request and the response text. */
    private readonly start: number,
    private readonly jsonEnd: number,
    private readonly requestEnd: number,
    private readonly responseEnd: number,
    /** Which texts there are: 1 the request's, 2 the response's. */
    private readonly texts: number,
  ) {}

  get json(): string {
    return this.slab.toString('utf8', this.start, this.jsonEnd);
  }

  get requestText(): string | undefined {
    return this.texts & 1 ? this.slab.toString('utf8', this.jsonEnd, this.requestEnd) : undefined;
  }

  get responseText(): string | undefined {
    return this.texts & 2
      ? this.slab.toString('utf8', this.requestEnd, this.responseEnd)
      : undefined;
  }
}

const SLAB_BYTES = 1 << 20;

/**
 * Where exchanges are kept at rest: slabs of 1 MiB outside the JS heap, each
 * exchange's texts written one after the other. Slabs are used again once
 * every exchange kept in them is dropped (the trace drops the oldest first),
 * instead of letting them go and taking new ones.
 *
 * A slab's memory is a `SharedArrayBuffer`, which V8 leaves out of its
 * external memory count. An `ArrayBuffer` of 1 MiB counts toward the heap's
 * limit for full collections until the next one: while a trace of 50,000
 * exchanges filled under token load (~125 MB), that started a full collection
 * every ~8 MB written (14–18 in 20 s instead of 1, and 2–5 % fewer requests
 * answered). Slabs are not garbage while the trace lives, so counting them
 * bought nothing; one `clear()` or a dropped lab leaves its slabs to the next
 * full collection, which the heap's own growth brings.
 */
class Slabs {
  /** Slabs in the order they were filled, the one being filled last. */
  private readonly used: Buffer[] = [newSlab()];
  private readonly spare: Buffer[] = [];
  private filled = 0;

  /** A slab with `bytes` free from the returned offset, which are then taken. */
  take(bytes: number): { slab: Buffer; at: number } {
    if (bytes > SLAB_BYTES / 4) return { slab: Buffer.allocUnsafeSlow(bytes), at: 0 };
    if (this.filled + bytes > SLAB_BYTES) {
      this.used.push(this.spare.pop() ?? newSlab());
      this.filled = 0;
    }
    const at = this.filled;
    this.filled += bytes;
    return { slab: this.used[this.used.length - 1]!, at };
  }

  /** After the oldest entries were dropped: slabs filled before that of the oldest exchange in `kept` become spare. */
  dropBefore(kept: readonly StoredEntry[]): void {
    let oldest: Buffer | undefined;
    for (const entry of kept) {
      // The first exchange kept in a slab (one of over 256 KB has a buffer of its own).
      if (entry instanceof StoredExchange && this.used.includes(entry.slab)) {
        oldest = entry.slab;
        break;
      }
    }
    while (this.used.length > 1 && this.used[0] !== oldest) this.spare.push(this.used.shift()!);
  }
}

function newSlab(): Buffer {
  return Buffer.from(new SharedArrayBuffer(SLAB_BYTES));
}

/** A token at rest whose raw text is `length` characters of its body's text, from `at`. */
interface TokenAtRest {
  name: string;
  where: string;
  kind: TraceToken['kind'];
  at: number;
  length: number;
}

type StoredEntry = StoredExchange | TraceEvent;

/**
 * The exchange at rest: the texts of whole bodies beside the JSON, tokens in
 * them as places. Written in one `JSON.stringify` of an object literal, fields
 * in the order readers get them (an optional field left `undefined` is not
 * written); no live exchange object is built unless a subscriber wants one.
 */
function store(
  slabs: Slabs,
  exchange: Omit<TraceExchange, 'runId' | 'requestBody' | 'responseBody' | 'error'>,
  runId: string | undefined,
  requestBody: TraceBody | undefined,
  responseBody: TraceBody | undefined,
  error: string | undefined,
): StoredExchange {
  const requestText = detachable(requestBody);
  const responseText = detachable(responseBody);
  const json = JSON.stringify({
    kind: exchange.kind,
    id: exchange.id,
    startSeq: exchange.startSeq,
    endSeq: exchange.endSeq,
    atMs: exchange.atMs,
    from: exchange.from,
    to: exchange.to,
    method: exchange.method,
    url: exchange.url,
    status: exchange.status,
    requestHeaders: exchange.requestHeaders,
    responseHeaders: exchange.responseHeaders,
    tokens: exchange.tokens.map((token) => tokenAtRest(token, requestText, responseText)),
    secrets: exchange.secrets,
    durationMs: exchange.durationMs,
    runId,
    requestBody: requestText === undefined ? requestBody : withoutText(requestBody!),
    responseBody: responseText === undefined ? responseBody : withoutText(responseBody!),
    error,
  });
  const jsonBytes = Buffer.byteLength(json);
  const requestBytes = requestText === undefined ? 0 : Buffer.byteLength(requestText);
  const responseBytes = responseText === undefined ? 0 : Buffer.byteLength(responseText);
  const { slab, at } = slabs.take(jsonBytes + requestBytes + responseBytes);
  slab.write(json, at);
  if (requestText !== undefined) slab.write(requestText, at + jsonBytes);
  if (responseText !== undefined) slab.write(responseText, at + jsonBytes + requestBytes);
  return new StoredExchange(
    exchange.id,
    runId,
    slab,
    at,
    at + jsonBytes,
    at + jsonBytes + requestBytes,
    at + jsonBytes + requestBytes + responseBytes,
    (requestText === undefined ? 0 : 1) | (responseText === undefined ? 0 : 2),
  );
}

/**
 * A body's text, if it can be kept beside the JSON: a cut text is a slice of
 * the whole one and would keep all of it alive, so it stays in the JSON.
 */
function detachable(body: TraceBody | undefined): string | undefined {
  return body?.text !== undefined && !body.truncated ? body.text : undefined;
}

/** The body without its text (a field left `undefined` is not written as JSON). */
function withoutText(body: TraceBody): TraceBody {
  return { size: body.size, contentType: body.contentType, truncated: body.truncated };
}

function tokenAtRest(
  token: TraceToken,
  requestText: string | undefined,
  responseText: string | undefined,
): TraceToken | TokenAtRest {
  const text = bodyTextAt(token.where, requestText, responseText);
  const at = text === undefined ? -1 : text.indexOf(token.raw);
  if (at < 0) return token;
  return { name: token.name, where: token.where, kind: token.kind, at, length: token.raw.length };
}

/** The text of the body a token was found in (`where` = `request.body.…` or `response.body.…`). */
function bodyTextAt(
  where: string,
  requestText: string | undefined,
  responseText: string | undefined,
): string | undefined {
  if (where.startsWith('request.body.')) return requestText;
  return where.startsWith('response.body.') ? responseText : undefined;
}

/** The entry as readers see it: exchanges parsed, their bodies and tokens whole, JWTs decoded. */
function expand(stored: StoredEntry): TraceEntry {
  if (!(stored instanceof StoredExchange)) return stored;
  const exchange = JSON.parse(stored.json) as Omit<TraceExchange, 'tokens'> & {
    tokens: Array<TraceToken | TokenAtRest>;
  };
  const { requestText, responseText } = stored;
  if (requestText !== undefined) {
    exchange.requestBody = withText(exchange.requestBody!, requestText);
  }
  if (responseText !== undefined) {
    exchange.responseBody = withText(exchange.responseBody!, responseText);
  }
  const tokens = exchange.tokens.map((token): TraceToken => {
    if (!('at' in token)) return token;
    const text = bodyTextAt(token.where, requestText, responseText)!;
    return {
      name: token.name,
      where: token.where,
      kind: token.kind,
      raw: text.slice(token.at, token.at + token.length),
    };
  });
  decodeTokens(tokens);
  return { ...exchange, tokens };
}

/** The body with its text, its fields in the order they were recorded. */
function withText(body: TraceBody, text: string): TraceBody {
  return {
    size: body.size,
    ...(body.contentType === undefined ? {} : { contentType: body.contentType }),
    text,
    ...(body.truncated ? { truncated: body.truncated } : {}),
  };
}

/** Adds the decoded header and claims to JWT-shaped tokens (those that do not decode are opaque). */
function decodeTokens(tokens: TraceToken[]): void {
  for (const token of tokens) {
    if (token.kind !== 'jwt') continue;
    const decoded = decodeJwt(token.raw);
    if (decoded) {
      token.header = decoded.header;
      token.claims = decoded.claims;
    } else token.kind = 'opaque';
  }
}

export function createTraceRecorder(options: TraceOptions): TraceRecorder {
  const { clock } = options;
  const enabled = options.enabled ?? true;
  const maxEntries = options.maxEntries ?? 50_000;
  const maxBodyChars = options.maxBodyChars ?? 32_768;
  const storage = new AsyncLocalStorage<TraceContext>();
  let disposed = false;
  const listeners = new Set<(entry: TraceEntry) => void>();
  const decoders: Array<[string, BodyDecoder]> = [];
  let list: StoredEntry[] = [];
  let slabs = new Slabs();
  /** Entries trimmed off the front since the last clear: `list[i]` is the `(dropped + i)`-th pushed. */
  let dropped = 0;
  /**
   * Each run's entries in order, with their place among all pushed, so reading
   * one run (every `runFlow` does) does not scan the whole trace.
   */
  const byRun = new Map<string, Array<{ at: number; stored: StoredEntry }>>();
  const trimStep = Math.max(1, Math.min(1024, Math.ceil(maxEntries / 16)));
  /** Index in `list` of the oldest entry readers see (the newest maxEntries are kept). */
  const firstKept = (): number => Math.max(0, list.length - maxEntries);
  let seq = 0;
  let nextId = 1;

  function push(stored: StoredEntry, entry: () => TraceEntry): void {
    if (!enabled) return;
    if (stored.runId !== undefined) {
      const run = byRun.get(stored.runId);
      const item = { at: dropped + list.length, stored };
      if (run) run.push(item);
      else byRun.set(stored.runId, [item]);
    }
    list.push(stored);
    // Trimmed in steps, not on every push once full: slicing 50,000 entries
    // per exchange would cost more than recording it. Readers see at most
    // maxEntries (see firstKept()).
    if (list.length >= maxEntries + trimStep) trim(list.length - maxEntries);
    if (listeners.size === 0) return;
    const complete = entry();
    for (const listener of listeners) {
      try {
        listener(complete);
      } catch {
        // A broken subscriber must not break the lab.
      }
    }
  }

  /** Drops the oldest `count` entries, from the list and from their runs. */
  function trim(count: number): void {
    for (let i = 0; i < count; i++) {
      const runId = list[i]!.runId;
      const run = runId === undefined ? undefined : byRun.get(runId);
      if (!run) continue;
      run.shift();
      if (run.length === 0) byRun.delete(runId!);
    }
    list = list.slice(count);
    dropped += count;
    slabs.dropBefore(list);
  }

  /**
   * One body of an exchange as recorded (secrets redacted into `secrets`), and
   * the tokens it carries (into `tokens`). The body is decoded to text once,
   * or not at all when the writer's text is in hand (`written`); a JSON or
   * form body is parsed once, for both.
   */
  function recordBody(
    buffer: Buffer | undefined,
    written: string | undefined,
    contentType: string | undefined,
    where: string,
    secrets: TraceSecret[],
    tokens: TraceToken[],
    json?: unknown,
  ): TraceBody | undefined {
    const size = written === undefined ? (buffer?.length ?? 0) : Buffer.byteLength(written);
    if (size === 0) return undefined;
    const type = contentType?.toLowerCase();
    let decoder: BodyDecoder | undefined;
    for (const [prefix, decode] of type ? decoders : []) {
      if (type!.startsWith(prefix)) {
        decoder = decode;
        break;
      }
    }
    // The writer's own value stands for the parsed body unless it holds a
    // secret: redaction changes a parsed copy, never the writer's value.
    const parsed: ParsedBody = json === undefined || hasSecretField(json) ? {} : { json };
    let text: string | undefined;
    let raw: string | undefined;
    try {
      if (decoder) text = decoder(buffer ?? Buffer.from(written!));
      else if (isTextual(type)) {
        raw = written ?? buffer!.toString('utf8');
        text = redactText(raw, type, secrets, where, parsed);
      }
    } catch (error) {
      text = `(undecodable body: ${(error as Error).message})`;
    }
    if (type) {
      const source = (): string => raw ?? written ?? buffer!.toString('utf8');
      collectBodyTokens(source, type, where, tokens, parsed);
    }
    const body: TraceBody = { size };
    if (contentType) body.contentType = contentType;
    if (text !== undefined) {
      body.text = text.length > maxBodyChars ? text.slice(0, maxBodyChars) : text;
      if (text.length > maxBodyChars) body.truncated = true;
    }
    return body;
  }

  const recorder: TraceRecorder = {
    enabled,
    entries(filter) {
      const runId = filter?.runId;
      const out: TraceEntry[] = [];
      if (runId) {
        const oldest = dropped + firstKept();
        for (const { at, stored } of byRun.get(runId) ?? []) {
          if (at >= oldest) out.push(expand(stored));
        }
        return out;
      }
      for (let i = firstKept(); i < list.length; i++) out.push(expand(list[i]!));
      return out;
    },
    entry(id) {
      for (let i = list.length - 1; i >= firstKept(); i--) {
        if (list[i]!.id === id) return expand(list[i]!);
      }
      return undefined;
    },
    last() {
      const newest = list[list.length - 1];
      return newest && expand(newest);
    },
    exchanges(filter) {
      return recorder.entries(filter).filter((e): e is TraceExchange => e.kind === 'exchange');
    },
    // With the trace off the context is not carried at all. On Node 20 the
    // first AsyncLocalStorage.run installs promise hooks for the whole
    // process, and from then on every promise pays for them (measured: 5 % of
    // an in-process flow on the built packages; docs/benchmarks.md).
    dispose: () => {
      // For good: on Node 20 a run() after disable() switches the storage
      // back on (a flow still running when its lab closed, a device used after).
      disposed = true;
      storage.disable();
    },
    context: () => (enabled && !disposed ? storage.getStore() : undefined),
    runWith: (context, fn) => (enabled && !disposed ? storage.run(context, fn) : fn()),
    beginExchange(start) {
      const id = nextId++;
      const startSeq = seq++;
      if (!enabled) {
        return {
          id,
          finish() {
            seq++;
          },
        };
      }
      const atMs = clock.now();
      const began = performance.now();
      // Read now: what the caller sent, even if a later middleware (a fault) changes it.
      const secrets: TraceSecret[] = [];
      const tokens: TraceToken[] = [];
      const requestHeaders = cleanHeaders(start.requestHeaders, secrets, tokens, 'request');
      return {
        id,
        finish(end) {
          const responseHeaders = cleanResponseHeaders(end.responseHeaders, tokens);
          const requestBody = recordBody(
            end.requestBody,
            undefined,
            requestHeaders['content-type'],
            'request.body',
            secrets,
            tokens,
          );
          const responseBody = recordBody(
            end.responseBody,
            end.responseText,
            first(responseHeaders['content-type']),
            'response.body',
            secrets,
            tokens,
            end.responseJson,
          );
          const stored = store(
            slabs,
            {
              kind: 'exchange',
              id,
              startSeq,
              endSeq: seq++,
              atMs,
              from: start.from,
              to: start.to,
              method: start.method,
              url: start.url,
              status: end.status,
              requestHeaders,
              responseHeaders,
              tokens,
              secrets,
              durationMs: Math.round((performance.now() - began) * 1000) / 1000,
            },
            start.runId || undefined,
            requestBody,
            responseBody,
            end.error || undefined,
          );
          push(stored, () => expand(stored));
        },
      };
    },
    event(party, action, summary, data) {
      const context = storage.getStore();
      const event: TraceEvent = {
        kind: 'event',
        id: nextId++,
        seq: seq++,
        atMs: clock.now(),
        party,
        action,
        summary: boundedText(summary),
      };
      if (context?.runId) event.runId = context.runId;
      if (context?.exchangeId !== undefined) event.exchangeId = context.exchangeId;
      if (data) event.data = boundedData(data, 0) as Record<string, unknown>;
      push(event, () => event);
      return event;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    addBodyDecoder(prefix, decode) {
      decoders.push([prefix.toLowerCase(), decode]);
    },
    clear() {
      list = [];
      slabs = new Slabs();
      dropped = 0;
      byRun.clear();
    },
  };
  return recorder;
}

/** The longest text an event keeps of a summary or a data string; the most entries of a data list. */
const EVENT_TEXT_CHARS = 1_000;
const EVENT_LIST_ENTRIES = 100;

function boundedText(text: string): string {
  return text.length > EVENT_TEXT_CHARS ? `${text.slice(0, EVENT_TEXT_CHARS)}…` : text;
}

/**
 * An event's data within bounds: strings cut at {@link EVENT_TEXT_CHARS},
 * lists at {@link EVENT_LIST_ENTRIES} entries (then a note of how many more),
 * nothing below eight levels. What a service reports is then kept at a size
 * that does not depend on what a client sent (a SendMail to 100,000
 * recipients named them all in its event, megabytes a request).
 */
function boundedData(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return boundedText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= 8) return '…';
  if (Array.isArray(value)) {
    const kept = value.slice(0, EVENT_LIST_ENTRIES).map((v) => boundedData(v, depth + 1));
    if (value.length > EVENT_LIST_ENTRIES) {
      kept.push(`… ${value.length - EVENT_LIST_ENTRIES} more`);
    }
    return kept;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return value; // a Date, say: kept as it is
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = boundedData(v, depth + 1);
  return out;
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isTextual(type: string | undefined): boolean {
  if (!type) return false;
  return (
    type.startsWith('text/') ||
    type.includes('json') ||
    type.includes('xml') ||
    type.includes('x-www-form-urlencoded') ||
    type.includes('javascript')
  );
}

function cleanHeaders(
  headers: Record<string, string | string[] | undefined>,
  secrets: TraceSecret[],
  tokens: TraceToken[],
  side: 'request',
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawName in headers) {
    const value = headers[rawName];
    const name = rawName.toLowerCase();
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    let text = Array.isArray(value) ? value.join(', ') : value;
    if (name === 'authorization' || name === 'proxy-authorization') {
      // The scheme ends at any white space (a tab too, as servers read it).
      const [, scheme = '', credential = ''] = /^(\S*)\s*(.*)$/s.exec(text.trim()) ?? [];
      if (/^basic$/i.test(scheme)) {
        const decoded = Buffer.from(credential, 'base64').toString('utf8');
        const hasPassword = decoded.includes(':');
        if (hasPassword) secrets.push({ name: 'password', where: `${side}.header.${name}` });
        text = hasPassword ? `Basic ${REDACTED} (user ${decoded.split(':')[0]})` : text;
      } else if (/^bearer$/i.test(scheme) && credential && name === 'authorization') {
        tokens.push(tokenOf('bearer', `${side}.header.authorization`, credential));
      }
    }
    if (name === 'cookie') text = shortenCookieValues(text);
    out[name] = text;
  }
  return out;
}

function cleanResponseHeaders(
  headers: Record<string, string | number | string[] | undefined>,
  tokens: TraceToken[],
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const rawName in headers) {
    const value = headers[rawName];
    const name = rawName.toLowerCase();
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
    // Session cookies are credentials: shown as far as request cookies are.
    if (name === 'set-cookie') {
      const cookies = out[name]!;
      out[name] = Array.isArray(cookies)
        ? cookies.map(shortenSetCookie)
        : shortenSetCookie(cookies);
    }
    if (name === 'location') collectLocationTokens(String(value), tokens);
  }
  return out;
}

function collectLocationTokens(location: string, tokens: TraceToken[]): void {
  let url: URL;
  try {
    url = new URL(location, 'https://relative.invalid');
  } catch {
    return;
  }
  const params = new URLSearchParams(url.search);
  if (url.hash.length > 1) {
    for (const [k, v] of new URLSearchParams(url.hash.slice(1))) params.append(k, v);
  }
  for (const name of ['code', 'id_token', 'access_token'] as const) {
    const value = params.get(name);
    if (value) tokens.push(tokenOf(name, `response.location.${name}`, value));
  }
}

/**
 * A body as parsed while it was redacted, for token collection to reuse
 * (`json` or `form` absent: not parsed, or not of that kind). Secret fields
 * and token fields are disjoint, so redaction leaves the tokens in place.
 */
interface ParsedBody {
  /** Parsed here, or the value the body was written from (ExchangeEnd.responseJson). */
  json?: unknown;
  form?: FormFields;
}

/** A form's fields by decoded name: the first value of each, still encoded. */
type FormFields = Map<string, string>;

/**
 * Reads a form body once: its fields (for token collection), and its text
 * with the value of every secret field replaced by [redacted] (the rest of
 * the text as it was sent). Each secret name is reported once.
 */
function redactForm(
  text: string,
  secrets: TraceSecret[],
  where: string,
): { text: string; fields: FormFields } {
  const fields: FormFields = new Map();
  const reported = new Set<string>();
  let redacted = '';
  let copiedUpTo = 0;
  // A leading '?' is no part of the first name: the services' form reader
  // (URLSearchParams) drops it, so `?client_secret=…` is a client secret.
  const from = text.startsWith('?') ? 1 : 0;
  // The next '=' at or after `start`, looked for again only once passed: looking
  // for it from every field was quadratic in a body of fields without one ('a&' x N).
  let equals = text.indexOf('=', from);
  for (let start = from; start < text.length;) {
    let end = text.indexOf('&', start);
    if (end < 0) end = text.length;
    if (equals >= 0 && equals < start) equals = text.indexOf('=', start);
    const nameEnd = equals >= 0 && equals < end ? equals : end;
    if (nameEnd > start) {
      const name = decodeFormComponent(text.slice(start, nameEnd));
      const value = nameEnd < end ? text.slice(nameEnd + 1, end) : '';
      if (!fields.has(name)) fields.set(name, value);
      if (SECRET_FIELDS.has(name.toLowerCase())) {
        redacted += `${text.slice(copiedUpTo, nameEnd)}=${REDACTED}`;
        copiedUpTo = end;
        if (!reported.has(name)) {
          reported.add(name);
          secrets.push({ name, where: `${where}.${name}` });
        }
      }
    }
    start = end + 1;
  }
  return {
    text: copiedUpTo === 0 ? text : redacted + text.slice(copiedUpTo),
    fields,
  };
}

/** Tokens in a JSON, form, SOAP or HTML body; its `text` is asked for only for those. */
function collectBodyTokens(
  text: () => string,
  type: string,
  where: string,
  tokens: TraceToken[],
  already: ParsedBody,
): void {
  if (type.includes('json')) {
    try {
      const parsed: unknown = 'json' in already ? already.json : JSON.parse(text());
      if (parsed && typeof parsed === 'object') {
        for (const name of TOKEN_FIELDS) {
          const value = (parsed as Record<string, unknown>)[name];
          if (typeof value === 'string' && value) {
            tokens.push(tokenOf(name, `${where}.${name}`, value));
          }
        }
      }
    } catch {
      // Not JSON after all: nothing to collect.
    }
  } else if (type.includes('x-www-form-urlencoded')) {
    const fields = already.form ?? redactForm(text(), [], where).fields;
    for (const name of TOKEN_FIELDS) {
      const encoded = fields.get(name);
      const value = encoded === undefined ? '' : decodeFormComponent(encoded);
      if (value) tokens.push(tokenOf(name, `${where}.${name}`, value));
    }
  } else if (type.includes('soap+xml')) {
    // WS-Trust (AD FS usernamemixed): the SAML assertion the client redeems at Entra.
    const assertion = requestedSecurityToken(text());
    if (assertion) {
      tokens.push({
        name: 'RequestedSecurityToken',
        where: `${where}.RequestedSecurityToken`,
        kind: 'saml',
        raw: assertion,
      });
    }
  } else if (type.startsWith('text/html')) {
    // Auto-posting forms (form_post, WS-Federation) carry tokens in hidden inputs.
    for (const tag of inputTags(text())) {
      const name = /\bname="([^"]+)"/i.exec(tag)?.[1];
      const value = /\bvalue="([^"]*)"/i.exec(tag)?.[1];
      if (name && value && (TOKEN_FIELDS as readonly string[]).includes(name)) {
        tokens.push(tokenOf(name, `${where}.form.${name}`, unescapeHtml(value)));
      }
    }
  }
}

/**
 * The `<input …>` tags of an HTML text, as `/<input\b[^>]*>/gi` matches them,
 * in linear time: each tag's closing `>` is looked for once, and the scan ends
 * at the first tag that has none (no later one can have one either). The
 * regular expression alone looked for it again from every later `<input`,
 * quadratic in a body of `<input` repeated (600 KB: 19 s).
 */
function* inputTags(html: string): Generator<string> {
  const start = /<input\b/gi;
  while (start.exec(html)) {
    const end = html.indexOf('>', start.lastIndex);
    if (end < 0) return;
    yield html.slice(start.lastIndex - '<input'.length, end + 1);
    start.lastIndex = end + 1;
  }
}

/**
 * A token as recorded. Its kind is told from its shape only (three parts, a
 * JSON header): a JWT's header and claims are decoded, and its characters
 * checked, when it is read (decodeTokens), where one that does not decode
 * becomes opaque. A full check here would scan every token of every exchange.
 */
function tokenOf(name: string, where: string, raw: string): TraceToken {
  if (hasJwsShape(raw)) return { name, where, kind: 'jwt', raw };
  if (raw.trimStart().startsWith('<')) return { name, where, kind: 'saml', raw };
  const xml = name === 'assertion' ? base64Xml(raw) : undefined;
  if (xml !== undefined) return { name, where, kind: 'saml', raw: xml };
  return { name, where, kind: 'opaque', raw };
}

/**
 * The XML a SAML bearer grant's `assertion` carries (base64url or base64 of
 * the assertion AD FS issued), so that the trace knows it for the token AD FS
 * answered with. Base64 of text that starts with `<` starts with `P`.
 */
function base64Xml(value: string): string | undefined {
  if (!value.startsWith('P') || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return text.startsWith('<') ? text : undefined;
}

/** The start tag of a WS-Trust answer's `RequestedSecurityToken`, any prefix. */
const REQUESTED_TOKEN_TAG = /<((?:[\w.-]+:)?RequestedSecurityToken)(?:\s[^<>]*)?>/;

/** The token (a SAML assertion) of a WS-Trust answer: the first `RequestedSecurityToken`'s content. */
function requestedSecurityToken(xml: string): string | undefined {
  const open = REQUESTED_TOKEN_TAG.exec(xml);
  if (!open) return undefined;
  const start = open.index + open[0].length;
  const end = xml.indexOf(`</${open[1]}>`, start);
  const content = end < 0 ? '' : xml.slice(start, end).trim();
  return content.startsWith('<') ? content : undefined;
}

/** `eyJ…` (a base64url JSON object) in three dot-separated parts. */
function hasJwsShape(raw: string): boolean {
  if (!raw.startsWith('eyJ')) return false;
  const first = raw.indexOf('.');
  const second = raw.indexOf('.', first + 1);
  return second > first + 1 && raw.indexOf('.', second + 1) < 0;
}

function redactText(
  text: string,
  type: string | undefined,
  secrets: TraceSecret[],
  where: string,
  into: ParsedBody,
): string {
  let result = text;
  if (type?.includes('x-www-form-urlencoded')) {
    const form = redactForm(text, secrets, where);
    into.form = form.fields;
    result = form.text;
  } else if (type?.includes('json')) {
    // Already in hand (the writer's value, which holds no secret): nothing to redact.
    if ('json' in into) return text;
    try {
      const parsed: unknown = JSON.parse(text);
      const changed = redactJson(parsed, secrets, where);
      into.json = parsed;
      return changed ? JSON.stringify(parsed) : text;
    } catch {
      // Not JSON whatever its label: read on as text.
    }
  }
  // Any text may be XML to the server that reads it, whatever its label (AD
  // FS's WS-Trust endpoints read a text/plain body as SOAP): secret elements
  // are hidden in every textual body that is not JSON.
  return redactXml(result, secrets, where);
}

/**
 * Start tags of XML elements whose text is a secret: a WS-Security
 * `<wsse:Password>` (WS-Trust usernamemixed), any prefix. Attributes are read
 * up to the next `<` or `>`, so each scan stops at the next tag.
 */
const XML_SECRET_TAG = /<((?:[\w.-]+:)?(?:Password|passwd))(?:\s[^<>]*)?>/g;

/**
 * An XML body with the text of every secret element replaced by [redacted].
 * Linear: each closing tag is looked for once, and an element never closed
 * hides the rest of the text. CDATA sections, comments and processing
 * instructions are skipped whole: a password holding the text of its own end
 * tag in one stays hidden, and a start tag's text inside one is no element.
 * A section that never ends is taken for text before a secret element (so
 * what follows is still redacted) and hides the rest inside one.
 */
function redactXml(text: string, secrets: TraceSecret[], where: string): string {
  // Every textual body comes here (form bodies of the token endpoint too):
  // one without a tag has nothing to hide.
  if (!text.includes('<')) return text;
  let out = '';
  let copiedUpTo = 0;
  const reported = new Set<string>();
  const sections = xmlSections(text);
  /** Everything before this has been read (sections skipped). */
  let readTo = 0;
  const tags = XML_SECRET_TAG;
  tags.lastIndex = 0;
  for (let match = tags.exec(text); match; match = tags.exec(text)) {
    const past = pastSections(readTo, match.index, sections);
    if (past > match.index) {
      // The tag is inside a section: text, not a tag.
      readTo = tags.lastIndex = past;
      continue;
    }
    // A section before the tag that never ends is taken for text.
    readTo = past >= 0 ? past : match.index;
    if (match[0].endsWith('/>')) continue;
    const name = match[1]!;
    const contentStart = match.index + match[0].length;
    const close = endTagAt(text, `</${name}>`, contentStart, sections);
    const contentEnd = close < 0 ? text.length : close;
    out += `${text.slice(copiedUpTo, contentStart)}${REDACTED}`;
    copiedUpTo = contentEnd;
    const local = name.slice(name.indexOf(':') + 1);
    if (!reported.has(local)) {
      reported.add(local);
      secrets.push({ name: local, where: `${where}.${local}` });
    }
    if (close < 0) break;
    readTo = tags.lastIndex = close;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

/** Each kind of XML section (core's {@link XML_SECTIONS}) by its start marker, and the markers to look for. */
const XML_SECTION_ENDS = new Map(XML_SECTIONS.map((s) => [s.start, s.end]));
const XML_SECTION_START = new RegExp(
  XML_SECTIONS.map((s) => s.start.replace(/[[\]?]/g, '\\$&')).join('|'),
  'g',
);

/** A section found: where it starts, where its text starts, and the text that ends it. */
interface XmlSection {
  at: number;
  bodyAt: number;
  end: string;
}

/** The CDATA sections, comments and processing instructions of a text, read forward. */
interface XmlSections {
  /** The next section at or after `from` (asked with positions that only grow). */
  next(from: number): XmlSection | undefined;
  /** Where a section's end marker starts; -1 when it never ends. */
  endOf(section: XmlSection): number;
}

/**
 * {@link XmlSections} of `text`, each part of it searched once: the next
 * section is kept while it is still ahead, and once an end marker is missing
 * after some position, it is missing after every later one too.
 */
function xmlSections(text: string): XmlSections {
  let next: XmlSection | undefined;
  let searchedFrom = -1;
  /** Per end marker, a position after which it does not occur. */
  const missingAfter = new Map<string, number>();
  return {
    next(from) {
      if (searchedFrom >= 0 && (next === undefined || next.at >= from)) return next;
      XML_SECTION_START.lastIndex = from;
      const match = XML_SECTION_START.exec(text);
      searchedFrom = from;
      next = match
        ? {
            at: match.index,
            bodyAt: match.index + match[0].length,
            end: XML_SECTION_ENDS.get(match[0])!,
          }
        : undefined;
      return next;
    },
    endOf(section) {
      if (section.bodyAt >= (missingAfter.get(section.end) ?? Infinity)) return -1;
      const end = text.indexOf(section.end, section.bodyAt);
      if (end < 0) missingAfter.set(section.end, section.bodyAt);
      return end;
    },
  };
}

/**
 * Reading from `from`, the position after every section that opens before
 * `limit` (`from` itself when none does); -1 when one of them never ends.
 */
function pastSections(from: number, limit: number, sections: XmlSections): number {
  let at = from;
  for (
    let section = sections.next(at);
    section && section.at < limit;
    section = sections.next(at)
  ) {
    const end = sections.endOf(section);
    if (end < 0) return -1;
    at = end + section.end.length;
  }
  return at;
}

/** Where `endTag` starts, looking from `from` past sections; -1 when there is none, or a section never ends. */
function endTagAt(text: string, endTag: string, from: number, sections: XmlSections): number {
  for (let at = from; ;) {
    const close = text.indexOf(endTag, at);
    if (close < 0) return -1;
    at = pastSections(at, close, sections);
    if (at < 0) return -1;
    if (at <= close) return close;
  }
}

/** True when a JSON value holds a field {@link redactJson} would redact. */
function hasSecretField(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  for (const key in value) {
    const inner = (value as Record<string, unknown>)[key];
    if (SECRET_FIELDS.has(key.toLowerCase()) && typeof inner === 'string') return true;
    if (hasSecretField(inner)) return true;
  }
  return false;
}

function redactJson(value: unknown, secrets: TraceSecret[], where: string): boolean {
  if (!value || typeof value !== 'object') return false;
  let changed = false;
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    if (SECRET_FIELDS.has(key.toLowerCase()) && typeof inner === 'string') {
      (value as Record<string, unknown>)[key] = REDACTED;
      secrets.push({ name: key, where: `${where}.${key}` });
      changed = true;
    } else if (redactJson(inner, secrets, `${where}.${key}`)) changed = true;
  }
  return changed;
}

/** Cookie values (`name=value`, up to a `;`) cut after 24 characters, a `…` in place of the rest. */
function shortenCookieValues(text: string): string {
  return text.replace(/=([^;]{24})[^;]+/g, '=$1…');
}

/** A `Set-Cookie` with its cookie's value shortened; its attributes (expires, path...) kept. */
function shortenSetCookie(text: string): string {
  const end = text.indexOf(';');
  return end < 0
    ? shortenCookieValues(text)
    : shortenCookieValues(text.slice(0, end)) + text.slice(end);
}

function unescapeHtml(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
