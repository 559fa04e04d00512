import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { createLab, federatedPasswordToken, type Lab } from '@hma-lab/lab';
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

  const poxAt = (host: string, email: string, authorization?: string) =>
    lab.fetchAs('client')(`https://${host}/autodiscover/autodiscover.xml`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml', ...(authorization ? { authorization } : {}) },
      body: request(email),
    });
  const pox = (authorization?: string) =>
    poxAt('autodiscover.fabrikam.com', 'dave@fabrikam.com', authorization);

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

  it('a cloud mailbox: on-premises redirects to the routing address, Exchange Online answers there, and the client syncs', async () => {
    // bob@contoso.com is federated: his token comes the way MSAL gets it (WS-Trust at AD FS).
    const onprem = await federatedPasswordToken(lab, {
      username: 'bob@contoso.com',
      password: 'Passw0rd!',
      resource: 'https://autodiscover.contoso.com',
    });
    const redirected = await poxAt(
      'autodiscover.contoso.com',
      'bob@contoso.com',
      `Bearer ${String(onprem.access_token)}`,
    );
    expect(await redirected.text()).toContain(
      '<Action><Redirect>bob@contoso.mail.onmicrosoft.com</Redirect></Action>',
    );

    const host = 'autodiscover.contoso.mail.onmicrosoft.com';
    const anonymous = await poxAt(host, 'bob@contoso.mail.onmicrosoft.com');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer /);
    const cloud = await federatedPasswordToken(lab, {
      username: 'bob@contoso.com',
      password: 'Passw0rd!',
    });
    const bearer = `Bearer ${String(cloud.access_token)}`;
    const answered = await poxAt(host, 'bob@contoso.mail.onmicrosoft.com', bearer);
    expect(answered.status).toBe(200);
    const xml = await answered.text();
    expect(xml).toContain('<EMailAddress>bob@contoso.com</EMailAddress>');
    const url = /<Url>([^<]+)<\/Url>/.exec(xml)?.[1];
    expect(url).toBe('https://outlook.office365.com/Microsoft-Server-ActiveSync');

    // An on-premises mailbox asked at Exchange Online is sent back to its own address.
    const dave = await poxAt('outlook.office365.com', 'dave@fabrikam.com', bearer);
    expect(await dave.text()).toContain('<Action><Redirect>dave@fabrikam.com</Redirect></Action>');

    // The URL it named serves bob's mailbox with the same token.
    const options = await lab.fetchAs('client')(url!, {
      method: 'OPTIONS',
      headers: { authorization: bearer },
    });
    expect(options.status).toBe(200);
    expect(options.headers.get('ms-asprotocolcommands')).toContain('FolderSync');
  });
});
