import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import {
  createFixedKeyStore,
  createHostMap,
  createLabFetch,
  createLoopbackTransport,
  createMemoryLogger,
  createServiceApp,
  createTraceRecorder,
  createVirtualClock,
  LabError,
  protocolErrorHandler,
  sendJson,
  signJwt,
  type ServiceParty,
  type TraceExchange,
} from '@hma-lab/core';

const hosts = createHostMap({
  autodetect: ['prod-autodetect.outlookmobile.com'],
  exo: ['outlook.office365.com'],
  entra: ['login.microsoftonline.com', 'login.windows.net'],
  wap: ['sts.contoso.com'],
  adfs: ['adfs.contoso.local'],
  'onprem-autodiscover': ['autodiscover.contoso.com'],
  'onprem-eas': ['mail.contoso.com'],
  'outlook-service': ['outlook-service.outlookmobile.com'],
});

describe('service app, lab fetch and trace over loopback', () => {
  const clock = createVirtualClock({ startMs: Date.UTC(2026, 0, 5) });
  const trace = createTraceRecorder({ clock });
  const log = createMemoryLogger();
  const servers: Server[] = [];
  const ports = new Map<ServiceParty, number>();
  const token = signJwt(createFixedKeyStore().entra.active(), { aud: 'https://mail.contoso.com' });
  /** What a route answers with sendJson: the trace must not change it. */
  const written = { user: { password: 'S3cret!' }, refresh_token: 'rt-1' };

  beforeAll(async () => {
    const entra = createServiceApp('entra', { trace, hosts }, { bodyLimitBytes: 256 });
    entra.post('/token', (req, res) => {
      const body = req.body as Record<string, string>;
      if (body.grant_type !== 'password') throw new LabError(400, 'unsupported_grant_type', 'nope');
      trace.event('entra', 'entra.test.event', 'checked the password');
      res.json({ access_token: token, token_type: 'Bearer' });
    });
    entra.get('/hop', (_req, res) => res.redirect(302, 'https://login.windows.net/landing'));
    entra.get('/landing', (_req, res) => res.type('text/plain').send('landed'));
    entra.get('/json', (_req, res) => {
      sendJson(res, { access_token: token, token_type: 'Bearer' });
    });
    entra.get('/json-secret', (_req, res) => {
      sendJson(res, written, 201);
    });
    entra.get('/chunks', (_req, res) => {
      // The capture lives on the app's response prototype, not on each response.
      const own = ['write', 'end'].filter((name) => Object.hasOwn(res, name));
      res.type('text/plain');
      res.write('one ');
      res.write(Buffer.from('two '));
      res.end(`three; own methods: [${own.join(',')}]`);
    });
    entra.get('/bug', () => {
      throw new Error('a bug');
    });
    entra.use(
      protocolErrorHandler('entra', { log }, (error, _req, res) => {
        const status = error instanceof LabError ? error.status : 500;
        res.status(status).json({ error: error instanceof LabError ? error.code : 'server_error' });
      }),
    );
    const eas = createServiceApp('onprem-eas', { trace, hosts });
    eas.get('/Microsoft-Server-ActiveSync', (req, res) => {
      res.status(req.get('authorization') ? 200 : 401).end();
    });
    for (const [party, app] of [
      ['entra', entra],
      ['onprem-eas', eas],
    ] as const) {
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      servers.push(server);
      ports.set(party, (server.address() as AddressInfo).port);
    }
  });

  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  const transport = createLoopbackTransport((party) => {
    const port = ports.get(party);
    if (!port) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    return `http://127.0.0.1:${port}`;
  });
  const deviceFetch = () => createLabFetch({ from: 'device', hosts, transport, trace });

  it('records who called whom, on the real-looking URL, with tokens decoded and passwords redacted', async () => {
    trace.clear();
    const response = await deviceFetch()('https://login.microsoftonline.com/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=password&username=alice%40contoso.com&password=Passw0rd!',
    });
    expect(response.status).toBe(200);
    const [event, exchange] = trace.entries() as [
      { kind: 'event'; action: string; exchangeId: number },
      TraceExchange,
    ];
    expect(event).toMatchObject({
      kind: 'event',
      action: 'entra.test.event',
      exchangeId: exchange.id,
    });
    expect(exchange).toMatchObject({
      from: 'device',
      to: 'entra',
      method: 'POST',
      url: 'https://login.microsoftonline.com/token',
      status: 200,
      atMs: clock.now(),
    });
    expect(exchange.requestBody?.text).toContain('password=[redacted]');
    expect(JSON.stringify(exchange)).not.toContain('Passw0rd!');
    expect(exchange.secrets).toEqual([{ name: 'password', where: 'request.body.password' }]);
    expect(exchange.tokens[0]).toMatchObject({
      name: 'access_token',
      kind: 'jwt',
      claims: { aud: 'https://mail.contoso.com' },
    });
  });

  it('sendJson answers JSON with its length, and the trace reads its tokens from the value written', async () => {
    trace.clear();
    const response = await deviceFetch()('https://login.microsoftonline.com/json');
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    const [exchange] = trace.exchanges();
    expect(exchange!.responseBody?.text).toBe(text);
    expect(exchange!.tokens).toMatchObject([
      { name: 'access_token', where: 'response.body.access_token', kind: 'jwt', raw: token },
    ]);
  });

  it('sendJson with a secret in the value: the trace redacts its copy, never the value written', async () => {
    trace.clear();
    const response = await deviceFetch()('https://login.microsoftonline.com/json-secret');
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual(written);
    expect(written.user.password).toBe('S3cret!');
    const [exchange] = trace.exchanges();
    expect(exchange!.responseBody?.text).toBe(
      '{"user":{"password":"[redacted]"},"refresh_token":"rt-1"}',
    );
    expect(exchange!.secrets).toEqual([{ name: 'password', where: 'response.body.user.password' }]);
    expect(exchange!.tokens.map((t) => t.raw)).toEqual(['rt-1']);
  });

  it('records a body written in several chunks, without methods of its own on each response', async () => {
    trace.clear();
    const response = await deviceFetch()('https://login.microsoftonline.com/chunks');
    expect(await response.text()).toBe('one two three; own methods: []');
    const [exchange] = trace.exchanges();
    expect(exchange?.responseBody).toMatchObject({
      text: 'one two three; own methods: []',
      size: 30,
    });
  });

  it('follows redirects hop by hop inside the lab, across host aliases', async () => {
    trace.clear();
    const response = await deviceFetch()('https://login.microsoftonline.com/hop');
    expect(await response.text()).toBe('landed');
    expect(trace.exchanges().map((e) => `${e.status} ${e.url}`)).toEqual([
      '302 https://login.microsoftonline.com/hop',
      '200 https://login.windows.net/landing',
    ]);
  });

  it('passes bearer tokens through and records them', async () => {
    trace.clear();
    const response = await deviceFetch()('https://mail.contoso.com/Microsoft-Server-ActiveSync', {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(trace.exchanges()[0]!.tokens[0]).toMatchObject({
      name: 'bearer',
      where: 'request.header.authorization',
    });
  });

  it('answers unknown hosts like DNS would, without leaving the machine', async () => {
    await expect(deviceFetch()('https://example.org/')).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { code: 'ENOTFOUND' },
    });
  });

  it('records transport failures as exchanges with status 0', async () => {
    trace.clear();
    await expect(deviceFetch()('https://sts.contoso.com/adfs/ls/')).rejects.toThrow();
    expect(trace.exchanges()[0]).toMatchObject({ to: 'wap', status: 0 });
  });

  it('renders bad bodies and bugs in the protocol shape, and logs bugs with their cause', async () => {
    const f = deviceFetch();
    const big = await f('https://login.microsoftonline.com/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'x='.padEnd(500, 'y'),
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ error: 'body_too_large' });
    const json = await f('https://login.microsoftonline.com/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ error: 'malformed_body' });
    const bug = await f('https://login.microsoftonline.com/bug');
    expect(bug.status).toBe(500);
    expect(await bug.json()).toEqual({ error: 'server_error' });
    expect(log.entries.at(-1)).toMatchObject({ level: 'error', party: 'entra' });
  });

  it('carries the run id of the current context to the next party', async () => {
    trace.clear();
    await trace.runWith({ runId: 'run-42' }, () =>
      deviceFetch()('https://mail.contoso.com/Microsoft-Server-ActiveSync'),
    );
    expect(trace.exchanges()[0]!.runId).toBe('run-42');
    expect(trace.entries({ runId: 'run-42' })).toHaveLength(1);
  });
});
