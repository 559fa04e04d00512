import type { TraceEvent } from '@hma-lab/core';
import { ALICE, DAY_MS, exchangesBetween, grantTypeOf, hybridLab } from './support.js';

const events = (lab: ReturnType<typeof hybridLab>, action: string): TraceEvent[] =>
  lab.ctx.trace.entries().filter((e): e is TraceEvent => e.kind === 'event' && e.action === action);

describe('background sync engine (step 19 after provisioning)', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  it("brings mail's Cc and files from on-premises into the cache; the device's REST view shows them", async () => {
    lab = hybridLab({ syncInterval: '30m' });
    await lab.provision();
    lab.onprem.deliver(ALICE, {
      subject: 'Copied',
      from: 'megan@contoso.com',
      bodyText: 'x',
      cc: [{ name: 'Carol Diaz', email: 'carol@contoso.com' }],
      attachments: [{ name: 'agenda.txt', content: '1. numbers' }],
    });
    await lab.ctx.clock.advance('30m');
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', lab.at1());
    const copied = messages.body.value.find((m: { subject: string }) => m.subject === 'Copied');
    expect(copied.ccRecipients).toEqual([{ name: 'Carol Diaz', address: 'carol@contoso.com' }]);
    expect(copied.hasAttachments).toBe(true);
    const plain = messages.body.value.find((m: { subject: string }) => m.subject !== 'Copied');
    expect(plain).not.toHaveProperty('ccRecipients');
    expect(plain.hasAttachments).toBe(false);
    expect(plain).not.toHaveProperty('flag');
    // A flag and categories a device set on-premises reach the REST view with the next sync.
    const stored = lab.onprem.store.mailbox(ALICE)!;
    stored.changeItem(copied.id, (it) => {
      if (it.data.kind !== 'mail') return;
      it.data.flagStatus = 2;
      it.data.categories = ['Red', 'Blue'];
    });
    await lab.ctx.clock.advance('30m');
    const again = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', lab.at1());
    expect(again.body.value.find((m: { id: string }) => m.id === copied.id)).toMatchObject({
      flag: { flagStatus: 'flagged' },
      categories: ['Red', 'Blue'],
    });
  });

  it("lists a cached message's files and fetches one from on-premises with AT2 when the device asks", async () => {
    lab = hybridLab({ syncInterval: '30m' });
    await lab.provision();
    const pdf = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x2d, 0x31, 0x2e, 0x37, 0x00, 0xff]);
    lab.onprem.deliver(ALICE, {
      subject: 'With files',
      from: 'megan@contoso.com',
      bodyText: 'see attached',
      attachments: [
        { name: 'agenda.txt', content: '1. numbers' },
        { name: 'report.pdf', contentType: 'application/pdf', content: pdf },
      ],
    });
    await lab.ctx.clock.advance('30m');
    const at1 = lab.at1();
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', at1);
    const mail = messages.body.value.find((m: { subject: string }) => m.subject === 'With files');
    const base = `/api/hma/v1/mailbox/messages/${encodeURIComponent(mail.id)}/attachments`;
    const list = await lab.call('GET', base, at1);
    expect(list.status).toBe(200);
    expect(list.body.value).toEqual([
      { id: '0', name: 'agenda.txt', contentType: 'text/plain', size: 10, isInline: false },
      { id: '1', name: 'report.pdf', contentType: 'application/pdf', size: 10, isInline: false },
    ]);
    const fetchesBefore = exchangesBetween(lab.ctx, 'exo', 'onprem-eas').length;
    const file = await lab.call('GET', `${base}/1`, at1);
    expect(file.status).toBe(200);
    expect(file.body).toEqual({
      id: '1',
      name: 'report.pdf',
      contentType: 'application/pdf',
      size: 10,
      isInline: false,
      contentBytes: pdf.toString('base64'),
    });
    // Fetched from on-premises (ItemOperations with AT2), not kept in the cache.
    const fetches = exchangesBetween(lab.ctx, 'exo', 'onprem-eas').slice(fetchesBefore);
    expect(fetches.map((e) => new URL(e.url).searchParams.get('Cmd'))).toEqual(['ItemOperations']);
    expect(fetches[0]!.requestHeaders?.['authorization']).toMatch(/^Bearer /);
    expect(events(lab, 'exo.attachment.fetched')).toHaveLength(1);
    expect(
      Buffer.from((await lab.call('GET', `${base}/0`, at1)).body.contentBytes, 'base64').toString(),
    ).toBe('1. numbers');
    // What the message does not list, or a message the cache does not hold.
    for (const path of [`${base}/2`, `${base}/-1`, `${base}/x`, `${base}/01`]) {
      expect(await lab.call('GET', path, at1)).toMatchObject({
        status: 404,
        body: { error: { code: 'AttachmentNotFound' } },
      });
    }
    expect(
      await lab.call('GET', '/api/hma/v1/mailbox/messages/nosuch/attachments', at1),
    ).toMatchObject({ status: 404, body: { error: { code: 'MessageNotFound' } } });
    // Deleted on-premises since the last sync: on-premises answers Status 15.
    lab.onprem.store.mailbox(ALICE)!.deleteItem(mail.id);
    expect(await lab.call('GET', `${base}/0`, at1)).toMatchObject({
      status: 404,
      body: { error: { code: 'AttachmentNotFound' } },
    });
  });

  it('renews AT2 with RT2 before it expires for 24 hours; every new AT2 is accepted on-prem; new mail arrives', async () => {
    lab = hybridLab({ syncInterval: '30m', tokenRefreshLead: '5m' });
    await lab.provision();
    const provisionedAt = lab.ctx.clock.now();
    lab.onprem.deliver(ALICE, {
      subject: 'Delivered while nobody looked',
      from: 'megan@contoso.com',
      bodyText: 'new mail on-prem',
    });
    await lab.ctx.clock.advance('12h');
    lab.onprem.deliver(ALICE, {
      subject: 'Second delivery',
      from: 'megan@contoso.com',
      bodyText: 'x',
    });
    await lab.ctx.clock.advance('12h');

    const refreshes = exchangesBetween(lab.ctx, 'exo', 'entra').filter(
      (e) => grantTypeOf(e) === 'refresh_token',
    );
    // AT2 lives 1 h and is renewed 5 min before it expires: about 26 renewals in 24 h.
    expect(refreshes.length).toBeGreaterThanOrEqual(24);
    for (const r of refreshes) {
      expect(r.status).toBe(200);
      const form = new URLSearchParams(r.requestBody!.text!);
      expect(form.get('client_id')).toBe('00000002-0000-0ff1-ce00-000000000000');
      expect(form.get('resource')).toBe('https://mail.contoso.com');
    }
    // Renewed before expiry: each renewal happens while the previous AT2 is still valid.
    const at2s = exchangesBetween(lab.ctx, 'exo', 'entra')
      .filter((e) => e.status === 200 && e.method === 'POST')
      .map((e) => ({ at: e.atMs, token: e.tokens.find((t) => t.name === 'access_token')! }));
    for (let i = 1; i < at2s.length; i++) {
      const previousExp = Number(at2s[i - 1]!.token.claims!.exp) * 1000;
      expect(at2s[i]!.at).toBeLessThan(previousExp);
      expect(at2s[i]!.at).toBeGreaterThanOrEqual(previousExp - 5 * 60_000);
    }
    // Every AT2 that was renewed was then used on-prem and accepted.
    const easCalls = exchangesBetween(lab.ctx, 'exo', 'onprem-eas').filter(
      (e) => e.atMs > provisionedAt,
    );
    expect(easCalls.length).toBeGreaterThan(40);
    expect(easCalls.every((e) => e.status === 200)).toBe(true);
    const usedTokens = new Set(
      easCalls.map((e) => e.tokens.find((t) => t.where === 'request.header.authorization')!.raw),
    );
    const renewed = at2s.slice(1, -1).map((a) => a.token.raw);
    for (const token of renewed) expect(usedTokens.has(token)).toBe(true);

    // The device (with a fresh AT1) sees the mail delivered on-prem meanwhile.
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', lab.at1());
    const subjects = messages.body.value.map((m: { subject: string }) => m.subject);
    expect(subjects).toEqual(
      expect.arrayContaining(['Delivered while nobody looked', 'Second delivery']),
    );
    for (const m of messages.body.value) {
      expect(lab.ctx.clock.now() - Date.parse(m.receivedDateTime)).toBeLessThanOrEqual(28 * DAY_MS);
    }
    expect(lab.exo.account(ALICE)).toMatchObject({ state: 'ready' });
    expect(events(lab, 'exo.sync.completed').length).toBeGreaterThanOrEqual(48);
  });

  it('moves the account to "sign in again" when RT2 is refused after a password change (AADSTS50173)', async () => {
    lab = hybridLab();
    await lab.provision();
    lab.ctx.directory.changePassword(ALICE, 'N3w-Passw0rd!');
    // The current AT2 stays valid until it expires; the renewal before that fails.
    await lab.ctx.clock.advance('2h');
    const refused = exchangesBetween(lab.ctx, 'exo', 'entra').filter(
      (e) => grantTypeOf(e) === 'refresh_token' && e.status !== 200,
    );
    expect(refused).toHaveLength(1);
    expect(refused[0]!.responseBody?.text).toMatch(/AADSTS50173/);
    const account = await lab.call('GET', '/api/hma/v1/account', lab.at1());
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      accountType: 'Exchange (Hybrid)',
      state: 'signInRequired',
      error: { code: 'SignInRequired', aadsts: 50173, step: 19 },
    });
    expect(account.body.error.message).toMatch(/^Sign in again/);
    // No more background work for this account.
    const before = lab.ctx.trace.exchanges().length;
    await lab.ctx.clock.advance('1d');
    expect(
      lab.ctx.trace
        .exchanges()
        .slice(before)
        .filter((e) => e.from === 'exo'),
    ).toHaveLength(0);
    // Cached data is still served, flagged with the state.
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages', lab.at1());
    expect(messages.body.accountState).toBe('signInRequired');
    // Signing in again (a fresh AT1, new provisioning call) recovers.
    const again = await lab.provision();
    expect(again.body.state).toBe('ready');
    expect(again.body.error).toBeUndefined();
  });

  it('renews AT2 between ActiveSync calls when it expires mid-sync (fault at2-expiring-mid-sync)', async () => {
    lab = hybridLab({ syncInterval: '30m' });
    lab.ctx.faults.on('at2-expiring-mid-sync', { lifetimeS: 60 });
    await lab.provision();
    await lab.ctx.clock.advance('1h');
    const refreshes = exchangesBetween(lab.ctx, 'exo', 'entra').filter(
      (e) => grantTypeOf(e) === 'refresh_token',
    );
    expect(refreshes.length).toBeGreaterThanOrEqual(2);
    expect(exchangesBetween(lab.ctx, 'exo', 'onprem-eas').every((e) => e.status === 200)).toBe(
      true,
    );
    expect(lab.exo.account(ALICE)!.state).toBe('ready');
  });

  it('stops syncing for an inactive device and resumes when it returns', async () => {
    lab = hybridLab({ deviceInactivityTimeout: '3d', syncInterval: '1h' });
    await lab.provision();
    await lab.ctx.clock.advance('4d');
    expect(lab.exo.account(ALICE)!.state).toBe('dormant');
    expect(events(lab, 'exo.sync.paused')).toHaveLength(1);
    const quietFrom = lab.ctx.clock.now();
    await lab.ctx.clock.advance('2d');
    expect(
      lab.ctx.trace.exchanges().filter((e) => e.from === 'exo' && e.atMs > quietFrom),
    ).toHaveLength(0);

    lab.onprem.deliver(ALICE, {
      subject: 'While you were away',
      from: 'megan@contoso.com',
      bodyText: 'x',
    });
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages', lab.at1());
    expect(messages.body.accountState).toBe('ready');
    expect(messages.body.value.map((m: { subject: string }) => m.subject)).toContain(
      'While you were away',
    );
    expect(events(lab, 'exo.sync.resumed')).toHaveLength(1);
    await lab.ctx.clock.advance('2h');
    expect(lab.exo.account(ALICE)!.state).toBe('ready');
  });

  it('resumes with a fresh AT1 (on-behalf-of again) when RT2 expired while dormant', async () => {
    lab = hybridLab({ deviceInactivityTimeout: '1d', syncInterval: '1h' });
    await lab.provision();
    await lab.ctx.clock.advance('20d'); // beyond the 14-day RT inactivity lifetime
    expect(lab.exo.account(ALICE)!.state).toBe('dormant');
    const account = await lab.call('GET', '/api/hma/v1/account', lab.at1());
    expect(account.body.state).toBe('ready');
    const grants = exchangesBetween(lab.ctx, 'exo', 'entra')
      .filter((e) => e.method === 'POST')
      .map((e) => [grantTypeOf(e), e.status]);
    expect(grants.at(-2)).toEqual(['refresh_token', 400]);
    expect(grants.at(-1)).toEqual(['urn:ietf:params:oauth:grant-type:jwt-bearer', 200]);
  });

  it('purges the cloud cache 30 days after the account is deleted in Entra', async () => {
    lab = hybridLab();
    await lab.provision();
    expect(lab.exo.cloudCache(ALICE)).toBeDefined();
    lab.ctx.directory.setDisabled(ALICE, true);
    expect(lab.exo.account(ALICE)).toMatchObject({
      state: 'deleted',
      error: { code: 'AccountDeleted' },
    });
    await lab.ctx.clock.advance('29d');
    expect(lab.exo.cloudCache(ALICE)).toBeDefined();
    expect(
      lab.ctx.trace
        .exchanges()
        .filter((e) => e.from === 'exo' && e.atMs > lab.ctx.clock.now() - 29 * DAY_MS),
    ).toHaveLength(0);
    await lab.ctx.clock.advance('1d');
    expect(lab.exo.cloudCache(ALICE)).toBeUndefined();
    expect(lab.exo.account(ALICE)).toBeUndefined();
    expect(events(lab, 'exo.cache.purged')).toHaveLength(1);
  });

  it('keeps the cache when the account is restored before the purge; deleteAccount() is a lab control', async () => {
    lab = hybridLab();
    await lab.provision();
    expect(lab.exo.deleteAccount(ALICE)).toBe(true);
    const gone = await lab.call('GET', '/api/hma/v1/mailbox/messages', lab.at1());
    expect(gone.status).toBe(410);
    expect(gone.body.error.code).toBe('AccountDeleted');
    await lab.ctx.clock.advance('10d');
    expect(lab.exo.restoreAccount(ALICE)).toBe(true);
    await lab.ctx.clock.advance('25d');
    expect(lab.exo.cloudCache(ALICE)).toBeDefined();
    expect(events(lab, 'exo.cache.purged')).toHaveLength(0);
  });

  it('runs a sync on demand (lab control) and reports it', async () => {
    lab = hybridLab();
    await lab.provision();
    lab.onprem.deliver(ALICE, { subject: 'Now', from: 'megan@contoso.com', bodyText: 'x' });
    const report = await lab.exo.syncNow(ALICE);
    expect(report).toMatchObject({ initial: false, added: 1 });
  });
});
