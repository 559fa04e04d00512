import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { createLab, type Lab } from '@hma-lab/lab';
import { entraV1Token } from './helpers.js';

/**
 * A third-party ActiveSync client's way to its server through the whole lab:
 * POX AutoDiscover refuses it anonymously with the HMA challenge, it gets a
 * token from Entra for the AutoDiscover host the challenge came from, and the
 * answer names the on-premises ActiveSync URL.
 */
describe('POX AutoDiscover with a token from the lab Entra', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab();
  });
  afterAll(() => lab?.close());

  const request = (email: string) =>
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">' +
    `<Request><EMailAddress>${email}</EMailAddress>` +
    '<AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema>' +
    '</Request></Autodiscover>';

  const pox = (authorization?: string) =>
    lab.fetchAs('client')('https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml', {
      method: 'POST',
      headers: { 'content-type': 'text/xml', ...(authorization ? { authorization } : {}) },
      body: request('dave@fabrikam.com'),
    });

  it('challenges, then answers the token Entra issued for the AutoDiscover host', async () => {
    const anonymous = await pox();
    expect(anonymous.status).toBe(401);
    const challenge = anonymous.headers.get('www-authenticate') ?? '';
    const authorizationUri = /authorization_uri="([^"]+)"/.exec(challenge)?.[1];
    expect(authorizationUri).toBe('https://login.windows.net/common/oauth2/authorize');

    const token = await entraV1Token(lab, {
      grant_type: 'password',
      client_id: WELL_KNOWN_APPS.outlookMobile,
      resource: 'https://autodiscover.fabrikam.com',
      username: 'dave@fabrikam.com',
      password: 'Passw0rd!',
    });
    expect(token.status).toBe(200);
    const { access_token } = (await token.json()) as { access_token: string };
    const answered = await pox(`Bearer ${access_token}`);
    expect(answered.status).toBe(200);
    const xml = await answered.text();
    expect(xml).toContain('<Url>https://mail.contoso.com/Microsoft-Server-ActiveSync</Url>');
  });
});
