// oidc-provider 9 as a peer of the bench: one process, a pre-generated RS256
// key, JWT access tokens (resource indicators), client_credentials and
// refresh_token for a confidential client. After start it mints one refresh
// token through the provider's own models (a grant with openid, offline_access
// and the API scope) so a load generator can replay it (rotation off, as Entra).
// Prints `{"ready":true,"services":{"token":"http://127.0.0.1:port"},"refreshToken":"..."}`.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const [keyPath, clientId, clientSecret, resource] = process.argv.slice(2);
const jwk = JSON.parse(readFileSync(keyPath, 'utf8'));
const api = resource ?? 'https://api.bench.example';

const server = createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials', 'refresh_token', 'authorization_code'],
      redirect_uris: ['https://app.bench.example/callback'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  jwks: { keys: [jwk] },
  scopes: ['openid', 'offline_access', 'api:read'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => api,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: api,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
  rotateRefreshToken: false,
  ttl: { AccessToken: 3600, ClientCredentials: 3600, Grant: 1_209_600, RefreshToken: 1_209_600 },
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`${error.stack}\n`));
server.on('request', provider.callback());

// A refresh token as an authorization code grant would have left it.
const client = await provider.Client.find(clientId);
const grant = new provider.Grant({ accountId: 'user-1', clientId });
grant.addOIDCScope('openid offline_access');
grant.addResourceScope(api, 'api:read');
const grantId = await grant.save();
const refreshToken = await new provider.RefreshToken({
  accountId: 'user-1',
  client,
  grantId,
  gty: 'authorization_code',
  scope: 'openid offline_access api:read',
  resource: api,
  authTime: Math.floor(Date.now() / 1000),
  iiat: Math.floor(Date.now() / 1000),
}).save();

process.stdout.write(
  `${JSON.stringify({ ready: true, services: { token: issuer }, refreshToken })}\n`,
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
