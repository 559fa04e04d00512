import { EventEmitter } from 'node:events';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DISPATCHED_BODY } from './dispatched-body.js';
import { joinedChunks, pushWrittenChunk } from './written-chunk.js';

/** Anything node's http server could call: an express app, a plain listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface DispatchedRequest {
  method: string;
  /** Path and query, as on the request line. */
  path: string;
  headers: Record<string, string>;
  payload?: Buffer;
}

export interface DispatchedResponse {
  status: number;
  statusText: string;
  /** The headers the app set (node's own `Date`, `Connection` and framing headers are not simulated). */
  headers: Record<string, string | string[] | number | undefined>;
  body: Buffer;
}

/**
 * Hands one request to an app without a socket and collects its answer: the
 * in-process transport and the nock run mode both use it. The app gets node's
 * own `IncomingMessage` and `ServerResponse`, on a stand-in socket that takes
 * what the response writes and drops it; the body is collected as the app
 * writes it. No HTTP text is produced or parsed, no stream sits under the
 * response, and the answer is complete when the response emits `finish`, as
 * it is for node's server. (It replaced light-my-request: with it and the
 * app's own prototypes, the 1 h advance of 2,000 accounts went from 4.55 to
 * 2.7 s; docs/benchmarks.md.)
 */
export function dispatchToApp(
  app: RequestListener,
  request: DispatchedRequest,
): Promise<DispatchedResponse> {
  return new Promise((resolve, reject) => {
    const classes = dispatchClassesFor(app);
    // Destroyed before the response finished: the app hung up, as a socket would.
    const socket = new StandInSocket(() => reject(connectionReset()));
    const req = incomingRequest(new classes.IncomingMessage(socket as never), request);
    const res = new classes.ServerResponse(req) as CollectingResponse;
    const body: Buffer[] = [];
    res[BODY] = body;
    res.assignSocket(socket as never);
    res.once('finish', () => {
      res.detachSocket(socket as never);
      process.nextTick(closeResponse, res);
      resolve({
        status: res.statusCode,
        statusText: res.statusMessage,
        headers: res.getHeaders(),
        body: joinedChunks(body),
      });
    });
    app(req, res);
  });
}

function connectionReset(): Error {
  const error = new Error('socket hang up: the app closed the connection without answering');
  return Object.assign(error, { code: 'ECONNRESET' });
}

/** Where a dispatched response's body goes; only responses made by {@link dispatchToApp} have one. */
const BODY = Symbol('hma-lab.dispatched-body');
type CollectingResponse = ServerResponse & { [BODY]?: Buffer[] };

/**
 * The prototype that collects a dispatched response's body: node's
 * `ServerResponse` with a `write` and an `end` that keep a copy of what they
 * are given. A response not made by {@link dispatchToApp} has no {@link BODY}
 * and passes straight through, so an app may serve a real socket too.
 */
const collectingPrototype = Object.create(ServerResponse.prototype, {
  write: ownMethod(collecting('write')),
  writeHead: ownMethod(function collectingWriteHead(this: CollectingResponse, ...args: unknown[]) {
    const headers = args.length > 1 ? args[args.length - 1] : undefined;
    if (this[BODY] && typeof headers === 'object' && headers !== null) {
      // Set one by one, as node does once any header was set: headers given
      // only to writeHead would otherwise go to the wire text alone and
      // never show in getHeaders().
      if (Array.isArray(headers)) {
        for (let i = 0; i + 1 < headers.length; i += 2)
          this.appendHeader(String(headers[i]), headers[i + 1] as string);
      } else {
        for (const [name, value] of Object.entries(headers)) {
          if (name) this.setHeader(name, value as string);
        }
      }
      args = args.slice(0, -1);
    }
    return (ServerResponse.prototype.writeHead as (...a: unknown[]) => ServerResponse).apply(
      this,
      args,
    );
  }),
  end: ownMethod(collecting('end')),
}) as ServerResponse;

/** node's `write` or `end`, keeping a copy of the chunk when the response is dispatched. */
function collecting(
  name: 'write' | 'end',
): (this: CollectingResponse, ...args: unknown[]) => unknown {
  const original = ServerResponse.prototype[name] as (...args: unknown[]) => unknown;
  return function collectingChunk(this: CollectingResponse, ...args: unknown[]) {
    const body = this[BODY];
    if (body && !this.writableEnded) pushWrittenChunk(body, args[0], args[1]);
    return original.apply(this, args);
  };
}

function ownMethod(value: (...args: never[]) => unknown): PropertyDescriptor {
  return { configurable: true, writable: true, value };
}

/** The classes node's server would construct a request and response with. */
export interface MessageClasses {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
}

/**
 * Request and response classes whose objects are born with an express app's
 * own prototypes (`app.request`, `app.response`), so that express's
 * `Object.setPrototypeOf(req, app.request)` on every request finds nothing to
 * change. Changing the prototype of every request and response kept them
 * alive through young-generation collections (docs/benchmarks.md). Undefined
 * for any other listener. The lab's `listen` hands them to node's server;
 * {@link dispatchToApp} constructs with them.
 */
