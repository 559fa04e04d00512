// oauth2-mock-server 8 as a peer of the bench: one process, a pre-generated
// RS256 key (the same key material hma-lab's Entra signs with), loopback only.
// Prints one JSON line `{"ready":true,"services":{"token":"http://127.0.0.1:port"}}`.
import { readFileSync } from 'node:fs';
import { OAuth2Server } from 'oauth2-mock-server';

const keyPath = process.argv[2];
const server = new OAuth2Server();
await server.issuer.keys.add(JSON.parse(readFileSync(keyPath, 'utf8')));
await server.start(0, '127.0.0.1');
process.stdout.write(
  `${JSON.stringify({ ready: true, services: { token: `http://127.0.0.1:${server.address().port}` } })}\n`,
);
process.on('SIGTERM', () => void server.stop().then(() => process.exit(0)));
