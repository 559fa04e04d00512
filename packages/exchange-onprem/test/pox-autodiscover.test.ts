import { createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import type { ScenarioInput } from '@hma-lab/core';
import { basic, createLab, EAS_URL } from './helpers.js';

const POX_URL = 'https://autodiscover.contoso.com/autodiscover/autodiscover.xml';
const REQUEST_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';

/** A mobilesync AutoDiscover request (MS-ASCMD §4.2.1). */
function poxRequest(email: string, schema = RESPONSE_SCHEMA): string {
  return (
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<Autodiscover xmlns="${REQUEST_SCHEMA}"><Request>` +
    `<EMailAddress>${email}</EMailAddress>` +
    `<AcceptableResponseSchema>${schema}</AcceptableResponseSchema>` +
    '</Request></Autodiscover>'
  );
}

/** The ActiveSync lab of the helpers, with the AutoDiscover party mounted too. */
function setup(scenario?: (input: ScenarioInput) => void) {
  const lab = createLab(scenario ? { scenario } : {});
  const autodiscover = createOnpremAutodiscover(lab.ctx.depsFor('onprem-autodiscover'));
  lab.ctx.mount('onprem-autodiscover', autodiscover.app);
  const client = lab.ctx.fetchFor('client');
  const post = (body: string, authorization?: string, url = POX_URL) =>
    client(url, {
      method: 'POST',
      headers: {
        'content-type': 'text/xml',
        ...(authorization ? { authorization } : {}),
      },
      body,
    });
  const bearerFor = (upn: string, aud = 'https://autodiscover.contoso.com') =>
    `Bearer ${lab.token(upn, { aud })}`;
  return { lab, post, bearerFor };
}

/** The text of each element named `tag` in an answer. */
function texts(xml: string, tag: string): string[] {
  return [...xml.matchAll(new RegExp(`<${tag}>([^<]*)</${tag}>`, 'g'))].map((m) => m[1]!);
}

describe('POX AutoDiscover for ActiveSync (MS-ASCMD Autodiscover)', () => {
  it('asks for credentials with the same challenges as the ActiveSync vdir', async () => {
    const { post } = setup();
    const res = await post(poxRequest('alice@contoso.com'));
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate') ?? '';
    expect(challenge).toContain(
      'authorization_uri="https://login.windows.net/common/oauth2/authorize"',
    );
    expect(challenge).toContain('Basic realm=');
  });

  it('answers a Bearer token for the AutoDiscover host with the MobileSync server', async () => {
    const { post, bearerFor, lab } = setup();
    const res = await post(poxRequest('alice@contoso.com'), bearerFor('alice@contoso.com'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const xml = await res.text();
    expect(xml).toContain(`<Response xmlns="${RESPONSE_SCHEMA}">`);
    expect(texts(xml, 'DisplayName')).toEqual(['Alice Wong']);
    expect(texts(xml, 'EMailAddress')).toEqual(['alice@contoso.com']);
    expect(texts(xml, 'Type')).toEqual(['MobileSync']);
    expect(texts(xml, 'Url')).toEqual([EAS_URL]);
    expect(texts(xml, 'Name')).toEqual([EAS_URL]);
    expect(
      lab.ctx.trace
        .entries()
        .some((e) => e.kind === 'event' && e.action === 'onprem.autodiscover.pox'),
    ).toBe(true);
  });

  it("refuses a token for another host (2000003), as Exchange checks the audience's host", async () => {
    const { post, bearerFor } = setup();
    const res = await post(
      poxRequest('alice@contoso.com'),
      bearerFor('alice@contoso.com', 'https://mail.contoso.com'),
    );
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-diagnostics')).toMatch(/^2000003;/);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('answers Basic credentials, unless BlockLegacyAuthAutodiscover (which leaves ActiveSync alone)', async () => {
    const open = setup();
    const allowed = await open.post(
      poxRequest('dave@fabrikam.com'),
      basic('dave@fabrikam.com', 'Passw0rd!'),
    );
    expect(allowed.status).toBe(200);
    expect(texts(await allowed.text(), 'Url')).toEqual([EAS_URL]);

    const blocked = setup((s) => {
      s.exchange.onprem.authenticationPolicies = [
        { name: 'No Basic AutoDiscover', blockLegacyAuthAutodiscover: true },
      ];
      s.exchange.onprem.defaultAuthenticationPolicy = 'No Basic AutoDiscover';
    });
    const refused = await blocked.post(
      poxRequest('dave@fabrikam.com'),
      basic('dave@fabrikam.com', 'Passw0rd!'),
    );
    expect(refused.status).toBe(401);
    const events = blocked.lab.ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'onprem.autodiscover.auth.rejected');
    expect(events.map((e) => (e.kind === 'event' ? e.summary : ''))).toEqual([
      expect.stringContaining('BlockLegacyAuthAutodiscover'),
    ]);
    // The ActiveSync vdir still takes Basic: the policy names AutoDiscover only.
    const eas = await blocked.lab.ctx.fetchFor('client')(EAS_URL, {
      method: 'OPTIONS',
      headers: { authorization: basic('dave@fabrikam.com', 'Passw0rd!') },
    });
    expect(eas.status).toBe(200);
  });

  it('redirects a mailbox in Exchange Online to its address in the routing domain', async () => {
    const { post, bearerFor } = setup();
    const res = await post(poxRequest('bob@contoso.com'), bearerFor('alice@contoso.com'));
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(texts(xml, 'Redirect')).toEqual(['bob@contoso.mail.onmicrosoft.com']);
    expect(xml).not.toContain('<Settings>');
  });

  it.each([
    [
      'an address without a mailbox',
      '500',
      "The email address can't be found.",
      poxRequest('nobody@contoso.com'),
    ],
    [
      'another response schema',
      '601',
      'Provider is not available.',
      poxRequest('alice@contoso.com', 'urn:outlook'),
    ],
    ['a request without an address', '600', 'Invalid Request', poxRequest('')],
    [
      'a body that is not AutoDiscover XML',
      '600',
      'Invalid Request',
      '{"email":"alice@contoso.com"}',
    ],
    [
      'a document type definition',
      '600',
      'Invalid Request',
      `<!DOCTYPE a [<!ENTITY x "alice@contoso.com">]>${poxRequest('&x;')}`,
    ],
  ])('answers %s with ErrorCode %s inside a 200', async (_name, code, message, body) => {
    const { post, bearerFor } = setup();
    const res = await post(body, bearerFor('alice@contoso.com'));
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(
      '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"><Response><Error ',
    );
    expect(texts(xml, 'ErrorCode')).toEqual([code]);
    expect(texts(xml, 'Message')).toEqual([message.replace("'", '&#39;')]);
  });

  it('reads the body as XML whatever its Content-Type says', async () => {
    const { lab, bearerFor } = setup();
    const res = await lab.ctx.fetchFor('client')(POX_URL, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: bearerFor('alice@contoso.com'),
      },
      body: poxRequest('alice@contoso.com'),
    });
    expect(res.status).toBe(200);
    expect(texts(await res.text(), 'Url')).toEqual([EAS_URL]);
  });

  it('answers a GET, once authenticated, with ErrorCode 600', async () => {
    const { lab, bearerFor } = setup();
    const res = await lab.ctx.fetchFor('client')(POX_URL, {
      headers: { authorization: bearerFor('alice@contoso.com') },
    });
    expect(res.status).toBe(200);
    expect(texts(await res.text(), 'ErrorCode')).toEqual(['600']);
  });

  it('decodes entities in the address and escapes what it writes back', async () => {
    const { post, bearerFor } = setup();
    const res = await post(poxRequest('dave&#64;fabrikam.com'), bearerFor('dave@fabrikam.com'));
    expect(texts(await res.text(), 'EMailAddress')).toEqual(['dave@fabrikam.com']);
  });
});
