import { AsyncResource } from 'node:async_hooks';
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from 'express';
import type { ServiceDeps } from './deps.js';
import { BodyTooLargeError, MalformedBodyError, asLabError, isLabError } from './errors.js';
import { DISPATCHED_BODY } from './dispatched-body.js';
import { joinedChunks, pushWrittenChunk } from './written-chunk.js';
import { LAB_HEADERS } from './fetch.js';
import { SERVICE_PARTIES, type Party, type ServiceParty } from './hosts.js';
import type { ExchangeHandle } from './trace.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The request body as received (set by the service body reader). */
    rawBody?: Buffer;
  }
}

export interface ServiceAppOptions {
  /** Largest request body accepted; larger ones fail with {@link BodyTooLargeError}. Default 1 MiB. */
  bodyLimitBytes?: number;
  /**
   * Parse form and JSON bodies into `req.body` (default true). A proxy passes
   * bodies on untouched: with `false`, `req.body` is the raw Buffer, whatever
   * the content type. A function decides per request (an endpoint that reads
   * XML whatever its `Content-Type` says).
   */
  parseBody?: boolean | ((req: Request) => boolean);
}

const KNOWN_CALLERS = new Set<string>([...SERVICE_PARTIES, 'device', 'lab', 'client']);

/**
 * An express app prepared for one party: every exchange is recorded in the
 * trace (with the caller, run and real-looking URL), handlers run inside the
 * exchange's trace context (so outbound lab fetches and trace events attach to
 * it), and the body has been read and parsed before routes see it:
 * `req.body` is an object for form and JSON bodies and a Buffer otherwise.
 *
 * Add routes, then the protocol's error middleware (see {@link protocolErrorHandler}).
 */
export function createServiceApp(
  party: ServiceParty,
  deps: Pick<ServiceDeps, 'trace' | 'hosts'>,
  options: ServiceAppOptions = {},
): express.Express {
  const app = express();
  isolatePrototypes(app);
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (deps.trace.enabled) captureResponseBodies(app);
  app.use(traceExchange(party, deps));
  app.use(readBody(options.bodyLimitBytes ?? 1_048_576, options.parseBody ?? true));
  return app;
}

/**
 * Gives an app request and response prototypes of its own. The in-process
 * dispatcher puts its body-collecting prototype under the response prototype
 * of the apps it is handed (app-dispatch.ts); with this, that stays
 * within the lab's apps instead of reaching every express app of the process.
 */
export function isolatePrototypes(app: express.Express): void {
  const shared = {
    request: Object.getPrototypeOf(app.request) as object,
    response: Object.getPrototypeOf(app.response) as object,
  };
  for (const kind of ['request', 'response'] as const) {
    const own = Object.create(
      Object.getPrototypeOf(shared[kind]) as object,
      Object.getOwnPropertyDescriptors(shared[kind]),
    ) as object;
    app[kind] = Object.create(own, {
      app: { configurable: true, enumerable: true, writable: true, value: app },
    }) as never;
  }
}

/** The party that made a request (from `x-hma-lab-from`), or `client` for outsiders. */
export function callerOf(req: Request): Party {
  const from = req.get(LAB_HEADERS.from);
  return from && KNOWN_CALLERS.has(from) ? (from as Party) : 'client';
}

/** The host name the caller addressed (`x-hma-lab-host`, else `Host`). */
export function requestHost(req: Request): string {
  return (req.get(LAB_HEADERS.host) ?? req.get('host') ?? '').toLowerCase();
}

/** Where a traced response's body goes as it is written, and how its exchange ends. */
class ResponseCapture {
  readonly chunks: Buffer[] = [];
  /** The value the body was written from, when {@link sendJson} wrote it. */
  json: unknown = undefined;
  /** The body's text, when {@link sendJson} wrote it: kept as it is, not copied to bytes and back. */
  text: string | undefined = undefined;
  private finished = false;

  constructor(
    private readonly req: Request,
    private readonly res: Response,
    private readonly handle: ExchangeHandle,
  ) {}

  finish(error?: string): void {
    if (this.finished) return;
    this.finished = true;
    const { chunks, text } = this;
    this.handle.finish({
      status: error ? 0 : this.res.statusCode,
      responseHeaders: this.res.getHeaders() as Record<string, string | number | string[]>,
      requestBody: this.req.rawBody,
      // The text sendJson wrote stands for the bytes, which were then not collected.
      responseText: text,
      responseBody: text === undefined ? joinedChunks(chunks) : undefined,
      responseJson: this.json,
      error,
    });
  }
}

/** A traced response closed before it ended: its exchange is recorded as such. */
function closedEarly(this: CapturedResponse): void {
  this[CAPTURE]?.finish('connection closed before the response was complete');
}

