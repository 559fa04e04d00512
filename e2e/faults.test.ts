import { FAULT_CATALOGUE, faultDefinition, type TraceExchange } from '@hma-lab/core';
import { createLab, type FlowRun, type Lab } from '@hma-lab/lab';

/**
 * Every fault of the catalogue (docs/faults.md), switched on in a fresh lab,
 * shows the symptom the catalogue documents; when it stops flow A, it stops at
 * the catalogue's step.
 */
type Check = (lab: Lab) => Promise<void>;

const exchanges = (run: FlowRun): TraceExchange[] =>
  run.entries.filter((e): e is TraceExchange => e.kind === 'exchange');
const header = (e: TraceExchange, name: string): string =>
  [e.responseHeaders[name] ?? ''].flat().join(', ');

async function stopsAt(lab: Lab, fault: string, reason: RegExp): Promise<FlowRun> {
  const run = await lab.runFlow('alice@contoso.com');
  expect(run.ok).toBe(false);
  expect(run.error?.step).toBe(faultDefinition(fault)!.step);
  expect(run.error?.reason).toMatch(reason);
  return run;
}

const isRenewal = (e: TraceExchange) =>
  e.from === 'exo' &&
  e.to === 'entra' &&
  /grant_type=refresh_token/.test(e.requestBody?.text ?? '');

async function provisionThenAdvance(lab: Lab, by: string): Promise<TraceExchange[]> {
  expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
  const start = lab.trace.exchanges().length;
  await lab.clock.advance(by);
  return lab.trace.exchanges().slice(start);
}