export function appMessageClasses(app: RequestListener): MessageClasses | undefined {
  const { request, response } = app as { request?: unknown; response?: unknown };
  if (!(request instanceof IncomingMessage) || !(response instanceof ServerResponse)) {
    return undefined;
  }
  return {
    IncomingMessage: bornWith(IncomingMessage, request),
    ServerResponse: bornWith(ServerResponse, response),
  };
}

/**
 * A constructor that runs node's `base` on objects created with `prototype`.
 * A constructor function, not a class: a class's `prototype` cannot be replaced.
 * Its own prototype is `base`, as a subclass's would be: V8 sizes the objects
 * a constructor makes by the fields its chain of constructors assigns, and
 * without the link every request and response was born with room for a few,
 * its ~40 fields then copied into ever larger arrays (about 6 KB of garbage
 * per in-process exchange; an exchange took 35 % longer).
 */
function bornWith<T extends typeof IncomingMessage | typeof ServerResponse>(
  base: T,
  prototype: object,
): T {
  function Born(this: object, ...args: unknown[]): void {
    Reflect.apply(base, this, args);
  }
  Born.prototype = prototype;
  Object.setPrototypeOf(Born, base);
  return Born as unknown as T;
}

/** A plain listener's request is node's; its response has the collecting prototype. */
const PLAIN_LISTENER_CLASSES: MessageClasses = {
  IncomingMessage,
  ServerResponse: bornWith(ServerResponse, collectingPrototype),
};

/**
 * The classes a dispatched exchange is built with, per app. For an express
 * app, the parent of its own response prototype (node's
 * `ServerResponse.prototype` there) is first re-pointed to the collecting
 * prototype, which behaves as node's for every response not dispatched.
 */
const dispatchClasses = new WeakMap<RequestListener, MessageClasses>();
function dispatchClassesFor(app: RequestListener): MessageClasses {
  let classes = dispatchClasses.get(app);
  if (!classes) {
    const own = appMessageClasses(app);
    if (own) collectUnder(own.ServerResponse.prototype);
    classes = own ?? PLAIN_LISTENER_CLASSES;
    dispatchClasses.set(app, classes);
  }
  return classes;
}

function collectUnder(responsePrototype: object): void {
  let level = responsePrototype;
  for (;;) {
    const parent = Object.getPrototypeOf(level) as object | null;
    if (parent === null || parent === collectingPrototype) return;
    if (parent === ServerResponse.prototype) {
      Object.setPrototypeOf(level, collectingPrototype);
      return;
    }
    level = parent;
  }
}

const EMPTY_BODY = Buffer.alloc(0);

/** node's server emits `close` on a response the tick after it finished. */
function closeResponse(res: ServerResponse): void {
  if (res.destroyed) return;
  res.destroyed = true;
  res.emit('close');
}

function incomingRequest(req: IncomingMessage, request: DispatchedRequest): IncomingMessage {
  req.method = request.method;
  req.url = request.path;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  const headers: Record<string, string> = {};
  const rawHeaders: string[] = [];
  for (const name in request.headers) {
    const value = request.headers[name]!;
    headers[name.toLowerCase()] = value;
    rawHeaders.push(name, value);
  }
  const payload = request.payload;
  if (payload && headers['content-length'] === undefined && !headers['transfer-encoding']) {
    // What an HTTP client would have sent with these bytes.
    headers['content-length'] = String(payload.length);
    rawHeaders.push('content-length', headers['content-length']);
  }
  req.headers = headers;
  req.rawHeaders = rawHeaders;
  (req as IncomingMessage & { [DISPATCHED_BODY]?: Buffer })[DISPATCHED_BODY] =
    payload ?? EMPTY_BODY;
  if (payload && payload.length > 0) req.push(payload);
  req.push(null);
  req.complete = true;
  return req;
}

/**
 * The connection a dispatched exchange runs on, as far as node's request and
 * response use it: writes are accepted (and dropped) at once; the request's
 * bytes are already in the request, so nothing is read from it.
 */
class StandInSocket extends EventEmitter {
  readonly remoteAddress = '127.0.0.1';
  readonly remoteFamily = 'IPv4';
  /** As an open connection's: body readers (on-finished) take a request on a closed one as read. */
  readonly readable = true;
  readonly writable = true;
  destroyed = false;
  readonly writableLength = 0;
  readonly writableCorked = 0;
  readonly _writableState = { corked: 0 };
  _httpMessage: unknown = null;

  constructor(private readonly onDestroyed: () => void) {
    super();
  }

  write(_chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done as () => void);
    return true;
  }

  cork(): void {}
  uncork(): void {}
  resume(): this {
    return this;
  }
  pause(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
  destroy(): this {
    if (this.destroyed) return this;
    this.destroyed = true;
    process.nextTick(() => {
      this.emit('close', false);
      this.onDestroyed();
    });
    return this;
  }
  end(): this {
    return this;
  }
}
