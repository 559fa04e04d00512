import { createTestContext } from '@hma-lab/core';
import { createOnpremActiveSync, createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import { createExchangeOnline } from '@hma-lab/exchange-online';
import { createAutodetect } from '@hma-lab/autodetect';

const DETECT =
  'https://prod-autodetect.outlookmobile.com/detect?services=office365,outlook,google,icloud,yahoo&protocols=rest-cloud,rest-outlook,rest-office365,eas,imap,smtp';

/** AutoDetect against the real Exchange Online and on-prem parties of the lab. */
function lab() {
  const ctx = createTestContext();
  const exo = createExchangeOnline(ctx.depsFor('exo'));
  const onprem = createOnpremActiveSync(ctx.depsFor('onprem-eas'));
  const autodetect = createAutodetect(ctx.depsFor('autodetect'));
  ctx.mount('exo', exo.app);
  ctx.mount('onprem-eas', onprem.app);
  ctx.mount(
    'onprem-autodiscover',
    createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover')).app,
  );
  ctx.mount('autodetect', autodetect.app);
  const ask = async (email: string) => {
    const res = await ctx.fetchFor('device')(DETECT, { headers: { 'x-email': email } });
    const text = await res.text();
    return { res, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  };
  const close = async () => {
    await autodetect.close();
    await exo.close();
    await onprem.close();
  };
  return { ctx, ask, close, autodetect };
}

describe('AutoDetect with the real Exchange Online and on-prem Exchange', () => {
  let l: ReturnType<typeof lab>;
  afterEach(() => l?.close());

  it('answers the flow-map JSON for alice (steps 1-6)', async () => {
    l = lab();
    const { res, body } = await l.ask('alice@contoso.com');
    expect(res.status).toBe(200);
    expect(body).toEqual({
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
    });
    expect(l.ctx.trace.exchanges().map((e) => [e.from, e.to, e.status])).toEqual([
      ['autodetect', 'exo', 302],
      ['autodetect', 'onprem-autodiscover', 200],
      ['autodetect', 'onprem-eas', 401],
      ['device', 'autodetect', 200],
    ]);
  });

  it('answers bob as a cloud account after probing Exchange Online ActiveSync (flow B steps 1-5)', async () => {
    l = lab();
    const { res, body } = await l.ask('bob@contoso.com');
    expect(res.status).toBe(200);
    expect(body!.services).toEqual([
      {
        service: 'office365',
        protocol: 'rest',
        hostname: 'outlook.office.com',
        aad: 'https://login.microsoftonline.com/common/oauth2/authorize',
      },
    ]);
    expect(l.ctx.trace.exchanges().map((e) => [e.from, e.to, e.status])).toEqual([
      ['autodetect', 'exo', 200],
      ['autodetect', 'exo', 401],
      ['device', 'autodetect', 200],
    ]);
  });

  it('falls back to basic EAS when on-prem HMA is off (fault missing-authorization-uri)', async () => {
    l = lab();
    l.ctx.faults.on('missing-authorization-uri');
    const { res, body } = await l.ask('dave@fabrikam.com');
    expect(res.status).toBe(200);
    expect(body).toMatchObject({
      services: [],
      protocols: [{ protocol: 'eas', service: 'exchange', hostname: 'mail.contoso.com' }],
    });
    expect((body!.protocols as Array<Record<string, unknown>>)[0]).not.toHaveProperty('aad');
  });

  it('answers 204 with X-AutoDv2-Error when Exchange Online detects a redirect loop', async () => {
    l = lab();
    l.ctx.faults.on('autodiscover-redirect-loop');
    const { res } = await l.ask('alice@contoso.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBe('RedirectLoopDetected');
    const last = l.ctx.trace
      .exchanges()
      .filter((e) => e.from === 'autodetect')
      .at(-1)!;
    expect([last.to, last.status]).toEqual(['exo', 400]);
    expect(last.responseBody?.text).toContain('RedirectLoopDetected');
    expect(l.ctx.trace.exchanges().filter((e) => e.from === 'autodetect').length).toBeLessThan(6);
  });

  it('answers 204 with X-AutoDv2-Error when RedirectCount is exhausted (fault redirect-count-exhausted)', async () => {
    l = lab();
    l.ctx.faults.on('redirect-count-exhausted');
    const { res } = await l.ask('alice@contoso.com');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBe('RedirectCountExceeded');
  });

  it('answers 204 for an address no one hosts', async () => {
    l = lab();
    const { res } = await l.ask('nobody@unknown-domain.example');
    expect(res.status).toBe(204);
    expect(res.headers.get('x-autodv2-error')).toBeNull();
    expect(l.ctx.trace.exchanges().map((e) => [e.from, e.to, e.status])).toEqual([
      ['autodetect', 'exo', 302],
      ['autodetect', 'exo', 404],
      ['device', 'autodetect', 204],
    ]);
  });
});
