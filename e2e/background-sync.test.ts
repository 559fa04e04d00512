import { WELL_KNOWN_APPS, type TraceExchange } from '@hma-lab/core';
import type { OnpremActiveSyncService } from '@hma-lab/exchange-onprem';
import { createLab, type Lab } from '@hma-lab/lab';
import type { FlowResult } from '@hma-lab/outlook-mobile';

/**
 * Step 19 over time: Exchange Online keeps syncing the on-premises mailbox with
 * no user present, renewing AT2 with RT2 before it expires, until a password
 * change voids RT2.
 */
describe('background sync of a hybrid mailbox on the virtual clock', () => {
  let lab: Lab;
  let rt1: string;
  const isRefresh = (e: TraceExchange) =>
    e.from === 'exo' &&
    e.to === 'entra' &&
    /grant_type=refresh_token/.test(e.requestBody?.text ?? '');

  /** What the app does after an hour: a new AT1 from RT1, then the data API. */
  async function deviceGet(
    path: string,
  ): Promise<{ status: number; body: Record<string, unknown>; accessToken: string }> {
    const token = await lab.fetchAs('device')('https://login.windows.net/common/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: WELL_KNOWN_APPS.outlookMobile,
        refresh_token: rt1,
        resource: 'https://outlook.office365.com',
      }),
    });
    const tokens = (await token.json()) as { access_token: string; refresh_token: string };
    rt1 = tokens.refresh_token;
    const response = await lab.fetchAs('device')(`https://outlook.office365.com${path}`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown>,
      accessToken: tokens.access_token,
    };
  }

  beforeAll(async () => {
    lab = await createLab({ mode: 'in-process' });
    const run = await lab.runFlow('alice@contoso.com');
    expect(run.ok).toBe(true);
    rt1 = (run.result as FlowResult).tokens.refreshToken!;
  });
  afterAll(() => lab?.close());

  it('after 24 hours AT2 has been renewed with RT2 many times, each accepted on-premises, and new mail reached the device', async () => {
    const start = lab.trace.exchanges().length;
    lab.service<OnpremActiveSyncService>('onprem-eas').deliver('alice@contoso.com', {
      subject: 'Delivered on-premises overnight',
      from: 'megan@contoso.com',
      bodyText: 'Synced in the background.',
    });
    await lab.clock.advance('24h');
    const later = lab.trace.exchanges().slice(start);
    const refreshes = later.filter(isRefresh);
    expect(refreshes.length).toBeGreaterThanOrEqual(23);
    const renewed = refreshes.map((r) => {
      expect(r.status).toBe(200);
      return r.tokens.find((t) => t.name === 'access_token')!;
    });
    for (const at2 of renewed) {
      expect(at2.claims).toMatchObject({
        aud: 'https://mail.contoso.com',
        appid: WELL_KNOWN_APPS.exchangeOnline,
      });
      const uses = later.filter(
        (e) =>
          e.to === 'onprem-eas' && e.tokens.some((t) => t.name === 'bearer' && t.raw === at2.raw),
      );
      expect(uses.every((e) => e.status === 200)).toBe(true);
    }
    // Every renewed AT2 was used on-premises at least once, except possibly the last one.
    const used = renewed.filter((at2) =>
      later.some((e) => e.to === 'onprem-eas' && e.tokens.some((t) => t.raw === at2.raw)),
    );
    expect(used.length).toBeGreaterThanOrEqual(renewed.length - 1);

    const messages = await deviceGet('/api/hma/v1/mailbox/messages');
    expect(messages.status).toBe(200);
    expect((messages.body.value as Array<{ subject: string }>).map((m) => m.subject)).toContain(
      'Delivered on-premises overnight',
    );
  });

  it('a password change voids RT2: the next renewal fails with AADSTS50173 and the account asks to sign in again', async () => {
    const account = await deviceGet('/api/hma/v1/account'); // a fresh AT1 before the change
    expect(account.body.state).toBe('ready');
    const start = lab.trace.exchanges().length;
    lab.directory.changePassword('alice@contoso.com', 'N3w-Passw0rd!');
    // The AT2 in use stays valid until it expires; its renewal comes within the hour.
    await lab.clock.advance('58m');
    const refused = lab.trace.exchanges().slice(start).filter(isRefresh);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0]!.status).toBe(400);
    expect(refused[0]!.responseBody?.text).toContain('AADSTS50173');
    // The device's own RT1 is void too: it must sign in again, and it sees why.
    const refresh = await lab.fetchAs('device')('https://login.windows.net/common/oauth2/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: WELL_KNOWN_APPS.outlookMobile,
        refresh_token: rt1,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as { error_codes: number[] }).error_codes).toContain(50173);
    // With the AT1 it still holds, the app reads the account's state and shows "sign in again".
    const state = await lab.fetchAs('device')('https://outlook.office365.com/api/hma/v1/account', {
      headers: { authorization: `Bearer ${account.accessToken}` },
    });
    expect(((await state.json()) as { state: string }).state).toBe('signInRequired');
  });
});
