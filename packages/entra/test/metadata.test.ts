import request from 'supertest';
import { createLab, ORIGIN, TENANT_ID } from './support/lab.js';

describe('OIDC discovery, JWKS and instance discovery', () => {
  const lab = createLab();
  const app = lab.entra.app;

  test.each([
    'common',
    'organizations',
    TENANT_ID,
    'contoso.onmicrosoft.com',
    'contoso.com',
    'fabrikam.com',
  ])('v2 metadata for %s has the concrete tenant issuer on the lab origin', async (tenant) => {
    const res = await request(app).get(`/${tenant}/v2.0/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(`${ORIGIN}/${TENANT_ID}/v2.0`);
    const segment = tenant === 'common' || tenant === 'organizations' ? tenant : TENANT_ID;
    expect(res.body.authorization_endpoint).toBe(`${ORIGIN}/${segment}/oauth2/v2.0/authorize`);
    expect(res.body.token_endpoint).toBe(`${ORIGIN}/${segment}/oauth2/v2.0/token`);
    expect(res.body.jwks_uri).toBe(`${ORIGIN}/${segment}/discovery/v2.0/keys`);
    expect(res.body.device_authorization_endpoint).toBe(
      `${ORIGIN}/${segment}/oauth2/v2.0/devicecode`,
    );
    expect(res.body.response_modes_supported).toEqual(['query', 'fragment', 'form_post']);
  });

  test.each(['common', 'organizations', TENANT_ID, 'contoso.com'])(
    'v1 metadata for %s has the sts.windows.net issuer',
    async (tenant) => {
      const res = await request(app).get(`/${tenant}/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      expect(res.body.issuer).toBe(`https://sts.windows.net/${TENANT_ID}/`);
      expect(res.body.jwks_uri).toBe(`${ORIGIN}/common/discovery/keys`);
      expect(res.body.microsoft_multi_refresh_token).toBe(true);
      expect(res.body.authorization_endpoint).toMatch(/\/oauth2\/authorize$/);
    },
  );

  test('the template issuer is available for common when configured', async () => {
    const templated = createLab({ multiTenantIssuer: 'template' });
    const v2 = await request(templated.entra.app).get(
      '/common/v2.0/.well-known/openid-configuration',
    );
    expect(v2.body.issuer).toBe(`${ORIGIN}/{tenantid}/v2.0`);
    const v1 = await request(templated.entra.app).get(
      '/organizations/.well-known/openid-configuration',
    );
    expect(v1.body.issuer).toBe('https://sts.windows.net/{tenantid}/');
    const tenant = await request(templated.entra.app).get(
      `/${TENANT_ID}/v2.0/.well-known/openid-configuration`,
    );
    expect(tenant.body.issuer).toBe(`${ORIGIN}/${TENANT_ID}/v2.0`);
  });

  test('an unknown tenant is AADSTS90002', async () => {
    const res = await request(app).get(
      '/nosuchtenant.example/v2.0/.well-known/openid-configuration',
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_tenant');
    expect(res.body.error_codes).toEqual([90002]);
    expect(res.body.error_description).toMatch(
      /^AADSTS90002: Tenant 'nosuchtenant.example' not found/,
    );
    expect(res.body.error_description).toMatch(
      /\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/,
    );
    expect(res.body.error_uri).toBe(`${ORIGIN}/error?code=90002`);
  });

  test.each([
    '/common/discovery/keys',
    `/${TENANT_ID}/discovery/keys`,
    '/common/discovery/v2.0/keys',
    `/${TENANT_ID}/discovery/v2.0/keys`,
  ])('%s publishes the signing keys with kid, x5t and x5c', async (path) => {
    const res = await request(app).get(path);
    expect(res.status).toBe(200);
    const active = lab.ctx.keys.entra.active();
    expect(res.body.keys[0]).toMatchObject({
      kty: 'RSA',
      use: 'sig',
      kid: active.kid,
      x5t: active.x5t,
      x5c: [active.certificateBase64],
    });
  });

  test('rotation publishes old and new keys and the new one signs', async () => {
    const rotating = createLab();
    const before = rotating.ctx.keys.entra.active().kid;
    const next = rotating.entra.rotateSigningKey();
    expect(next.kid).not.toBe(before);
    const res = await request(rotating.entra.app).get('/common/discovery/keys');
    const kids = res.body.keys.map((k: { kid: string }) => k.kid);
    expect(kids[0]).toBe(next.kid);
    expect(kids).toContain(before);
    const event = rotating.ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'entra.keys.rotated');
    expect(event).toBeDefined();
  });

  test('instance discovery lists the lab entra hosts as aliases', async () => {
    const res = await request(app).get('/common/discovery/instance').query({
      'api-version': '1.1',
      authorization_endpoint: 'https://login.windows.net/common/oauth2/authorize',
    });
    expect(res.status).toBe(200);
    expect(res.body['api-version']).toBe('1.1');
    expect(res.body.tenant_discovery_endpoint).toBe(
      `${ORIGIN}/common/.well-known/openid-configuration`,
    );
    expect(res.body.metadata[0]).toEqual({
      preferred_network: 'login.microsoftonline.com',
      preferred_cache: 'login.windows.net',
      aliases: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'],
    });
  });

  test('instance discovery for a foreign authority is AADSTS50049', async () => {
    const res = await request(app).get('/common/discovery/instance').query({
      'api-version': '1.1',
      authorization_endpoint: 'https://login.example.org/common/oauth2/v2.0/authorize',
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_instance');
    expect(res.body.error_codes).toEqual([50049]);
  });

  test('every entra host name answers alike', async () => {
    for (const host of ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com']) {
      const res = await lab.ctx.fetchFor('client')(
        `https://${host}/common/v2.0/.well-known/openid-configuration`,
      );
      expect(res.status).toBe(200);
      expect(((await res.json()) as { issuer: string }).issuer).toBe(`${ORIGIN}/${TENANT_ID}/v2.0`);
    }
  });
});
