import { stepSequence, type TraceExchange } from '@hma-lab/core';
import { createLab, type FlowRun, type Lab } from '@hma-lab/lab';
import { exchangesOf, header, jwtsOf, verifyWithEntraJwks } from './helpers.js';

const OUTLOOK_MOBILE = '27922004-5251-4030-b22d-91ecd9a37ea4';
const EXCHANGE_ONLINE = '00000002-0000-0ff1-ce00-000000000000';
const FOUR_WEEKS_MS = 28 * 86_400_000;

describe('flow A for alice@contoso.com over loopback ports', () => {
  let lab: Lab;
  let run: FlowRun;

  beforeAll(async () => {
    lab = await createLab({ mode: 'loopback' });
    run = await lab.runFlow('alice@contoso.com');
  });
  afterAll(() => lab?.close());

  it('completes all 20 steps, in order', () => {
    expect(run.error).toBeUndefined();
    expect(run.ok).toBe(true);
    expect(run.flow).toBe('A');
    expect(stepSequence(run.steps)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(Object.keys(lab.services).sort()).toEqual(
      [
        'adfs',
        'autodetect',
        'entra',
        'exo',
        'onprem-autodiscover',
        'onprem-eas',
        'outlook-service',
        'wap',
      ].sort(),
    );
  });

  it('step 3 is a 302 from Exchange Online to the on-prem AutoDiscover', () => {
    const [redirect] = exchangesOf(run.steps, 3, 'response');
    expect(redirect).toMatchObject({ from: 'autodetect', to: 'exo', status: 302 });
    expect(header(redirect!, 'location')).toMatch(
      /^https:\/\/autodiscover\.contoso\.com\/autodiscover\/autodiscover\.json\?Email=alice%40contoso\.com&Protocol=ActiveSync&RedirectCount=1$/,
    );
  });

  it('step 5 is a 401 whose Bearer challenge carries authorization_uri', () => {
    const [challenge] = exchangesOf(run.steps, 5);
    expect(challenge).toMatchObject({ from: 'autodetect', to: 'onprem-eas', status: 401 });
    expect(challenge!.requestHeaders.authorization).toBe('Bearer');
    const bearer = [challenge!.responseHeaders['www-authenticate']]
      .flat()
      .find((h) => h?.startsWith('Bearer'));
    expect(bearer).toContain('client_id="00000002-0000-0ff1-ce00-000000000000"');
    expect(bearer).toContain(
      `trusted_issuers="00000001-0000-0000-c000-000000000000@${lab.scenario.tenant.id}"`,
    );
    expect(bearer).toContain(
      'authorization_uri="https://login.windows.net/common/oauth2/authorize"',
    );
  });

  it('steps 8 to 10 cross the federation proxy and AD FS', () => {
    const parties = (n: number) => exchangesOf(run.steps, n).flatMap((e) => [e.from, e.to]);
    expect(parties(8)).toContain('wap');
    expect(parties(9)).toEqual(expect.arrayContaining(['wap', 'adfs']));
    expect(parties(10)).toEqual(expect.arrayContaining(['wap', 'adfs']));
    const [post] = exchangesOf(run.steps, 10).filter((e) => e.from === 'device');
    expect(post!.method).toBe('POST');
    expect(post!.secrets.map((s) => s.name)).toContain('Password');
  });

  it('step 14 answers the TOTP challenge', () => {
    const [mfa] = exchangesOf(run.steps, 14);
    expect(mfa).toMatchObject({ from: 'device', to: 'entra', method: 'POST' });
    expect(mfa!.requestBody?.text).toMatch(/(^|&)otc=\d{6}(&|$)/);
    expect(mfa!.status).toBe(302);
  });

  it('step 15 returns AT1 for Exchange Online, client Outlook mobile', () => {
    const [token] = exchangesOf(run.steps, 15);
    const at1 = token!.tokens.find((t) => t.name === 'access_token');
    expect(at1?.claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      appid: OUTLOOK_MOBILE,
    });
    expect(at1?.claims?.amr).toEqual(expect.arrayContaining(['fed', 'mfa']));
    expect(token!.tokens.map((t) => t.name)).toContain('refresh_token');
  });

  it('step 17 returns AT2 for the on-prem namespace, client Exchange Online', () => {
    const [obo] = exchangesOf(run.steps, 17);
    expect(obo).toMatchObject({ from: 'exo', to: 'entra', status: 200 });
    const at2 = obo!.tokens.find((t) => t.name === 'access_token');
    expect(at2?.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: EXCHANGE_ONLINE,
      upn: 'alice@contoso.com',
    });
    expect(obo!.tokens.map((t) => t.name)).toContain('refresh_token');
  });

  it('step 19: ActiveSync calls with AT2 succeed', () => {
    const calls = exchangesOf(run.steps, 19).filter((e) => e.to === 'onprem-eas');
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      expect(call.status).toBe(200);
      const bearer = call.tokens.find((t) => t.where === 'request.header.authorization');
      expect(bearer?.claims).toMatchObject({
        aud: 'https://mail.contoso.com',
        appid: EXCHANGE_ONLINE,
      });
      expect(call.url).toMatch(
        /DeviceType=OutlookService|^https:\/\/mail\.contoso\.com\/Microsoft-Server-ActiveSync\?[A-Za-z0-9+/=]+$/,
      );
    }
    const commands = calls.map((c) =>
      c.method === 'OPTIONS' ? 'OPTIONS' : /Cmd=(\w+)/.exec(c.url)?.[1],
    );
    expect(commands).toEqual(
      expect.arrayContaining(['OPTIONS', 'Provision', 'FolderSync', 'Sync']),
    );
  });

  it('step 20 returns mail, none older than four weeks', () => {
    const messages = run.result!.messages;
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      const received = Date.parse(String(message.receivedDateTime));
      expect(lab.clock.now() - received).toBeLessThanOrEqual(FOUR_WEEKS_MS);
    }
    expect(
      exchangesOf(run.steps, 20).every(
        (e: TraceExchange) => e.from === 'device' && e.to === 'exo' && e.status === 200,
      ),
    ).toBe(true);
  });

  it("every JWT in the trace verifies against entra's JWKS", async () => {
    const jwts = jwtsOf(run.steps);
    expect(jwts.length).toBeGreaterThanOrEqual(3);
    for (const token of jwts)
      await expect(verifyWithEntraJwks(lab, token.raw)).resolves.toBeTruthy();
  });
});
