import { createTestContext } from '@hma-lab/core';
import { createAutodetect, AUTODETECT_FAULTS, type DetectAnswerBody } from '@hma-lab/autodetect';
import { gate, mountFakes } from './fakes.js';

const QUERY =
  '?services=office365,outlook,google,icloud,yahoo&protocols=rest-cloud,rest-outlook,rest-office365,eas,imap,smtp';
const DETECT = `https://prod-autodetect.outlookmobile.com/detect${QUERY}`;

function setup(config: Parameters<typeof createAutodetect>[1] = {}) {
  const ctx = createTestContext();
  const fakes = mountFakes(ctx);
  const autodetect = createAutodetect(ctx.depsFor('autodetect'), config);
  ctx.mount('autodetect', autodetect.app);
  const device = ctx.fetchFor('device');
  const ask = (email: string, url = DETECT, headers: Record<string, string> = {}) =>
    device(url, { headers: { 'x-email': email, ...headers } });
  return { ctx, fakes, autodetect, ask };
}

const HYBRID_ANSWER = {
  email: 'alice@contoso.com',
  services: [
    {
      service: 'office365',
      protocol: 'rest',
      hostname: 'outlook.office.com',
      aad: 'https://login.windows.net/common/oauth2/authorize',
      onprem: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    },
  ],
  protocols: [
    {
      protocol: 'eas',
      service: 'office365',
      hostname: 'mail.contoso.com',
      aad: 'https://login.windows.net/common/oauth2/authorize',
      onprem: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
      insecure: false,
    },
  ],
};