const CHECKS: Record<string, { params?: Record<string, unknown>; after?: boolean; check: Check }> =
  {
    'missing-authorization-uri': {
      async check(lab) {
        const run = await stopsAt(lab, 'missing-authorization-uri', /no-authorization-uri/);
        const probe = exchanges(run).find((e) => e.to === 'onprem-eas')!;
        expect(probe.status).toBe(401);
        expect(header(probe, 'www-authenticate')).not.toContain('authorization_uri');
      },
    },
    'autodiscover-redirect-loop': {
      async check(lab) {
        const run = await stopsAt(lab, 'autodiscover-redirect-loop', /no-account-found/);
        const back = exchanges(run).find((e) => e.to === 'onprem-autodiscover')!;
        expect(back.status).toBe(302);
        expect(header(back, 'location')).toMatch(/^https:\/\/outlook\.office365\.com\//);
        expect(
          exchanges(run).some(
            (e) => e.to === 'exo' && e.responseBody?.text?.includes('RedirectLoopDetected'),
          ),
        ).toBe(true);
      },
    },
    'redirect-count-exhausted': {
      async check(lab) {
        const run = await stopsAt(lab, 'redirect-count-exhausted', /no-account-found/);
        expect(
          exchanges(run).some(
            (e) =>
              e.to === 'exo' &&
              e.status === 400 &&
              e.responseBody?.text?.includes('RedirectCountExceeded'),
          ),
        ).toBe(true);
      },
    },
    'autodetect-202': {
      async check(lab) {
        const run = await stopsAt(lab, 'autodetect-202', /autodetect-failed/);
        expect(
          exchanges(run)
            .filter((e) => e.to === 'autodetect')
            .map((e) => e.status),
        ).toEqual([202, 202, 202]);
      },
    },
    'autodetect-204': {
      async check(lab) {
        await stopsAt(lab, 'autodetect-204', /no-account-found/);
      },
    },
    'autodetect-503': {
      async check(lab) {
        const run = await stopsAt(lab, 'autodetect-503', /autodetect-failed/);
        expect(run.error?.detail?.status).toBe(503);
      },
    },
    'autodiscover-timeout': {
      async check(lab) {
        const run = await stopsAt(lab, 'autodiscover-timeout', /no-account-found/);
        const answer = exchanges(run).find((e) => e.to === 'autodetect')!;
        expect(header(answer, 'x-autodv2-error')).toBe('Timeout');
      },
    },
    'firewall-blocks-autodetect': {
      async check(lab) {
        const run = await stopsAt(lab, 'firewall-blocks-autodetect', /no-account-found/);
        const dropped = exchanges(run).find((e) => e.to === 'onprem-autodiscover')!;
        expect(dropped).toMatchObject({ from: 'autodetect', status: 0 });
        expect(dropped.error).toMatch(/UND_ERR_CONNECT_TIMEOUT/);
        expect(exchanges(run).some((e) => e.to === 'onprem-eas')).toBe(false);
        // Exchange Online's own address ranges are still let in.
        const exo = await lab.fetchAs('exo')(
          'https://mail.contoso.com/Microsoft-Server-ActiveSync',
          {
            method: 'OPTIONS',
          },
        );
        expect(exo.status).toBe(401);
        // Nothing was cached from the dropped attempt: once the firewall opens, AutoDetect finds the account.
        lab.faults.off('firewall-blocks-autodetect');
        expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
      },
    },
    'firewall-blocks-exchange-online': {
      async check(lab) {
        const run = await stopsAt(lab, 'firewall-blocks-exchange-online', /OnPremisesUnavailable/);
        const toOnPrem = exchanges(run).filter((e) => e.to === 'onprem-eas');
        // AutoDetect's probe got its challenge; Exchange Online's first call never got an answer.
        expect(toOnPrem.map((e) => [e.from, e.status])).toEqual([
          ['autodetect', 401],
          ['exo', 0],
        ]);
        expect(toOnPrem[1]!.error).toMatch(/UND_ERR_CONNECT_TIMEOUT/);
        expect(
          run.entries.some((e) => e.kind === 'event' && e.action === 'network.connection.dropped'),
        ).toBe(true);
        // The firewall opened: the retry Exchange Online scheduled gets through.
        lab.faults.off('firewall-blocks-exchange-online');
        await lab.clock.advance('1m');
        expect(lab.service<{ accounts(): Array<{ state: string }> }>('exo').accounts()).toEqual([
          expect.objectContaining({ state: 'ready' }),
        ]);
      },
    },
    'onprem-outbound-blocked': {
      async check(lab) {
        const run = await stopsAt(lab, 'onprem-outbound-blocked', /OnPremisesRejectedToken/);
        const keys = exchanges(run).find((e) => e.from === 'onprem-eas' && e.to === 'entra')!;
        expect(keys).toMatchObject({ status: 0 });
        expect(keys.url).toMatch(/\/discovery\/keys$/);
        const refused = exchanges(run).find((e) => e.from === 'exo' && e.to === 'onprem-eas')!;
        expect(refused.status).toBe(401);
        expect(header(refused, 'x-ms-diagnostics')).toMatch(/^2000000;.*could not be retrieved/);
        const dropped = run.entries.find(
          (e) => e.kind === 'event' && e.action === 'network.connection.dropped',
        );
        expect(dropped).toMatchObject({ party: 'onprem-eas', data: { from: 'onprem-eas' } });

        // Keys fetched while the way out was open keep working when it closes...
        lab.faults.off('onprem-outbound-blocked');
        expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
        lab.faults.on('onprem-outbound-blocked');
        expect((await lab.runFlow('dave@fabrikam.com')).ok).toBe(true);
        // ...through a rotation to the key Entra had announced with them, but not
        // past the next one, which on-premises never saw: that AT2 is refused.
        const entra = lab.service<{ rotateSigningKey(): unknown }>('entra');
        entra.rotateSigningKey();
        await lab.clock.advance('1h');
        expect(
          lab
            .service<{ account(upn: string): { state: string } | undefined }>('exo')
            .account('alice@contoso.com')?.state,
        ).toBe('ready');
        entra.rotateSigningKey();
        await lab.clock.advance('1h');
        const exo = lab.service<{
          account(upn: string): { state: string; error?: { code: string } } | undefined;
        }>('exo');
        expect(exo.account('alice@contoso.com')).toMatchObject({
          state: 'failed',
          error: { code: 'OnPremisesRejectedToken' },
        });
      },
    },
    'onprem-clock-skew': {
      async check(lab) {
        const run = await stopsAt(lab, 'onprem-clock-skew', /OnPremisesRejectedToken/);
        const refused = exchanges(run).find((e) => e.from === 'exo' && e.to === 'onprem-eas')!;
        expect(refused.status).toBe(401);
        // Ten minutes behind: the token's lifetime starts after the server's "now".
        const diagnostics = header(refused, 'x-ms-diagnostics');
        expect(diagnostics).toMatch(/^2000002;reason="The token has expired\./);
        const now = Date.parse(/Current time: '([^']+)'/.exec(diagnostics)![1]!);
        expect(now).toBe(lab.clock.now() - 10 * 60_000);
        // Within the five minutes of skew the server allows, AT2 is taken again.
        lab.faults.on('onprem-clock-skew', { offsetMinutes: -4 });
        expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
      },
    },
    'preauth-proxy-autodiscover': {
      async check(lab) {
        const run = await stopsAt(lab, 'preauth-proxy-autodiscover', /no-account-found/);
        const proxy = exchanges(run).find((e) => e.to === 'onprem-autodiscover')!;
        expect(proxy.status).toBe(302);
        const signIn = new URL(header(proxy, 'location'));
        expect(signIn.origin).toBe('https://sts.contoso.com');
        expect(signIn.pathname).toBe('/adfs/ls/');
        expect(signIn.searchParams.get('returnUrl')).toBe(proxy.url);
        // Exchange never saw the request: the answer carries none of its headers.
        expect(proxy.responseHeaders['x-feserver']).toBeUndefined();
        const followed = exchanges(run).find((e) => e.from === 'autodetect' && e.to === 'wap')!;
        expect(followed.url).toBe(signIn.href);
        expect(exchanges(run).some((e) => e.to === 'onprem-eas')).toBe(false);
        lab.faults.off('preauth-proxy-autodiscover');
        const direct = await lab.fetchAs('autodetect')(proxy.url);
        expect(direct.status).toBe(200);
        expect(direct.headers.get('x-feserver')).toBe('EX19');
      },
    },
    'ssl-offload': {
      async check(lab) {
        const run = await stopsAt(lab, 'ssl-offload', /OnPremisesRejectedToken/);
        const refused = exchanges(run).find((e) => e.from === 'exo' && e.to === 'onprem-eas')!;
        expect(refused.status).toBe(401);
        expect(header(refused, 'x-ms-diagnostics')).toMatch(
          /^2000003;.*Expected 'https:\/\/mail\.contoso\.com'\. Actual 'http:\/\/mail\.contoso\.com'/,
        );
      },
    },
    'preauth-proxy': {
      async check(lab) {
        const run = await stopsAt(lab, 'preauth-proxy', /OnPremisesRejectedToken/);
        const refused = exchanges(run).find((e) => e.from === 'exo' && e.to === 'onprem-eas')!;
        expect(refused.requestHeaders.authorization).toMatch(/^Bearer ey/); // sent by exo...
        expect(refused.status).toBe(401); // ...but never seen by Exchange: the anonymous challenge
        expect(header(refused, 'www-authenticate')).not.toContain('invalid_token');
      },
    },
    'at2-expiring-mid-sync': {
      params: { lifetimeS: 60 },
      async check(lab) {
        const later = await provisionThenAdvance(lab, '10m');
        const renewals = later.filter(isRenewal);
        expect(renewals.length).toBeGreaterThanOrEqual(5); // a one-minute AT2 renewed again and again
        expect(renewals.every((e) => e.status === 200)).toBe(true);
        expect(later.filter((e) => e.to === 'onprem-eas').every((e) => e.status === 200)).toBe(
          true,
        );
      },
    },
    'rt2-revoked': {
      after: true,
      async check(lab) {
        const later = await provisionThenAdvance(lab, '2h');
        const refused = later.filter(isRenewal);
        expect(refused[0]!.status).toBe(400);
        expect(refused[0]!.responseBody?.text).toContain('AADSTS50173');
        expect(
          lab
            .service<{ account(upn: string): { state: string } }>('exo')
            .account('alice@contoso.com').state,
        ).toBe('signInRequired');
      },
    },
    'onprem-spns-missing': {
      async check(lab) {
        const run = await stopsAt(lab, 'onprem-spns-missing', /OboFailed/);
        const tokens = exchanges(run).filter(
          (e) => e.to === 'entra' && /\/oauth2\/token$/.test(e.url),
        );
        // AT1 (audience Exchange Online) is issued; AT2 for the on-premises namespace is not.
        expect(tokens.map((e) => [e.from, e.status])).toEqual([
          ['device', 200],
          ['exo', 400],
        ]);
        expect(JSON.parse(tokens[1]!.responseBody!.text!)).toMatchObject({
          error: 'invalid_resource',
          error_codes: [500011],
        });
        expect(JSON.stringify(run.error?.detail)).toContain('https://mail.contoso.com');
        expect(exchanges(run).some((e) => e.from === 'exo' && e.to === 'onprem-eas')).toBe(false);
      },
    },
    'obo-interaction-required': {
      async check(lab) {
        const run = await stopsAt(lab, 'obo-interaction-required', /OboFailed/);
        const obo = exchanges(run).find((e) => e.from === 'exo' && /\/oauth2\/token$/.test(e.url))!;
        const body = JSON.parse(obo.responseBody!.text!) as {
          error: string;
          error_codes: number[];
          claims: string;
        };
        expect(body).toMatchObject({ error: 'interaction_required', error_codes: [50076] });
        expect(JSON.parse(body.claims)).toHaveProperty('access_token');
        expect(JSON.stringify(run.error?.detail)).toContain('50076');
      },
    },
    'entra-slow': {
      params: { delayMs: 60 },
      async check(lab) {
        const run = await lab.runFlow('alice@contoso.com');
        expect(run.ok).toBe(true);
        const entra = exchanges(run).filter((e) => e.to === 'entra');
        expect(entra.every((e) => e.durationMs >= 55)).toBe(true);
      },
    },
    'entra-503': {
      params: { retryAfterS: 7 },
      async check(lab) {
        const run = await stopsAt(lab, 'entra-503', /token-error/);
        const token = exchanges(run).find(
          (e) => e.from === 'device' && /\/oauth2\/token$/.test(e.url),
        )!;
        expect(token.status).toBe(503);
        expect(header(token, 'retry-after')).toBe('7');
        expect(token.responseBody?.text).toContain('"error":"temporarily_unavailable"');
      },
    },
    'eas-503': {
      after: true,
      params: { retryAfterS: 120 },
      async check(lab) {
        const later = await provisionThenAdvance(lab, '1h');
        const unavailable = later.filter((e) => e.to === 'onprem-eas' && e.status === 503);
        expect(unavailable.length).toBeGreaterThan(0);
        expect(header(unavailable[0]!, 'retry-after')).toBe('120');
        // Back online: Exchange Online's retries get through.
        lab.faults.off('eas-503');
        const start = lab.trace.exchanges().length;
        await lab.clock.advance('1h');
        expect(
          lab.trace
            .exchanges()
            .slice(start)
            .some((e) => e.to === 'onprem-eas' && e.status === 200),
        ).toBe(true);
      },
    },
    'device-blocked': {
      async check(lab) {
        const run = await stopsAt(lab, 'device-blocked', /DeviceBlocked/);
        expect(run.error?.message).toContain('Status 129');
      },
    },
    'device-quarantined': {
      async check(lab) {
        const run = await lab.runFlow('alice@contoso.com');
        expect(run.ok).toBe(true);
        const subjects = (
          run.result as unknown as { messages: Array<{ subject: string }> }
        ).messages.map((m) => m.subject);
        expect(subjects).toHaveLength(1); // only Exchange's quarantine notice until an administrator allows the device
        expect(subjects[0]).toMatch(/temporarily blocked from synchronizing/i);
      },
    },
    'exchange-2010-mailbox': {
      async check(lab) {
        const run = await stopsAt(lab, 'exchange-2010-mailbox', /OnPremisesRejectedToken/);
        const refused = exchanges(run).find((e) => e.from === 'exo' && e.to === 'onprem-eas')!;
        expect(header(refused, 'x-ms-diagnostics')).toMatch(/^2000005;.*Exchange 2010/);
      },
    },
    'signing-key-rotation': {
      params: { after: '30m' },
      async check(lab) {
        const before = lab.keys.entra.active().kid;
        const later = await provisionThenAdvance(lab, '2h');
        const after = lab.keys.entra.active().kid;
        expect(after).not.toBe(before);
        const renewed = later
          .filter(isRenewal)
          .map((e) => e.tokens.find((t) => t.name === 'access_token')!);
        const newKid = renewed.filter((t) => t.header?.kid === after);
        expect(newKid.length).toBeGreaterThan(0);
        // On-premises Exchange refetched the JWKS and accepts tokens signed with the new key.
        const used = later.filter(
          (e) => e.to === 'onprem-eas' && e.tokens.some((t) => t.header?.kid === after),
        );
        expect(used.length).toBeGreaterThan(0);
        expect(used.every((e) => e.status === 200)).toBe(true);
      },
    },
  };

describe('the fault catalogue', () => {
  it('every fault of the catalogue has a symptom test here', () => {
    expect(Object.keys(CHECKS).sort()).toEqual(FAULT_CATALOGUE.map((f) => f.name).sort());
  });

  describe.each(FAULT_CATALOGUE.map((f) => [f.name, f] as const))('%s', (name, fault) => {
    it(`shows its symptom: ${fault.symptom.slice(0, 90)}…`, async () => {
      const spec = CHECKS[name]!;
      const lab = await createLab({ mode: 'in-process', log: () => {} });
      try {
        if (spec.after) {
          // Faults that strike an account already set up: switched on after provisioning.
          const original = lab.runFlow.bind(lab);
          lab.runFlow = async (...args) => {
            const run = await original(...args);
            lab.faults.on(name, spec.params ?? {});
            return run;
          };
        } else {
          lab.faults.on(name, spec.params ?? {});
        }
        await spec.check(lab);
      } finally {
        await lab.close();
      }
    });
  });
});
