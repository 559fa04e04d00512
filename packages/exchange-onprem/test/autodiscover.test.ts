import { createTestContext, parseScenario, contosoScenario } from '@hma-lab/core';
import request from 'supertest';
import { createOnpremAutodiscover } from '@hma-lab/exchange-onprem';

function setup(config: Parameters<typeof createOnpremAutodiscover>[1] = {}) {
  const ctx = createTestContext();
  const service = createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover'), config);
  return { ctx, app: service.app };
}

describe('on-prem AutoDiscover v2', () => {
  it('answers ActiveSync with the EAS URL, echoing the protocol casing (HMA-DOC)', async () => {
    const { app } = setup();
    const res = await request(app)
      .get(
        '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=activesync&RedirectCount=3',
      )
      .set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.text).toBe(
      '{"Protocol":"activesync","Url":"https://mail.contoso.com/Microsoft-Server-ActiveSync"}',
    );
  });

  it('answers an address that does not percent-decode with 400 InvalidRequest, not a 500', async () => {
    const { app, ctx } = setup();
    const res = await request(app).get(
      '/autodiscover/autodiscover.json/v1.0/%E0%A4%A?Protocol=ActiveSync',
    );
    expect(res.status).toBe(400);
    expect(res.body.ErrorCode).toBe('InvalidRequest');
    expect(ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('answers the v1.0/{email} form', async () => {
    const { app } = setup();
    const res = await request(app).get(
      '/autodiscover/autodiscover.json/v1.0/dave@fabrikam.com?Protocol=ActiveSync',
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      Protocol: 'ActiveSync',
      Url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    });
  });

  it.each([
    ['Ews', 'https://mail.contoso.com/EWS/Exchange.asmx'],
    ['REST', 'https://mail.contoso.com/api'],
    ['AutodiscoverV1', 'https://autodiscover.fabrikam.com/autodiscover/autodiscover.xml'],
  ])('answers %s', async (protocol, url) => {
    const { app } = setup();
    const res = await request(app).get(
      `/AutoDiscover/AutoDiscover.json?email=dave%40fabrikam.com&protocol=${protocol}`,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ Protocol: protocol, Url: url });
  });

  it('refuses an unknown protocol with 400 InvalidProtocol', async () => {
    const { app } = setup();
    const res = await request(app).get(
      '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=Foo',
    );
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      ErrorCode: 'InvalidProtocol',
      ErrorMessage:
        "The given protocol value 'Foo' is invalid. Supported values are 'ActiveSync,AutodiscoverV1,Ews,Rest'",
    });
  });

  it('refuses a missing protocol and a malformed address', async () => {
    const { app } = setup();
    const noProtocol = await request(app).get(
      '/autodiscover/autodiscover.json?Email=alice%40contoso.com',
    );
    expect(noProtocol.status).toBe(400);
    expect(noProtocol.body.ErrorCode).toBe('InvalidProtocol');
    const badEmail = await request(app).get(
      '/autodiscover/autodiscover.json?Email=alice&Protocol=ActiveSync',
    );
    expect(badEmail.status).toBe(400);
    expect(badEmail.body.ErrorCode).toBe('InvalidUser');
  });

  it('answers 404 UserNotFound / InvalidDomain for addresses it does not know', async () => {
    const { app } = setup();
    const user = await request(app).get(
      '/autodiscover/autodiscover.json?Email=nobody%40contoso.com&Protocol=ActiveSync',
    );
    expect(user.status).toBe(404);
    expect(user.body).toEqual({
      ErrorCode: 'UserNotFound',
      ErrorMessage: "The user 'nobody@contoso.com' was not found.",
    });
    const domain = await request(app).get(
      '/autodiscover/autodiscover.json?Email=eve%40example.org&Protocol=ActiveSync',
    );
    expect(domain.status).toBe(404);
    expect(domain.body.ErrorCode).toBe('InvalidDomain');
  });

  it('answers unknown users anyway when configured to', async () => {
    const { app } = setup({ unknownUser: 'answer' });
    const res = await request(app).get(
      '/autodiscover/autodiscover.json?Email=nobody%40contoso.com&Protocol=ActiveSync',
    );
    expect(res.status).toBe(200);
    expect(res.body.Url).toBe('https://mail.contoso.com/Microsoft-Server-ActiveSync');
  });

  it('redirects a mailbox in Exchange Online to the cloud with RedirectCount + 1', async () => {
    const { app } = setup();
    const res = await request(app).get(
      '/autodiscover/autodiscover.json?Email=bob%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
    );
    expect(res.status).toBe(302);
    expect(res.headers['location']).toBe(
      'https://outlook.office365.com/autodiscover/autodiscover.json?Email=bob%40contoso.com&Protocol=ActiveSync&RedirectCount=2',
    );
    expect(res.text).toContain('Object moved');
    const tooMany = await request(app).get(
      '/autodiscover/autodiscover.json?Email=bob%40contoso.com&Protocol=ActiveSync&RedirectCount=10',
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.ErrorCode).toBe('RedirectCountExceeded');
  });

  it('stays anonymous under BlockLegacyAuthAutodiscover', async () => {
    const input = structuredClone(contosoScenario);
    input.exchange.onprem.authenticationPolicies = [
      {
        name: 'Block Legacy Auth',
        blockLegacyAuthAutodiscover: true,
        blockLegacyAuthActiveSync: true,
      },
    ];
    input.exchange.onprem.defaultAuthenticationPolicy = 'Block Legacy Auth';
    const ctx = createTestContext({ scenario: parseScenario(input) });
    const { app } = createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover'));
    const res = await request(app).get(
      '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync',
    );
    expect(res.status).toBe(200);
  });

  it('answers other methods and paths in the JSON error shape', async () => {
    const { app } = setup();
    const post = await request(app).post('/autodiscover/autodiscover.json').send('x');
    expect(post.status).toBe(405);
    expect(post.body.ErrorCode).toBe('MethodNotAllowed');
    const other = await request(app).get('/nothing-here');
    expect(other.status).toBe(404);
    for (const path of [
      '/autodiscover/autodiscover.json/v1.0/',
      '/autodiscover/autodiscover.json/v2.0/alice@contoso.com',
      '/autodiscover/autodiscover.json/v1.0/alice@contoso.com/extra',
    ]) {
      const res = await request(app).get(`${path}?Protocol=ActiveSync`);
      expect([path, res.status, res.body.ErrorCode]).toEqual([path, 404, 'NotFound']);
    }
    const postToAddress = await request(app).post(
      '/autodiscover/autodiscover.json/v1.0/alice@contoso.com',
    );
    expect(postToAddress.status).toBe(405);
  });

  it('is reachable through the lab transport at autodiscover.<domain>', async () => {
    const { ctx, app } = setup();
    ctx.mount('onprem-autodiscover', app);
    const res = await ctx.fetchFor('autodetect')(
      'https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      Protocol: 'ActiveSync',
      Url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    });
  });
});