describe('AutoDetect GET /detect', () => {
  let lab: ReturnType<typeof setup>;
  afterEach(async () => lab?.autodetect.close());

  it('answers a hybrid account after doing steps 2-5 itself (flow A)', async () => {
    lab = setup();
    const res = await lab.ask('alice@contoso.com');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('x-response-time')).toMatch(/^\d+ms$/);
    expect(res.headers.get('x-autodv2-error')).toBeNull();
    expect(await bodyOf(res)).toEqual(HYBRID_ANSWER);

    const calls = lab.ctx.trace.exchanges().map((e) => [e.from, e.to, e.method, e.url, e.status]);
    expect(calls).toEqual([
      [
        'autodetect',
        'exo',
        'GET',
        'https://outlook.office365.com/autodiscover/autodiscover.json/v1.0/alice@contoso.com?Protocol=ActiveSync',
        302,
      ],
      [
        'autodetect',
        'onprem-autodiscover',
        'GET',
        'https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
        200,
      ],
      [
        'autodetect',
        'onprem-eas',
        'GET',
        'https://mail.contoso.com/Microsoft-Server-ActiveSync',
        401,
      ],
      ['device', 'autodetect', 'GET', DETECT, 200],
    ]);
    const probe = lab.ctx.trace.exchanges()[2]!;
    expect(probe.requestHeaders.authorization).toBe('Bearer');
  });

  it('takes the address from Authorization: Basic base64(address) on /autodetect/detect too', async () => {
    lab = setup();
    const url = `https://prod-autodetect.outlookmobile.com/autodetect/detect?protocols=eas,rest-cloud,imap,pop3,smtp&timeout=13.5&services=office365,outlook,google,icloud,yahoo`;
    const res = await lab.ctx.fetchFor('device')(url, {
      headers: { authorization: `Basic ${Buffer.from('Alice@Contoso.com').toString('base64')}` },
    });
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual(HYBRID_ANSWER);
  });

  it('answers a cloud account without onprem (flow B), probing Exchange Online itself', async () => {
    lab = setup();
    const res = await lab.ask('bob@contoso.com');
    expect(res.status).toBe(200);
    const body = await bodyOf(res);
    expect(body.services).toEqual([
      {
        service: 'office365',
        protocol: 'rest',
        hostname: 'outlook.office.com',
        aad: 'https://login.microsoftonline.com/common/oauth2/authorize',
      },
    ]);
    expect(body.services[0]).not.toHaveProperty('onprem');
    expect(body.protocols[0]).toMatchObject({ protocol: 'eas', hostname: 'outlook.office365.com' });
    const probe = lab.ctx.trace
      .exchanges()
      .find((e) => e.url.endsWith('/Microsoft-Server-ActiveSync'))!;
    expect([probe.from, probe.to, probe.status]).toEqual(['autodetect', 'exo', 401]);
  });

  it('falls back to a basic-auth EAS entry when on-prem names no authorization_uri', async () => {
    lab = setup();
    lab.fakes.eas = (_req, res) => {
      res.setHeader('WWW-Authenticate', [
        'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@x"',
        'Basic realm="mail.contoso.com"',
      ]);
      res.status(401).end();
    };
    const res = await lab.ask('alice@contoso.com');
    expect(res.status).toBe(200);
    expect(await bodyOf(res)).toEqual({
      email: 'alice@contoso.com',
      services: [],
      protocols: [
        {
          protocol: 'eas',
          service: 'exchange',
          hostname: 'mail.contoso.com',
          onprem: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
          insecure: false,
        },
      ],
    });
  });

  it('answers 204 for an unknown domain, without X-AutoDv2-Error for a clean "not found"', async () => {
    lab = setup();
    lab.fakes.exo = (_req, res) => {
      res.status(404).json({ ErrorCode: 'UserNotFound', ErrorMessage: 'no such user' });
    };
    const res = await lab.ask('someone@unknown-domain.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-request-id')).toBeTruthy();
    expect(res.headers.get('x-autodv2-error')).toBeNull();
    expect(await res.text()).toBe('');
  });

  it('answers 204 when the redirect goes to an on-prem AutoDiscover host that does not exist', async () => {
    lab = setup();
    const res = await lab.ask('someone@nowhere.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBe('Unreachable autodiscover.nowhere.example');
  });

  it('answers 204 with X-AutoDv2-Error: Timeout when AutoDiscover v2 does not answer in time', async () => {
    lab = setup({ autodiscoverTimeout: '8s', responseBudget: '10s' });
    const held = gate();
    lab.fakes.autodiscover = async (_req, res) => {
      await held.promise;
      res.json({
        Protocol: 'ActiveSync',
        Url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
      });
    };
    const pending = lab.ask('alice@contoso.com');
    await settle();
    await lab.ctx.clock.advance('8s');
    const res = await pending;
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBe('Timeout');
    held.open();
    // A timeout is not cached: the next request detects again and succeeds.
    const again = await lab.ask('alice@contoso.com');
    expect(again.status).toBe(200);
  });

  it('answers 202 while still searching, then the result on the next poll', async () => {
    lab = setup();
    const held = gate();
    lab.fakes.eas = async (_req, res) => {
      await held.promise;
      res.setHeader(
        'WWW-Authenticate',
        'Bearer authorization_uri="https://login.windows.net/common/oauth2/authorize"',
      );
      res.status(401).end();
    };
    const pending = lab.ask('alice@contoso.com', `${DETECT}&timeout=2`);
    await settle();
    await lab.ctx.clock.advance('2s');
    const first = await pending;
    expect(first.status).toBe(202);
    expect(first.headers.get('x-request-id')).toBeTruthy();
    held.open();
    await settle();
    const second = await lab.ask('alice@contoso.com');
    expect(second.status).toBe(200);
    expect((await bodyOf(second)).services[0]?.onprem).toBe(
      'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    );
    // Only one detection ran for both requests.
    expect(lab.ctx.trace.exchanges().filter((e) => e.to === 'onprem-eas')).toHaveLength(1);
  });

  it('answers 503 when the fault is on, and when Exchange Online cannot be reached', async () => {
    lab = setup();
    lab.ctx.faults.on(AUTODETECT_FAULTS.unavailable);
    const faulted = await lab.ask('alice@contoso.com');
    expect(faulted.status).toBe(503);
    expect(await bodyOf(faulted)).toMatchObject({ error: { code: 'ServiceUnavailable' } });
    lab.ctx.faults.off(AUTODETECT_FAULTS.unavailable);

    lab.fakes.exo = (_req, res) => void res.status(500).json({ ErrorCode: 'InternalServerError' });
    const broken = await lab.ask('alice@contoso.com');
    expect(broken.status).toBe(503);
    expect(broken.headers.get('x-request-id')).toBeTruthy();
    expect(broken.headers.get('x-response-time')).toMatch(/ms$/);
  });

  it('answers 503 when exo is not running at all', async () => {
    const ctx = createTestContext();
    const autodetect = createAutodetect(ctx.depsFor('autodetect'));
    ctx.mount('autodetect', autodetect.app);
    const res = await ctx.fetchFor('device')(DETECT, {
      headers: { 'x-email': 'alice@contoso.com' },
    });
    expect(res.status).toBe(503);
    expect((await bodyOf(res)).error.message).toMatch(
      /outlook\.office365\.com could not be reached/,
    );
  });

  it('honours the catalogue faults autodetect-204, autodetect-202 and autodiscover-timeout', async () => {
    lab = setup();
    lab.ctx.faults.on('autodetect-204');
    expect((await lab.ask('alice@contoso.com')).status).toBe(204);
    lab.ctx.faults.off('autodetect-204');
    lab.ctx.faults.on('autodetect-202');
    expect((await lab.ask('alice@contoso.com')).status).toBe(202);
    lab.ctx.faults.off('autodetect-202');
    lab.ctx.faults.on('autodiscover-timeout');
    const timedOut = await lab.ask('alice@contoso.com');
    expect(timedOut.status).toBe(204);
    expect(timedOut.headers.get('x-autodv2-error')).toBe('Timeout');
    lab.ctx.faults.off('autodiscover-timeout');
    expect(lab.ctx.trace.exchanges().filter((e) => e.from === 'autodetect')).toHaveLength(0);
    expect((await lab.ask('alice@contoso.com')).status).toBe(200);
  });

  it('stops following redirects after maxRedirects', async () => {
    lab = setup({ maxRedirects: 3 });
    lab.fakes.autodiscover = (req, res) => {
      const n = Number(req.query.RedirectCount ?? 0) + 1;
      res.redirect(
        302,
        `https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=${n}`,
      );
    };
    const res = await lab.ask('alice@contoso.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBe('TooManyRedirects');
    expect(lab.ctx.trace.exchanges().filter((e) => e.from === 'autodetect')).toHaveLength(4);
  });

  it('filters by services and protocols, and answers 204 when nothing requested is found', async () => {
    lab = setup();
    const easOnly = await lab.ask(
      'alice@contoso.com',
      'https://prod-autodetect.outlookmobile.com/detect?services=google&protocols=eas',
    );
    expect(await bodyOf(easOnly)).toMatchObject({ services: [], protocols: [{ protocol: 'eas' }] });
    const none = await lab.ask(
      'alice@contoso.com',
      'https://prod-autodetect.outlookmobile.com/detect?services=google&protocols=imap',
    );
    expect(none.status).toBe(204);
  });

  it('rejects a missing or malformed address with 400 and the error shape', async () => {
    lab = setup();
    const device = lab.ctx.fetchFor('device');
    const missing = await device(DETECT);
    expect(missing.status).toBe(400);
    expect(await bodyOf(missing)).toEqual({
      error: { code: 'MissingEmail', message: expect.stringContaining('x-email') },
    });
    const bad = await lab.ask('not an address');
    expect(bad.status).toBe(400);
    expect((await bodyOf(bad)).error.code).toBe('InvalidEmail');
    const huge = await lab.ask(`${'a'.repeat(10_000)}@contoso.com`);
    expect(huge.status).toBe(400);
    const junkBasic = await device(DETECT, { headers: { authorization: 'Basic !!!' } });
    expect((await bodyOf(junkBasic)).error.code).toBe('MissingEmail');
    const post = await device(DETECT, {
      method: 'POST',
      body: 'x',
      headers: { 'x-email': 'a@b.com' },
    });
    expect(post.status).toBe(404);
    const wrongPath = await device('https://prod-autodetect.outlookmobile.com/nope');
    expect(wrongPath.status).toBe(404);
    expect(lab.ctx.trace.exchanges().filter((e) => e.from === 'autodetect')).toHaveLength(0);
  });
});

describe('AutoDetect result cache', () => {
  let lab: ReturnType<typeof setup>;
  afterEach(async () => lab?.autodetect.close());

  it('is sticky: a mailbox move is not seen until the cache is cleared', async () => {
    lab = setup();
    expect((await bodyOf(await lab.ask('alice@contoso.com'))).services[0]?.onprem).toBeDefined();
    // Alice's mailbox moves to Exchange Online.
    lab.fakes.exo = (_req, res) => {
      res.json({
        Protocol: 'ActiveSync',
        Url: 'https://outlook.office365.com/Microsoft-Server-ActiveSync',
      });
    };
    const stale = await bodyOf(await lab.ask('ALICE@contoso.com'));
    expect(stale.services[0]?.onprem).toBe('https://mail.contoso.com/Microsoft-Server-ActiveSync');
    expect(lab.autodetect.cached().map((c) => [c.email, c.detection.kind])).toEqual([
      ['alice@contoso.com', 'hybrid'],
    ]);

    expect(lab.autodetect.clearCache('alice@contoso.com')).toBe(1);
    const fresh = await bodyOf(await lab.ask('alice@contoso.com'));
    expect(fresh.services[0]).not.toHaveProperty('onprem');
  });

  it('expires after the TTL on the virtual clock', async () => {
    lab = setup({ cacheTtl: '24h' });
    await lab.ask('alice@contoso.com');
    lab.fakes.exo = (_req, res) => {
      res.json({
        Protocol: 'ActiveSync',
        Url: 'https://outlook.office365.com/Microsoft-Server-ActiveSync',
      });
    };
    await lab.ctx.clock.advance('23h');
    expect((await bodyOf(await lab.ask('alice@contoso.com'))).services[0]?.onprem).toBeDefined();
    await lab.ctx.clock.advance('1h');
    expect((await bodyOf(await lab.ask('alice@contoso.com'))).services[0]?.onprem).toBeUndefined();
  });

  it('keeps "nothing found" for the shorter negative TTL; clearCache() drops everything', async () => {
    lab = setup({ negativeCacheTtl: '1h' });
    let asked = 0;
    lab.fakes.exo = (_req, res) => {
      asked++;
      res.status(404).json({ ErrorCode: 'UserNotFound', ErrorMessage: 'no such user' });
    };
    await lab.ask('x@unknown.example');
    await lab.ask('x@unknown.example');
    expect(asked).toBe(1);
    await lab.ctx.clock.advance('1h');
    await lab.ask('x@unknown.example');
    expect(asked).toBe(2);
    expect(lab.autodetect.clearCache()).toBe(1);
    await lab.ask('x@unknown.example');
    expect(asked).toBe(3);
  });
});

/** Lets in-process requests reach the point where they wait on the clock. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

type AnyBody = DetectAnswerBody & {
  services: Array<DetectAnswerBody['services'][number] & Record<string, unknown>>;
  error: { code: string; message: string };
};

async function bodyOf(res: Response): Promise<AnyBody> {
  return (await res.json()) as AnyBody;
}
