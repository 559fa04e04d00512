import { createServiceApp, createTestContext } from '@hma-lab/core';
import { createExchangeOnline } from '@hma-lab/exchange-online';

function setup(config: Parameters<typeof createExchangeOnline>[1] = {}) {
  const ctx = createTestContext();
  const exo = createExchangeOnline(ctx.depsFor('exo'), config);
  ctx.mount('exo', exo.app);
  return { ctx, exo, http: client(ctx) };
}

interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  body: Record<string, string>;
}

/** A small supertest-like client over the in-process transport. */
function client(ctx: ReturnType<typeof createTestContext>) {
  const fetch = ctx.fetchFor('client');
  const call = (method: string, path: string) => {
    const run = async (): Promise<Reply> => {
      const res = await fetch(`https://outlook.office365.com${path}`, {
        method,
        redirect: 'manual',
      });
      const text = await res.text();
      let body: Record<string, string> = {};
      try {
        body = JSON.parse(text) as Record<string, string>;
      } catch {
        // not JSON
      }
      return { status: res.status, headers: Object.fromEntries(res.headers), text, body };
    };
    return {
      async expect(status: number): Promise<Reply> {
        const reply = await run();
        expect(reply.status).toBe(status);
        return reply;
      },
    };
  };
  return { get: (path: string) => call('GET', path), post: (path: string) => call('POST', path) };
}

const V1 = '/autodiscover/autodiscover.json/v1.0';

