import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Listener {
  server: Server;
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serves `app` on `host:port` (0 = any free port); resolves once it listens. */
export async function listen(
  app: RequestListener,
  port = 0,
  host = '127.0.0.1',
): Promise<Listener> {
  const server = createServer(app);
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
    url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
