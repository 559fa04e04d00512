// On a real socket: the 401 exactly as a client reads it off the wire.
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLab } from './helpers.js';

async function rawGet(
  app: Parameters<typeof createServer>[1],
  headers: Record<string, string>,
): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port, path: '/Microsoft-Server-ActiveSync', headers },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              rawHeaders: res.rawHeaders,
              body: Buffer.concat(chunks).toString(),
            }),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

describe('the 401 on the wire', () => {
  it('has two WWW-Authenticate header lines, Content-Length 0 and no body', async () => {
    const lab = createLab();
    const res = await rawGet(lab.eas.app, { Authorization: 'Bearer', Accept: 'application/json' });
    expect(res.status).toBe(401);
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < res.rawHeaders.length; i += 2) {
      pairs.push([res.rawHeaders[i]!.toLowerCase(), res.rawHeaders[i + 1]!]);
    }
    const challenges = pairs.filter(([name]) => name === 'www-authenticate').map(([, v]) => v);
    expect(challenges).toEqual([
      'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize"',
      'Basic realm="mail.contoso.com"',
    ]);
    expect(pairs).toEqual(
      expect.arrayContaining([
        ['content-length', '0'],
        ['server', 'Microsoft-IIS/10.0'],
        ['x-powered-by', 'ASP.NET'],
      ]),
    );
    expect(res.body).toBe('');
  });
});
