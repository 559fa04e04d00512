import request from 'supertest';
import { LAB_WEB_APP_SECRET, signJwt, WELL_KNOWN_APPS } from '@hma-lab/core';
import { claimsOf, createLab, outlookAuthorizeUrl, TENANT_ID } from './support/lab.js';

const WEB = WELL_KNOWN_APPS.labWebApp;

describe('Entra answers bad input in its own shape, never as a 500', () => {
  test('a tenant that does not percent-decode is AADSTS9002313 (400), not AADSTS50000', async () => {
    const lab = createLab();
    const res = await request(lab.entra.app).get('/%E0/.well-known/openid-configuration');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_codes).toEqual([9002313]);
  });

  test('GetCredentialType with a lone surrogate in the user name answers (U+FFFD in its place)', async () => {
    const lab = createLab();
    const res = await request(lab.entra.app)
      .post('/common/GetCredentialType')
      .type('json')
      .send('{"username":"a\\udc00@contoso.com","originalRequest":"\\ud800"}');
    expect(res.status).toBe(200);
    expect(res.body.Username).toBe('a\uFFFD@contoso.com');
    expect(res.body.Credentials.FederationRedirectUrl).toContain(
      'username=a%EF%BF%BD%40contoso.com',
    );
  });

  test('a client assertion dated beyond what a Date holds is refused as out of its time range (AADSTS700024)', async () => {
    const lab = createLab();
    const assertion = signJwt(lab.ctx.keys.testClient, {
      aud: `https://login.microsoftonline.com/${TENANT_ID}/oauth2/v2.0/token`,
      iss: WEB,
      sub: WEB,
      jti: 'far-future',
      nbf: 1e20,
      exp: 1e20 + 600,
    });
    const res = await lab.token(`/${TENANT_ID}/oauth2/v2.0/token`, {
      grant_type: 'client_credentials',
      client_id: WEB,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: assertion,
      scope: 'https://graph.microsoft.com/.default',
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.error_codes).toEqual([700024]);
    expect(res.body.error_description).toContain('(epoch seconds)');
  });

  test('a v1 resource with white space around it is named without it in aud', async () => {
    const lab = createLab();
    const res = await lab.token(`/${TENANT_ID}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: WEB,
      client_secret: LAB_WEB_APP_SECRET,
      resource: '\u2028https://graph.microsoft.com ',
    });
    expect(res.status).toBe(200);
    expect(claimsOf(lab, res.body.access_token).aud).toBe('https://graph.microsoft.com');
  });

  test('an unsupported response_mode is quoted at most 100 characters long in the redirect', async () => {
    const lab = createLab();
    const page = await lab.browser.get(outlookAuthorizeUrl({ response_mode: 'x'.repeat(30_000) }));
    expect(page.status).toBe(302);
    expect(page.location!.length).toBeLessThan(2_000);
    const description = new URL(page.location!).searchParams.get('error_description')!;
    expect(description).toMatch(/^AADSTS70007: .*'x{100}…' of response_mode/);
  });

  describe('an interactive page that fails before any route ran still answers with an error page', () => {
    const expectPage = (res: request.Response, status: number, code: number): void => {
      expect(res.status).toBe(status);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain(`AADSTS${code}`);
      expect(res.text).not.toContain('"error_description"');
    };

    test.each([
      '/oauth2/authorize',
      '/oauth2/v2.0/authorize',
      '/login',
      '/SAS/ProcessAuth',
      '/Consent/Set',
    ])('POST %s with a JSON body that does not parse', async (path) => {
      const lab = createLab();
      const res = await request(lab.entra.app).post(`/${TENANT_ID}${path}`).type('json').send('{');
      expectPage(res, 400, 9002313);
    });

    test('POST /login.srf with a body over the 1 MiB limit is a 413 page', async () => {
      const lab = createLab();
      const res = await request(lab.entra.app)
        .post('/login.srf')
        .type('form')
        .send(`wresult=${'a'.repeat(1_048_600)}`);
      expectPage(res, 413, 9002313);
    });

    test.each(['/oauth2/authorize?client_id=x', '/login', '/oauth2/logout', '/oauth2/deviceauth'])(
      'GET %s under a tenant that does not percent-decode',
      async (path) => {
        const lab = createLab();
        const res = await request(lab.entra.app).get(`/%zz${path}`);
        expectPage(res, 400, 9002313);
      },
    );

    test('the token endpoint under such a tenant keeps its JSON error', async () => {
      const lab = createLab();
      const res = await request(lab.entra.app)
        .post('/%zz/oauth2/v2.0/token')
        .type('form')
        .send('a=b');
      expect(res.status).toBe(400);
      expect(res.body.error_codes).toEqual([9002313]);
    });
  });
});