const CAPTURE = Symbol('hma-lab.response-capture');
type CapturedResponse = Response & { [CAPTURE]?: ResponseCapture };

/**
 * Gives the app's own response prototype a `write` and an `end` that copy
 * what a traced response sends before passing it on; `end` also completes
 * the exchange. On the prototype rather than on each response: replacing
 * methods of every response object kept each response, and all it refers to,
 * alive through young-generation collections (docs/benchmarks.md). The
 * originals are looked up on each call, through the prototype's parent, so the
 * in-process dispatcher's collecting prototype, put under it later, is followed.
 */
function captureResponseBodies(app: express.Express): void {
  const own = app.response as CapturedResponse;
  const parent = Object.getPrototypeOf(own) as Response;
  type Write = (this: CapturedResponse, ...args: unknown[]) => boolean;
  type End = (this: CapturedResponse, ...args: unknown[]) => CapturedResponse;
  own.write = function tracedWrite(this: CapturedResponse, ...args: unknown[]) {
    const capture = this[CAPTURE];
    if (capture) pushWrittenChunk(capture.chunks, args[0], args[1]);
    return (parent.write as unknown as Write).apply(this, args);
  } as Response['write'];
  own.end = function tracedEnd(this: CapturedResponse, ...args: unknown[]) {
    const capture = this[CAPTURE];
    if (capture) {
      // sendJson's own string, written alone, stands for the body; anything else is copied.
      if (capture.chunks.length > 0 || args[0] !== capture.text) {
        capture.text = undefined;
        pushWrittenChunk(capture.chunks, args[0], args[1]);
      }
      capture.finish();
    }
    return (parent.end as unknown as End).apply(this, args);
  } as Response['end'];
}

/**
 * Answers `body` as JSON: one string with its length, written at once.
 * express's `res.json` goes through `res.send`, which copies every body over
 * 1,000 characters into a Buffer and runs its content-type and freshness
 * helpers (7–13 µs of the event loop per token request, measured). A traced
 * exchange is also handed `body` itself, so the trace reads its tokens without
 * parsing the JSON back.
 */
export function sendJson(res: Response, body: object, status = 200): void {
  const json = JSON.stringify(body);
  const capture = (res as CapturedResponse)[CAPTURE];
  if (capture) {
    capture.json = body;
    capture.text = json;
  }
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  // Said, not left to node: the in-process transport reports only headers set.
  res.setHeader('Content-Length', Buffer.byteLength(json));
  res.end(json);
}

function traceExchange(
  party: ServiceParty,
  deps: Pick<ServiceDeps, 'trace' | 'hosts'>,
): RequestHandler {
  const { trace, hosts } = deps;
  return function traceExchangeMiddleware(req: Request, res: Response, next: NextFunction) {
    const runId = req.get(LAB_HEADERS.run) || undefined;
    if (!trace.enabled) {
      // Nothing is recorded: only the context flows (outbound lab fetches carry the run).
      trace.runWith(runId ? { runId, party } : { party }, next);
      return;
    }
    // The name the caller addressed: stamped by the lab's fetch, or the Host a
    // client sent through the front door; otherwise the party's primary name.
    const hostHeader = req.get('host')?.replace(/:\d+$/, '');
    const host =
      req.get(LAB_HEADERS.host) ??
      (hostHeader && hosts.partyFor(hostHeader) === party ? hostHeader : hosts.primary(party));
    const handle = trace.beginExchange({
      from: callerOf(req),
      to: party,
      method: req.method,
      url: `https://${host}${req.originalUrl}`,
      ...(runId ? { runId } : {}),
      // Read as the exchange begins: what the caller sent, even if a later middleware (a fault) changes it.
      requestHeaders: req.headers,
    });
    (res as CapturedResponse)[CAPTURE] = new ResponseCapture(req, res, handle);
    res.on('close', closedEarly);
    const exchangeId = handle.id;
    trace.runWith(runId ? { runId, exchangeId, party } : { exchangeId, party }, next);
  };
}

