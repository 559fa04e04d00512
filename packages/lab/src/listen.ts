import {
  createServer,
  IncomingMessage,
  ServerResponse,
  type RequestListener,
  type Server,
  type ServerOptions,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Listener {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `app` on `host:port` (0 = any free port), over HTTPS when `tls` is
 * given; resolves once it listens.
 */
export async function listen(
  app: RequestListener,
  port = 0,
  host = '127.0.0.1',
  tls?: HttpsOptions,
): Promise<Listener> {
  const messages = messageClassesFor(app);
  const server: Server = tls
    ? createHttpsServer({ ...tls, ...messages }, app)
    : createServer(messages, app);
  // Keep-alive sockets between parties would hold `close()` open; make them short.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    server,
    port: actual,
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Request and response classes whose objects are born with an express app's
 * own prototypes (`app.request`, `app.response`), so that express's
 * `Object.setPrototypeOf(req, app.request)` on every request finds nothing to
 * change. Changing the prototype of every request and response kept them
 * alive through young-generation collections: with express, ~3 MB was
 * promoted per scavenge under load, none without it (docs/benchmarks.md).
 * Any other listener (the front door, which hands requests to several apps)
 * gets Node's own classes.
 */
function messageClassesFor(app: RequestListener): ServerOptions {
  const { request, response } = app as { request?: unknown; response?: unknown };
  if (!(request instanceof IncomingMessage) || !(response instanceof ServerResponse)) {
    return {};
  }
  // Constructor functions, not classes: a class's `prototype` cannot be replaced.
  function AppRequest(this: IncomingMessage, ...args: unknown[]): void {
    Reflect.apply(IncomingMessage, this, args);
  }
  AppRequest.prototype = request;
  function AppResponse(this: ServerResponse, ...args: unknown[]): void {
    Reflect.apply(ServerResponse, this, args);
  }
  AppResponse.prototype = response;
  return {
    IncomingMessage: AppRequest as unknown as typeof IncomingMessage,
    ServerResponse: AppResponse as unknown as typeof ServerResponse,
  };
}
