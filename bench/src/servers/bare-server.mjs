// The floor: a bare node:http server. Mode `json` answers a tiny JSON object;
// mode `sign` reads the request body and signs one RS256 JWT per request with
// jose (key imported once), answering a token-endpoint-shaped JSON body. Both
// are the most any token server on this host could do.
// Prints `{"ready":true,"services":{"http":"http://127.0.0.1:port"}}`.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const [mode, keyPath] = process.argv.slice(2);
let sign;
if (mode === 'sign') {
  const { importJWK, SignJWT } = await import('jose');
  const jwk = JSON.parse(readFileSync(keyPath, 'utf8'));
  const key = await importJWK(jwk, 'RS256');
  // Claims of the size of an Entra app-only access token (the token is ~1.5 kB).
  const tid = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
  sign = () => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      aud: 'https://graph.microsoft.com',
      iss: `https://sts.windows.net/${tid}/`,
      iat: now,
      nbf: now,
      exp: now + 3600,
      aio: randomUUID() + randomUUID(),
      app_displayname: 'hma-lab Web Client',
      appid: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
      appidacr: '1',
      idp: `https://sts.windows.net/${tid}/`,
      idtyp: 'app',
      oid: randomUUID(),
      rh: '0.AAAA' + randomUUID().replaceAll('-', ''),
      roles: ['User.Read.All'],
      sub: randomUUID(),
      tid,
      uti: randomUUID().slice(0, 22),
      ver: '1.0',
    })
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: jwk.kid })
      .sign(key);
  };
}

const server = createServer((req, res) => {
  if (!sign) {
    req.resume();
    const body = '{"ok":true}';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
    return;
  }
  req.resume();
  req.on('end', async () => {
    const token = await sign();
    const body = JSON.stringify({ token_type: 'Bearer', expires_in: 3599, access_token: token });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ ready: true, services: { http: `http://127.0.0.1:${server.address().port}` } })}\n`,
  );
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
