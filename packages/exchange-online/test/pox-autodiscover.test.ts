import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { EXO, hybridLab, mintAccessToken } from './support.js';

const MOBILESYNC =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const ROUTING_HOST = 'https://autodiscover.contoso.mail.onmicrosoft.com';

function poxRequest(email: string, schema = MOBILESYNC): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">' +
    `<Request><EMailAddress>${email}</EMailAddress>` +
    `<AcceptableResponseSchema>${schema}</AcceptableResponseSchema></Request></Autodiscover>`
  );
}

describe("Exchange Online's POX AutoDiscover for ActiveSync clients", () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  const bobToken = () =>
    mintAccessToken(lab.ctx, 'bob@contoso.com', { appid: WELL_KNOWN_APPS.outlookMobile });

  const ask = (
    body: string,
    options: {
      origin?: string;
      authorization?: string;
      contentType?: string;
      method?: string;
    } = {},
  ) =>
    lab.ctx.fetchFor('client')(`${options.origin ?? EXO}/autodiscover/autodiscover.xml`, {
      method: options.method ?? 'POST',
      headers: {
        'content-type': options.contentType ?? 'text/xml',
        authorization: options.authorization ?? `Bearer ${bobToken()}`,
      },
      ...(options.method === 'GET' ? {} : { body }),
    });

  it('names the cloud ActiveSync URL of a cloud mailbox, at every Exchange Online name', async () => {
    lab = hybridLab();
    for (const origin of [EXO, 'https://autodiscover-s.outlook.com', ROUTING_HOST]) {
      const res = await ask(poxRequest('bob@contoso.com'), { origin });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
      const xml = await res.text();
      expect(xml).toContain(
        '<Action><Settings><Server><Type>MobileSync</Type><Url>https://outlook.office365.com/Microsoft-Server-ActiveSync</Url>',
      );
      expect(xml).toContain(
        '<User><DisplayName>Bob Kelly</DisplayName><EMailAddress>bob@contoso.com</EMailAddress></User>',
      );
    }
    const event = lab.ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'exo.autodiscover.pox');
    expect(event).toMatchObject({ data: { email: 'bob@contoso.com', answer: 'settings' } });
  });

  it("reads the tenant's routing address (the on-premises redirect) as the mailbox with that alias", async () => {
    lab = hybridLab();
    const xml = await (
      await ask(poxRequest('BOB@contoso.mail.onmicrosoft.com'), { origin: ROUTING_HOST })
    ).text();
    expect(xml).toContain('<EMailAddress>bob@contoso.com</EMailAddress>');
    expect(xml).toContain('<Url>https://outlook.office365.com/Microsoft-Server-ActiveSync</Url>');
  });

  it('sends an on-premises mailbox back to its own address', async () => {
    lab = hybridLab();
    const xml = await (await ask(poxRequest('alice@contoso.com'))).text();
    expect(xml).toContain('<Action><Redirect>alice@contoso.com</Redirect></Action>');
  });

  it.each([
    ['an address without a mailbox', 500, poxRequest('nobody@contoso.com')],
    ['a routing address no user has', 500, poxRequest('nobody@contoso.mail.onmicrosoft.com')],
    ['another response schema', 601, poxRequest('bob@contoso.com', 'urn:other')],
    ['a body that is not a POX request', 600, '{"EMailAddress":"bob@contoso.com"}'],
    ['a DOCTYPE', 600, `<!DOCTYPE a [<!ENTITY e "x">]>${poxRequest('bob@contoso.com')}`],
  ])('%s: ErrorCode %s inside HTTP 200', async (_name, errorCode, body) => {
    lab = hybridLab();
    const res = await ask(body);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain(`<ErrorCode>${errorCode}</ErrorCode>`);
  });

  it('a disabled user is an address without a mailbox (500)', async () => {
    lab = hybridLab();
    lab.ctx.directory.setDisabled('alice@contoso.com', true);
    const res = await ask(poxRequest('alice@contoso.com'));
    expect(await res.text()).toContain('<ErrorCode>500</ErrorCode>');
  });

  it('reads the body as XML whatever its content type says; GET is ErrorCode 600', async () => {
    lab = hybridLab();
    const json = await ask(poxRequest('bob@contoso.com'), { contentType: 'application/json' });
    expect(json.status).toBe(200);
    expect(await json.text()).toContain('<Type>MobileSync</Type>');
    const get = await ask('', { method: 'GET' });
    expect(get.status).toBe(200);
    expect(await get.text()).toContain('<ErrorCode>600</ErrorCode>');
  });

  it('challenges as ActiveSync does: no token, Basic (blocked), a token for another audience', async () => {
    lab = hybridLab();
    const basic = `Basic ${Buffer.from('bob@contoso.com:Passw0rd!').toString('base64')}`;
    const onpremToken = mintAccessToken(lab.ctx, 'bob@contoso.com', {
      appid: WELL_KNOWN_APPS.outlookMobile,
      aud: 'https://mail.contoso.com',
    });
    for (const authorization of ['', basic, `Bearer ${onpremToken}`]) {
      const res = await ask(poxRequest('bob@contoso.com'), { authorization });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(
        /^Bearer client_id="00000002-0000-0ff1-ce00-000000000000"/,
      );
    }
  });

  it('takes Basic when allowBasicAuthActiveSync is on', async () => {
    lab = hybridLab({ allowBasicAuthActiveSync: true });
    const basic = `Basic ${Buffer.from('bob@contoso.com:Passw0rd!').toString('base64')}`;
    const res = await ask(poxRequest('bob@contoso.com'), { authorization: basic });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<Type>MobileSync</Type>');
  });
});