function readBody(
  limitBytes: number,
  parseFor: boolean | ((req: Request) => boolean),
): RequestHandler {
  return function readBodyMiddleware(req: Request, _res: Response, next: NextFunction) {
    const parse = typeof parseFor === 'function' ? parseFor(req) : parseFor;
    const declared = req.get('content-length');
    const hasBody =
      (declared !== undefined && declared !== '0') || req.get('transfer-encoding') !== undefined;
    if (!hasBody) {
      req.body = undefined;
      next();
      return;
    }
    if (declared !== undefined && Number(declared) > limitBytes) {
      req.resume();
      next(new BodyTooLargeError(limitBytes));
      return;
    }
    const whole = (req as Request & { [DISPATCHED_BODY]?: Buffer })[DISPATCHED_BODY];
    if (whole !== undefined) {
      // In-process: the bytes are all here already. Not running the stream
      // (its events and an async resource) for them took ~3-5 % off the sync
      // batches of the 1 h advance benchmark.
      if (whole.length > limitBytes) next(new BodyTooLargeError(limitBytes));
      else takeBody(req, whole, parse, next);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    // Stream events fire in the socket's async context; the handlers run in
    // the exchange's (one resource per request: AsyncResource.bind per
    // handler costs more than reading a small body).
    const scope = new AsyncResource('hma-lab.body');
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limitBytes) {
        failed = true;
        scope.runInAsyncScope(next, undefined, new BodyTooLargeError(limitBytes));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (error: Error) => {
      if (failed) return;
      failed = true;
      scope.runInAsyncScope(
        next,
        undefined,
        new MalformedBodyError('the request body could not be read', { cause: error }),
      );
    });
    req.on('end', () => {
      if (failed) return;
      scope.runInAsyncScope(takeBody, undefined, req, Buffer.concat(chunks), parse, next);
    });
  };
}

/** Keeps a request's whole body (raw and, when asked, parsed) and goes on. */
function takeBody(req: Request, raw: Buffer, parse: boolean, next: NextFunction): void {
  req.rawBody = raw;
  let body: unknown;
  try {
    body = parse ? parseBody(raw, req.get('content-type')) : raw;
  } catch (error) {
    next(error);
    return;
  }
  req.body = body;
  next();
}

/** The media type of a `Content-Type` value, lower case, without its parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]!.trim().toLowerCase();
}

function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = mediaTypeOf(contentType);
  if (type === 'application/x-www-form-urlencoded') {
    const fields: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(raw.toString('utf8'))) {
      if (!(key in fields)) fields[key] = value;
    }
    return fields;
  }
  if (type === 'application/json' || type?.endsWith('+json')) {
    if (raw.length === 0) return {};
    const text = raw.toString('utf8');
    if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
      throw new MalformedBodyError(
        `the request body nests JSON deeper than ${MAX_JSON_DEPTH} levels`,
      );
    }
    try {
      return LONE_SURROGATE_ESCAPE.test(text)
        ? (JSON.parse(text, wellFormedStrings) as unknown)
        : (JSON.parse(text) as unknown);
    } catch (error) {
      throw new MalformedBodyError('the request body is not valid JSON', { cause: error });
    }
  }
  return raw;
}

/**
 * How deep a JSON body may nest: ASP.NET Core's default (64), which the
 * services the lab stands for answer 400 beyond. It also bounds every
 * recursive walk of a parsed body (the trace's redaction, a party's copy).
 */
export const MAX_JSON_DEPTH = 64;

/** True when `text` opens more than `max` arrays and objects inside each other (strings skipped). */
function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/** A `\uD800`-`\uDFFF` escape: the body may hold a lone surrogate. */
const LONE_SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/**
 * Strings with lone surrogates made well-formed (U+FFFD in their place), as a
 * UTF-8 decoder treats the same code points: no handler meets text that
 * `encodeURIComponent` or a UTF-8 encoder cannot take.
 */
function wellFormedStrings(_key: string, value: unknown): unknown {
  // Node 20 has String.prototype.toWellFormed; the project's TypeScript lib (ES2023) does not declare it.
  return typeof value === 'string' ? (value as WellFormable).toWellFormed() : value;
}

type WellFormable = string & { toWellFormed(): string };

/**
 * The last middleware of a service: hands any error to the protocol's renderer.
 * express's own client errors (a path parameter that does not decode) become
 * {@link LabError}s first ({@link asLabError}); other errors that are not
 * LabErrors are bugs: they are logged with their cause and rendered as the
 * protocol's plain 500. A renderer that throws still
 * yields a bare 500, never a stack trace or a hang.
 */
export function protocolErrorHandler(
  party: ServiceParty,
  deps: Pick<ServiceDeps, 'log'>,
  render: (error: unknown, req: Request, res: Response) => void,
): ErrorRequestHandler {
  return function protocolError(thrown: unknown, req: Request, res: Response, _next: NextFunction) {
    const error = asLabError(thrown);
    if (!isLabError(error)) {
      deps.log({
        level: 'error',
        party,
        message: `${req.method} ${req.originalUrl} failed`,
        error,
      });
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    try {
      render(error, req, res);
    } catch (renderError) {
      deps.log({ level: 'error', party, message: 'error renderer failed', error: renderError });
      if (!res.headersSent) res.status(500).type('text/plain').send('Internal Server Error');
      else res.end();
    }
  };
}