describe('Exchange Online AutoDiscover v2', () => {
  it('answers a cloud mailbox with 200 {Protocol, Url} for each protocol, echoing the casing', async () => {
    const { http, exo } = setup();
    const cases: Array<[string, string]> = [
      ['ActiveSync', 'https://outlook.office365.com/Microsoft-Server-ActiveSync'],
      ['activesync', 'https://outlook.office365.com/Microsoft-Server-ActiveSync'],
      ['AutodiscoverV1', 'https://outlook.office365.com/autodiscover/autodiscover.xml'],
      ['Ews', 'https://outlook.office365.com/EWS/Exchange.asmx'],
      ['REST', 'https://outlook.office.com/api'],
    ];
    for (const [protocol, url] of cases) {
      const res = await http.get(`${V1}/bob@contoso.com?Protocol=${protocol}`).expect(200);
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(res.body).toEqual({ Protocol: protocol, Url: url });
    }
    const query = await http
      .get(
        '/autodiscover/autodiscover.json?Email=bob%40contoso.com&Protocol=ActiveSync&RedirectCount=3',
      )
      .expect(200);
    expect(query.body.Url).toBe('https://outlook.office365.com/Microsoft-Server-ActiveSync');
    await exo.close();
  });

  it('redirects an on-prem mailbox to autodiscover.<domain> with RedirectCount + 1 (step 3)', async () => {
    const { http } = setup();
    const res = await http.get(`${V1}/alice@contoso.com?Protocol=ActiveSync`).expect(302);
    expect(res.headers.location).toBe(
      'https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
    );
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.text).toContain('<title>Object moved</title>');
    expect(res.text).toContain(
      '<a href="https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&amp;Protocol=ActiveSync&amp;RedirectCount=1">here</a>',
    );
    const dave = await http
      .get(
        '/autodiscover/autodiscover.json?Email=dave%40fabrikam.com&Protocol=activesync&RedirectCount=3',
      )
      .expect(302);
    expect(dave.headers.location).toBe(
      'https://autodiscover.fabrikam.com/autodiscover/autodiscover.json?Email=dave%40fabrikam.com&Protocol=activesync&RedirectCount=4',
    );
  });

  it('answers an invalid or missing protocol with 400 InvalidProtocol', async () => {
    const { http } = setup();
    const res = await http.get(`${V1}/bob@contoso.com?Protocol=Foo`).expect(400);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body).toEqual({
      ErrorCode: 'InvalidProtocol',
      ErrorMessage:
        "The given protocol value 'Foo' is invalid. Supported values are 'ActiveSync,AutodiscoverV1,Ews,Rest'",
    });
    const missing = await http.get(`${V1}/bob@contoso.com`).expect(400);
    expect(missing.body.ErrorCode).toBe('InvalidProtocol');
  });

  it('rejects bad addresses, bad RedirectCount values and other methods in the same shape', async () => {
    const { http } = setup();
    expect(
      (await http.get(`${V1}/not-an-address?Protocol=ActiveSync`).expect(400)).body.ErrorCode,
    ).toBe('InvalidUser');
    expect(
      (await http.get('/autodiscover/autodiscover.json?Protocol=ActiveSync').expect(400)).body
        .ErrorCode,
    ).toBe('InvalidUser');
    expect(
      (await http.get(`${V1}/alice@contoso.com?Protocol=ActiveSync&RedirectCount=-1`).expect(400))
        .body.ErrorCode,
    ).toBe('InvalidRedirectCount');
    expect(
      (await http.post(`${V1}/alice@contoso.com?Protocol=ActiveSync`).expect(405)).body.ErrorCode,
    ).toBe('MethodNotAllowed');
  });

  it.each([
    `${V1}/?Protocol=ActiveSync`,
    '/autodiscover/autodiscover.json/v2.0/alice@contoso.com?Protocol=ActiveSync',
    `${V1}/alice@contoso.com/extra?Protocol=ActiveSync`,
    '/autodiscover/nothing-here',
  ])('GET %s, a path that is no endpoint: 404 NotFound, not 405', async (path) => {
    const { http } = setup();
    const res = await http.get(path).expect(404);
    expect(res.body.ErrorCode).toBe('NotFound');
    expect(res.body.ErrorMessage).toMatch(/^The resource '\/autodiscover\/[^']*' was not found\.$/);
  });

  it('refuses to redirect past autodiscoverMaxRedirects', async () => {
    const { http } = setup({ autodiscoverMaxRedirects: 10 });
    const last = await http
      .get(
        '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=9',
      )
      .expect(302);
    expect(last.headers.location).toMatch(/RedirectCount=10$/);
    const over = await http
      .get(
        '/autodiscover/autodiscover.json?Email=dave%40fabrikam.com&Protocol=ActiveSync&RedirectCount=10',
      )
      .expect(400);
    expect(over.body).toEqual({
      ErrorCode: 'RedirectCountExceeded',
      ErrorMessage: expect.stringContaining('has reached the limit of 10'),
    });
  });

  it('takes the cap from the scenario by default', async () => {
    const ctx = createTestContext();
    const scenario = structuredClone(ctx.scenario);
    scenario.exchange.online.autodiscoverMaxRedirects = 2;
    const lab = createTestContext({ scenario });
    lab.mount('exo', createExchangeOnline(lab.depsFor('exo')).app);
    const http = client(lab);
    await http.get(`${V1}/alice@contoso.com?Protocol=ActiveSync&RedirectCount=1`).expect(302);
    await http.get(`${V1}/dave@fabrikam.com?Protocol=ActiveSync&RedirectCount=2`).expect(400);
  });

  it('detects a redirect loop: the mailbox comes back from on-prem with a higher RedirectCount', async () => {
    const { ctx } = setup();
    // An on-prem AutoDiscover that believes alice's mailbox is in the cloud.
    const onprem = createServiceApp('onprem-autodiscover', ctx.depsFor('onprem-autodiscover'));
    onprem.get('/autodiscover/autodiscover.json', (req, res) => {
      const n = Number(req.query.RedirectCount) + 1;
      res.redirect(
        302,
        `https://outlook.office365.com/autodiscover/autodiscover.json?Email=${encodeURIComponent(String(req.query.Email))}&Protocol=${String(req.query.Protocol)}&RedirectCount=${n}`,
      );
    });
    ctx.mount('onprem-autodiscover', onprem);
    const client = ctx.fetchFor('client');
    let url = `https://outlook.office365.com${V1}/alice@contoso.com?Protocol=ActiveSync`;
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client(url, { redirect: 'manual' });
      statuses.push(res.status);
      if (res.status !== 302) {
        expect(await res.json()).toEqual({
          ErrorCode: 'RedirectLoopDetected',
          ErrorMessage: expect.stringContaining('autodiscover.contoso.com'),
        });
        break;
      }
      url = res.headers.get('location')!;
    }
    expect(statuses).toEqual([302, 302, 400]);
    // A fresh request (RedirectCount absent) is not a loop.
    const fresh = await client(
      `https://outlook.office365.com${V1}/alice@contoso.com?Protocol=ActiveSync`,
      {
        redirect: 'manual',
      },
    );
    expect(fresh.status).toBe(302);
  });

  it('forgets issued redirects after the loop window', async () => {
    const { http, ctx } = setup({ autodiscoverLoopWindow: '5m' });
    await http.get(`${V1}/alice@contoso.com?Protocol=ActiveSync`).expect(302);
    await ctx.clock.advance('6m');
    await http
      .get(
        '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=2',
      )
      .expect(302);
  });

  it('sends an unknown address to its own ?Email= form, which answers 404 UserNotFound', async () => {
    const { http } = setup();
    const first = await http
      .get(`${V1}/nobody@unknown.example?Protocol=Autodiscoverv1`)
      .expect(302);
    expect(first.headers.location).toBe(
      'https://outlook.office365.com/autodiscover/autodiscover.json?Email=nobody%40unknown.example&Protocol=Autodiscoverv1&RedirectCount=1',
    );
    const second = await http
      .get(new URL(first.headers.location!).pathname + new URL(first.headers.location!).search)
      .expect(404);
    expect(second.body).toEqual({
      ErrorCode: 'UserNotFound',
      ErrorMessage: "The user 'nobody@unknown.example' was not found.",
    });
    const direct = setup({ unknownUserAutodiscover: 'not-found' });
    await direct.http.get(`${V1}/nobody@unknown.example?Protocol=ActiveSync`).expect(404);
  });
});
