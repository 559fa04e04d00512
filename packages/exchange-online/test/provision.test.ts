import { WELL_KNOWN_APPS, decodeJwt } from '@hma-lab/core';
import { ALICE, DAY_MS, EAS_URL, exchangesBetween, grantTypeOf, hybridLab } from './support.js';

describe('provisioning API (steps 16-19)', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  it('trades AT1 on-behalf-of for AT2 (aud https://mail.contoso.com), creates the cache and syncs', async () => {
    lab = hybridLab();
    const res = await lab.provision();
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      emailAddress: ALICE,
      accountType: 'Exchange (Hybrid)',
      state: 'ready',
      activeSyncUrl: EAS_URL,
      devices: [{ deviceId: 'phone1' }],
      unsupportedFeatures: ['draftsSync', 'sharedCalendars', 'calendarAttachments', 'tasks'],
    });
    expect(res.body.accountId).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.body.cloudCache.items).toBeGreaterThan(0);

    // Step 17: exactly the flow-map request, and AT2 for the on-prem namespace.
    const [obo] = exchangesBetween(lab.ctx, 'exo', 'entra').filter((e) => e.method === 'POST');
    expect(obo!.url).toBe(
      `https://login.microsoftonline.com/${lab.ctx.directory.tenant.id}/oauth2/token`,
    );
    const form = new URLSearchParams(obo!.requestBody!.text!);
    expect(Object.fromEntries(form)).toMatchObject({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      client_id: WELL_KNOWN_APPS.exchangeOnline,
      client_secret: '[redacted]',
      requested_token_use: 'on_behalf_of',
      resource: 'https://mail.contoso.com',
    });
    expect(obo!.status).toBe(200);
    const at2 = obo!.tokens.find((t) => t.name === 'access_token')!;
    expect(at2.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
      upn: ALICE,
    });

    // Step 18: the cache was created, once.
    const created = lab.ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'exo.cache.created');
    expect(created).toHaveLength(1);

    // Step 19: ActiveSync with AT2 as OutlookService, all answered 200.
    const eas = exchangesBetween(lab.ctx, 'exo', 'onprem-eas');
    const commands = eas.map((e) =>
      e.method === 'OPTIONS' ? 'OPTIONS' : /Cmd=(\w+)/.exec(e.url)?.[1],
    );
    expect(commands.slice(0, 4)).toEqual(['OPTIONS', 'Provision', 'Provision', 'FolderSync']);
    expect(commands).toEqual(expect.arrayContaining(['Sync', 'Settings']));
    for (const call of eas) {
      expect(call.status).toBe(200);
      expect(call.url).toMatch(/DeviceType=OutlookService/);
      const bearer = call.tokens.find((t) => t.where === 'request.header.authorization');
      expect(bearer?.claims?.aud).toBe('https://mail.contoso.com');
    }
    const completed = lab.ctx.trace
      .entries()
      .find((e) => e.kind === 'event' && e.action === 'exo.sync.completed');
    expect(completed).toMatchObject({
      data: { folders: expect.any(Number), items: expect.any(Number) },
    });
  });

  it('keeps four weeks of mail: none older than 28 days in the cache or the answers', async () => {
    lab = hybridLab();
    await lab.provision();
    const snapshot = lab.exo.cloudCache(ALICE)!;
    expect(snapshot.oldestMailMs).toBeGreaterThanOrEqual(lab.ctx.clock.now() - 28 * DAY_MS);
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', lab.at1());
    expect(messages.status).toBe(200);
    expect(messages.body.value.length).toBeGreaterThan(0);
    for (const m of messages.body.value) {
      expect(lab.ctx.clock.now() - Date.parse(m.receivedDateTime)).toBeLessThanOrEqual(28 * DAY_MS);
    }
    // On-prem holds older mail, which the cache must not hold.
    const onprem = lab.onprem.store.mailbox(ALICE)!;
    const onpremInbox = onprem.folderByRole('inbox')!;
    expect(onprem.items(onpremInbox.serverId).length).toBeGreaterThan(messages.body.value.length);
  });

  it('is idempotent per user and device: no second OBO, no second cache', async () => {
    lab = hybridLab();
    const first = await lab.provision();
    const again = await lab.provision();
    expect(again.status).toBe(200);
    expect(again.body.accountId).toBe(first.body.accountId);
    expect(again.body.devices).toHaveLength(1);
    const second = await lab.provision(lab.at1(), { deviceId: 'tablet2' });
    expect(second.body.devices.map((d: { deviceId: string }) => d.deviceId)).toEqual([
      'phone1',
      'tablet2',
    ]);
    const obos = exchangesBetween(lab.ctx, 'exo', 'entra').filter((e) =>
      grantTypeOf(e)?.includes('jwt-bearer'),
    );
    expect(obos).toHaveLength(1);
    expect(
      lab.ctx.trace.entries().filter((e) => e.kind === 'event' && e.action === 'exo.cache.created'),
    ).toHaveLength(1);
    expect(lab.exo.accounts()).toHaveLength(1);
  });

  it('answers an expired AT1, or one of the wrong audience or client, with 401 and a Bearer challenge', async () => {
    lab = hybridLab();
    const expired = lab.at1();
    await lab.ctx.clock.advance('2h');
    const cases: Array<[string, string]> = [
      [expired, '2000002'],
      [lab.at1(ALICE, { aud: 'https://mail.contoso.com' }), '2000003'],
      [lab.at1(ALICE, { appid: WELL_KNOWN_APPS.labWebApp }), '2000008'],
      ['not-a-jwt', '2000001'],
      [lab.at1().slice(0, -4) + 'AAAA', '2000000'],
    ];
    for (const [token, code] of cases) {
      const res = await lab.provision(token);
      expect(res.status).toBe(401);
      expect(res.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', step: 16 });
      expect(res.headers.get('x-ms-diagnostics')).toMatch(new RegExp(`^${code};reason="`));
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge).toContain(
        'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize"',
      );
      expect(challenge).toContain('error="invalid_token"');
    }
    const none = await lab.provision('');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).not.toContain('error=');
    expect(
      exchangesBetween(lab.ctx, 'exo', 'entra').filter((e) => e.method === 'POST'),
    ).toHaveLength(0);
    expect(lab.exo.accounts()).toHaveLength(0);
  });

  it('surfaces an on-behalf-of failure with its AADSTS code (MFA not satisfied: 50076)', async () => {
    lab = hybridLab();
    const res = await lab.provision(lab.at1(ALICE, { amr: ['pwd', 'fed'] }));
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'OboFailed',
      step: 17,
      aadsts: 50076,
      aadError: 'interaction_required',
    });
    expect(res.body.error.message).toMatch(/AADSTS50076/);
    expect(lab.exo.accounts()).toHaveLength(0);
    expect(lab.exo.cloudCache(ALICE)).toBeUndefined();
  });

  it('refuses the Exchange 2010 mailbox with a failure the device can show', async () => {
    lab = hybridLab();
    const res = await lab.provision(lab.at1('carol@contoso.com'), {
      emailAddress: 'carol@contoso.com',
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'ExchangeVersionNotSupported',
      step: 16,
      exchangeVersion: '2010',
    });
    expect(res.body.error.message).toMatch(
      /Exchange 2010, which cannot use Hybrid Modern Authentication/,
    );
  });

  it('validates the body and the address', async () => {
    lab = hybridLab();
    const bad = await lab.provision(lab.at1(), { activeSyncUrl: 'http://mail.contoso.com/x' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'InvalidRequest', field: 'activeSyncUrl' });
    const noDevice = await lab.provision(lab.at1(), { deviceId: '' });
    expect(noDevice.body.error.field).toBe('deviceId');
    const other = await lab.provision(lab.at1(), { emailAddress: 'dave@fabrikam.com' });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('EmailAddressMismatch');
    const bob = await lab.provision(lab.at1('bob@contoso.com'), {
      emailAddress: 'bob@contoso.com',
    });
    expect(bob.status).toBe(409);
    const garbage = await lab.device('https://outlook.office365.com/api/hma/v1/provision', {
      method: 'POST',
      headers: { authorization: `Bearer ${lab.at1()}`, 'content-type': 'application/json' },
      body: '{not json',
    });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: { code: string } }).error.code).toBe(
      'InvalidRequest',
    );
  });

  it('heeds a Retry-After of at most a day, however long the server asks for', async () => {
    lab = hybridLab();
    expect((await lab.provision()).status).toBe(200);
    // A server (not the lab's, whose eas-503 fault is bounded) asking for 300,000 years.
    lab.ctx.mount('onprem-eas', (_req, res) => {
      res.statusCode = 503;
      res.setHeader('Retry-After', '10000000000000');
      res.end();
    });
    await lab.ctx.clock.advance('31m');
    const next = Date.parse(lab.exo.account(ALICE)!.cloudCache!.nextSyncDateTime!);
    expect(next - lab.ctx.clock.now()).toBe(DAY_MS - 60_000);
    const view = await lab.call('GET', '/api/hma/v1/account', lab.at1());
    expect(view.status).toBe(200);
    expect(view.body.cloudCache.nextSyncDateTime).toBe(new Date(next).toISOString());
    const lastSync = view.body.cloudCache.lastSyncDateTime;
    lab.ctx.mount('onprem-eas', lab.onprem.app);
    await lab.ctx.clock.advance('1d');
    const after = lab.exo.account(ALICE)!;
    expect(after.state).toBe('ready');
    expect(Date.parse(after.cloudCache!.lastSyncDateTime!)).toBeGreaterThan(Date.parse(lastSync));
  });

  it('answers 502 when on-prem cannot be reached, then retries with backoff on the clock', async () => {
    lab = hybridLab({ retryInitialDelay: '1m', retryMaxDelay: '1h' });
    lab.ctx.faults.on('eas-503', { retryAfterS: 0 });
    const res = await lab.provision();
    expect(res.status).toBe(502);
    expect(res.body.error).toMatchObject({ code: 'OnPremisesUnavailable', step: 19 });
    expect(lab.exo.account(ALICE)!.state).toBe('pending');
    await lab.ctx.clock.advance('1m');
    await lab.ctx.clock.advance('2m');
    const retries = lab.ctx.trace
      .entries()
      .filter((e) => e.kind === 'event' && e.action === 'exo.sync.retry-scheduled')
      .map((e) => (e.kind === 'event' ? e.data?.delayMs : undefined));
    expect(retries).toEqual([60_000, 120_000, 240_000]);
    lab.ctx.faults.off('eas-503');
    await lab.ctx.clock.advance('4m');
    expect(lab.exo.account(ALICE)!.state).toBe('ready');
    const again = await lab.provision();
    expect(again.status).toBe(200);
    expect(again.body.state).toBe('ready');
  });

  it('treats an unreachable on-prem server like a 503: 502 now, retries until it is back', async () => {
    lab = hybridLab();
    const app = lab.onprem.app;
    lab.ctx.mount('onprem-eas', undefined as unknown as typeof app); // nothing listens
    const res = await lab.provision();
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('OnPremisesUnavailable');
    expect(res.body.error.message).toMatch(/ECONNREFUSED/);
    lab.ctx.mount('onprem-eas', app);
    await lab.ctx.clock.advance('1m');
    expect(lab.exo.account(ALICE)).toMatchObject({ state: 'ready' });
    expect(lab.exo.account(ALICE)!.error).toBeUndefined();
  });

  it('reports on-prem refusing AT2 (fault ssl-offload) and the device (fault device-blocked)', async () => {
    lab = hybridLab();
    lab.ctx.faults.on('ssl-offload');
    const refused = await lab.provision();
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'OnPremisesRejectedToken', step: 19 });
    expect(refused.body.error.diagnostics).toMatch(/^2000003;/);
    expect(lab.exo.account(ALICE)!.state).toBe('failed');
    lab.ctx.faults.off('ssl-offload');
    lab.ctx.faults.on('device-blocked');
    const blocked = await lab.provision();
    expect(blocked.status).toBe(403);
    expect(blocked.body.error).toMatchObject({ code: 'DeviceBlockedOnPremises', step: 19 });
    lab.ctx.faults.off('device-blocked');
    const fine = await lab.provision();
    expect(fine.body.state).toBe('ready');
  });

  it('decodes nothing it should not: AT2 never reaches the device', async () => {
    lab = hybridLab();
    const res = await lab.provision();
    expect(JSON.stringify(res.body)).not.toMatch(/eyJ/);
    expect(decodeJwt(lab.at1())?.claims.aud).toBe('https://outlook.office365.com');
  });
});
