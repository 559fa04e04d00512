import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import { appMessageClasses, countSocketServer } from '@hma-lab/core';

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
  // An express app's requests are born with its prototypes (see appMessageClasses).
  const messages = appMessageClasses(app) ?? {};
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
  // Requests now come over sockets, unseen until read: signatures take the
  // thread pool unless alone (core signJwtAsync, decision 0004).
  const uncount = countSocketServer();
  return {
    server,
    port: actual,
    url: `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        uncount();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
