import { getHeapStatistics } from 'node:v8';
import {
  createFixedKeyStore,
  createTraceRecorder,
  createVirtualClock,
  signJwt,
  type TraceEntry,
  type TraceExchange,
  type TraceRecorder,
} from '@hma-lab/core';

const clock = createVirtualClock({ startMs: Date.UTC(2026, 0, 5) });
const accessToken = signJwt(createFixedKeyStore().entra.active(), {
  aud: 'https://outlook.office365.com',
  scp: 'EAS.AccessAsUser.All',
});

/** Records one token-endpoint exchange the way the service middleware does. */
function recordToken(
  trace: TraceRecorder,
  runId?: string,
  body: Record<string, string> = { access_token: accessToken, refresh_token: 'opaque.rt.value' },
): number {
  const handle = trace.beginExchange({
    from: 'device',
    to: 'entra',
    method: 'POST',
    url: 'https://login.microsoftonline.com/common/oauth2/token',
    ...(runId ? { runId } : {}),
    requestHeaders: { 'content-type': 'application/x-www-form-urlencoded', host: 'x' },
  });
  handle.finish({
    status: 200,
    responseHeaders: { 'content-type': 'application/json; charset=utf-8', 'content-length': 10 },
    requestBody: Buffer.from('grant_type=password&username=a%40b.c&password=S3cret!'),
    responseBody: Buffer.from(JSON.stringify(body)),
  });
  return handle.id;
}

/** Records a form POST that got no answer body. */
function recordForm(
  trace: TraceRecorder,
  form: string,
  contentType = 'application/x-www-form-urlencoded',
): void {
  const handle = trace.beginExchange({
    from: 'exo',
    to: 'entra',
    method: 'POST',
    url: 'https://login.microsoftonline.com/common/oauth2/token',
    requestHeaders: { 'content-type': contentType },
  });
  handle.finish({ status: 400, responseHeaders: {}, requestBody: Buffer.from(form) });
}

/** Records a GET answered with a text body, given as bytes or as the writer's string. */
function recordText(trace: TraceRecorder, i: number, text: string, as: 'bytes' | 'string'): number {
  const handle = trace.beginExchange({
    from: 'device',
    to: 'entra',
    method: 'GET',
    url: `https://login.microsoftonline.com/${i}`,
    requestHeaders: {},
  });
  handle.finish({
    status: 200,
    responseHeaders: { 'content-type': 'text/plain; charset=utf-8' },
    ...(as === 'bytes' ? { responseBody: Buffer.from(text) } : { responseText: text }),
  });
  return handle.id;
}

describe('trace recorder', () => {
  it('gives readers exchanges with their JWTs decoded and secrets redacted', () => {
    const trace = createTraceRecorder({ clock });
    recordToken(trace);
    const [exchange] = trace.exchanges();
    expect(exchange!.requestBody?.text).toBe(
      'grant_type=password&username=a%40b.c&password=[redacted]',
    );
    expect(JSON.stringify(trace.entries())).not.toContain('S3cret!');
    expect(exchange!.tokens).toEqual([
      {
        name: 'access_token',
        where: 'response.body.access_token',
        kind: 'jwt',
        raw: accessToken,
        header: expect.objectContaining({ alg: 'RS256', typ: 'JWT' }),
        claims: { aud: 'https://outlook.office365.com', scp: 'EAS.AccessAsUser.All' },
      },
      // JWT-shaped, but its parts are not JSON: opaque, as Entra's refresh tokens are.
      {
        name: 'refresh_token',
        where: 'response.body.refresh_token',
        kind: 'opaque',
        raw: 'opaque.rt.value',
      },
    ]);
    expect(exchange!.responseHeaders).toEqual({
      'content-type': 'application/json; charset=utf-8',
    });
  });

  it('finds the tokens of a form body whose secrets it redacted', () => {
    const trace = createTraceRecorder({ clock });
    recordForm(
      trace,
      `grant_type=refresh_token&client_secret=S3cret!&refresh_token=rt-1&assertion=${accessToken}`,
    );
    const [exchange] = trace.exchanges();
    expect(exchange!.secrets).toEqual([
      { name: 'client_secret', where: 'request.body.client_secret' },
    ]);
    expect(exchange!.requestBody?.text).toContain('client_secret=[redacted]&refresh_token=rt-1');
    expect(exchange!.tokens.map((t) => [t.where, t.kind, t.raw])).toEqual([
      ['request.body.refresh_token', 'opaque', 'rt-1'],
      ['request.body.assertion', 'jwt', accessToken],
    ]);
  });

  it('redacts the password of a WS-Security UsernameToken (WS-Trust at AD FS), any prefix', () => {
    const trace = createTraceRecorder({ clock });
    const soap = (password: string, more = '') =>
      `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>bob@contoso.com</wsse:Username><wsse:Password Type="PasswordText">${password}</wsse:Password>${more}</wsse:UsernameToken></wsse:Security></s:Header></s:Envelope>`;
    recordForm(
      trace,
      soap(
        'P&amp;ss<!-- x -->word',
        '<Password>two</Password><o:Password/><PasswordHint>h</PasswordHint>',
      ),
      'application/soap+xml; charset=utf-8',
    );
    recordForm(trace, '<a><Password>never closed</a>', 'text/xml');
    const [exchange, unclosed] = trace.exchanges();
    expect(exchange!.requestBody?.text).toBe(
      soap(
        '[redacted]',
        '<Password>[redacted]</Password><o:Password/><PasswordHint>h</PasswordHint>',
      ),
    );
    expect(exchange!.secrets).toEqual([{ name: 'Password', where: 'request.body.Password' }]);
    // An element never closed hides everything after its start tag.
    expect(unclosed!.requestBody?.text).toBe('<a><Password>[redacted]');
  });

  it('redacts secrets the services read whatever the body is labelled: XML as text or JSON, a form led by ?', () => {
    const trace = createTraceRecorder({ clock });
    const rst =
      '<s:Envelope><s:Header><wsse:UsernameToken><wsse:Password>Passw0rd!</wsse:Password></wsse:UsernameToken></s:Header></s:Envelope>';
    recordForm(trace, rst, 'text/plain;charset=UTF-8');
    recordForm(trace, rst, 'application/json');
    recordForm(trace, `<?xml version="1.0"?>\n${rst}`, 'application/x-www-form-urlencoded');
    recordForm(trace, '?client_secret=S3cret!&grant_type=client_credentials');
    recordForm(trace, '?password=S3cret!&grant_type=password&username=a');
    const texts = trace.exchanges().map((e) => e.requestBody?.text);
    for (const text of texts.slice(0, 3)) {
      expect(text).toContain('<wsse:Password>[redacted]</wsse:Password>');
    }
    expect(texts.slice(3)).toEqual([
      '?client_secret=[redacted]&grant_type=client_credentials',
      '?password=[redacted]&grant_type=password&username=a',
    ]);
    expect(trace.exchanges().map((e) => e.secrets.map((x) => x.name))).toEqual([
      ['Password'],
      ['Password'],
      ['Password'],
      ['client_secret'],
      ['password'],
    ]);
    expect(JSON.stringify(trace.entries())).not.toContain('S3cret!');
    expect(JSON.stringify(trace.entries())).not.toContain('Passw0rd!');
  });

  it('hides Basic passwords of Authorization and Proxy-Authorization, and shortens cookies both ways', () => {
    const trace = createTraceRecorder({ clock });
    const basic = Buffer.from('alice@contoso.com:Passw0rd!').toString('base64');
    const session = 'ESTSAUTH-0123456789abcdefghijklmnopqrstuvwxyz';
    const record = (requestHeaders: Record<string, string>) => {
      const handle = trace.beginExchange({
        from: 'device',
        to: 'onprem-eas',
        method: 'OPTIONS',
        url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
        requestHeaders,
      });
      handle.finish({
        status: 200,
        responseHeaders: {
          'set-cookie': [`ESTSAUTH=${session}; path=/; expires=Wed, 09 Jun 2027 10:18:14 GMT`],
        },
      });
    };
    record({ authorization: `Basic ${basic}`, cookie: `ESTSAUTH=${session}; x=1` });
    record({ authorization: `Basic\t${basic}` });
    record({ 'proxy-authorization': `basic   ${basic}` });
    const [plain, tab, proxy] = trace.exchanges();
    expect(plain!.requestHeaders.authorization).toBe('Basic [redacted] (user alice@contoso.com)');
    expect(tab!.requestHeaders.authorization).toBe('Basic [redacted] (user alice@contoso.com)');
    expect(proxy!.requestHeaders['proxy-authorization']).toBe(
      'Basic [redacted] (user alice@contoso.com)',
    );
    expect(proxy!.secrets).toEqual([
      { name: 'password', where: 'request.header.proxy-authorization' },
    ]);
    expect(plain!.requestHeaders.cookie).toBe(`ESTSAUTH=${session.slice(0, 24)}…; x=1`);
    expect(plain!.responseHeaders['set-cookie']).toEqual([
      `ESTSAUTH=${session.slice(0, 24)}…; path=/; expires=Wed, 09 Jun 2027 10:18:14 GMT`,
    ]);
    expect(JSON.stringify(trace.entries())).not.toContain(basic);
    expect(JSON.stringify(trace.entries())).not.toContain(session);
  });

  it('keeps an event to a bounded size whatever the client sent: long texts and lists cut', () => {
    const trace = createTraceRecorder({ clock });
    const recipients = Array.from({ length: 100_000 }, (_, i) => `r${i}@example.org`);
    const event = trace.event(
      'onprem-eas',
      'onprem.eas.mail.sent',
      `sent ${'s'.repeat(1_000_000)}`,
      {
        subject: 'x'.repeat(1_000_000),
        to: recipients,
        nested: { at: new Date(0), count: 3 },
      },
    );
    expect(event.summary).toHaveLength(1_001);
    expect(event.summary.endsWith('…')).toBe(true);
    const data = event.data as {
      subject: string;
      to: string[];
      nested: { at: Date; count: number };
    };
    expect(data.subject).toBe(`${'x'.repeat(1_000)}…`);
    expect(data.to).toEqual([...recipients.slice(0, 100), '… 99900 more']);
    expect(data.nested).toEqual({ at: new Date(0), count: 3 });
    expect(JSON.stringify(trace.entries()).length).toBeLessThan(10_000);
  });

  it('keeps a password hidden when its end tag appears inside a CDATA section, comment or processing instruction', () => {
    const trace = createTraceRecorder({ clock });
    const token = (password: string) =>
      `<wsse:UsernameToken><wsse:Username>bob@contoso.com</wsse:Username><wsse:Password>${password}</wsse:Password><wsu:Created>t</wsu:Created></wsse:UsernameToken>`;
    const passwords = [
      '<![CDATA[a</wsse:Password>tail]]>',
      'b<!-- </wsse:Password> tail -->c',
      '<?pi </wsse:Password> tail?>d',
      // Sections one after another, and one whose text looks like the start of another.
      '<![CDATA[<!--]]>e</wsse:Password-not><!-- ]]> </wsse:Password> tail -->',
    ];
    for (const password of passwords) recordForm(trace, token(password), 'application/soap+xml');
    // A section never ended hides the rest, as an element never closed does.
    recordForm(trace, token('<![CDATA[f</wsse:Password> tail'), 'application/soap+xml');
    const exchanges = trace.exchanges();
    for (const exchange of exchanges.slice(0, passwords.length)) {
      expect(exchange.requestBody?.text).toBe(token('[redacted]'));
      expect(exchange.requestBody?.text).not.toContain('tail');
    }
    expect(exchanges.at(-1)!.requestBody?.text).toBe(
      '<wsse:UsernameToken><wsse:Username>bob@contoso.com</wsse:Username><wsse:Password>[redacted]',
    );
    // Sections outside a secret element change nothing.
    recordForm(
      trace,
      `<!-- </Password> --><a><![CDATA[<Password>]]></a>${token('g')}<?x </wsse:Password>?>`,
      'text/xml',
    );
    expect(trace.exchanges().at(-1)!.requestBody?.text).toBe(
      `<!-- </Password> --><a><![CDATA[<Password>]]></a>${token('[redacted]')}<?x </wsse:Password>?>`,
    );
  });

  it('knows the SAML assertion of a WS-Trust answer again when a client redeems it (base64)', () => {
    const trace = createTraceRecorder({ clock });
    const assertion =
      '<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" AssertionID="_a1">x</saml:Assertion>';
    const handle = trace.beginExchange({
      from: 'client',
      to: 'adfs',
      method: 'POST',
      url: 'https://sts.contoso.com/adfs/services/trust/13/usernamemixed',
      requestHeaders: { 'content-type': 'application/soap+xml; charset=utf-8' },
    });
    handle.finish({
      status: 200,
      responseHeaders: { 'content-type': 'application/soap+xml; charset=utf-8' },
      responseText: `<s:Envelope><s:Body><trust:RequestSecurityTokenResponse><trust:RequestedSecurityToken>\n${assertion}\n</trust:RequestedSecurityToken></trust:RequestSecurityTokenResponse></s:Body></s:Envelope>`,
    });
    const grant = 'urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Asaml1_1-bearer';
    recordForm(
      trace,
      `grant_type=${grant}&assertion=${Buffer.from(assertion).toString('base64url')}`,
    );
    recordForm(
      trace,
      `grant_type=${grant}&assertion=${encodeURIComponent(Buffer.from(assertion).toString('base64'))}`,
    );
    recordForm(trace, `grant_type=${grant}&assertion=${Buffer.from('not xml').toString('base64')}`);
    const [answer, msal, adal, other] = trace.exchanges();
    expect(answer!.tokens).toEqual([
      {
        name: 'RequestedSecurityToken',
        where: 'response.body.RequestedSecurityToken',
        kind: 'saml',
        raw: assertion,
      },
    ]);
    for (const redeemed of [msal, adal]) {
      expect(redeemed!.tokens.map((t) => [t.name, t.kind, t.raw])).toEqual([
        ['assertion', 'saml', assertion],
      ]);
    }
    expect(other!.tokens.map((t) => t.kind)).toEqual(['opaque']);
  });

  it('redacts every value of a secret field, however its name is encoded, and keeps the rest as sent', () => {
    const trace = createTraceRecorder({ clock });
    recordForm(
      trace,
      'scope=openid+profile&Pass%77ord=a%26b&code=c%2Bd+e&password=again&empty&=x&client%5Fsecret=',
      'application/x-www-form-urlencoded; charset=utf-8',
    );
    const [exchange] = trace.exchanges();
    expect(exchange!.requestBody?.text).toBe(
      'scope=openid+profile&Pass%77ord=[redacted]&code=c%2Bd+e&password=[redacted]&empty&=x&client%5Fsecret=[redacted]',
    );
    expect(exchange!.secrets).toEqual([
      { name: 'Password', where: 'request.body.Password' },
      { name: 'password', where: 'request.body.password' },
      { name: 'client_secret', where: 'request.body.client_secret' },
    ]);
    // Token values are decoded as a form decodes them ('+' is a space).
    expect(exchange!.tokens.map((t) => [t.name, t.kind, t.raw])).toEqual([
      ['code', 'opaque', 'c+d e'],
    ]);
  });

  it('tells a JWT from its shape when recording, and an unreadable one is opaque when read', () => {
    const trace = createTraceRecorder({ clock });
    recordToken(trace, undefined, { access_token: 'eyJ!bad.part.sig', id_token: accessToken });
    const [exchange] = trace.exchanges();
    expect(exchange!.tokens.map((t) => [t.name, t.kind])).toEqual([
      ['access_token', 'opaque'],
      ['id_token', 'jwt'],
    ]);
    expect(exchange!.tokens[1]!.claims).toMatchObject({ aud: 'https://outlook.office365.com' });
  });

  it('hands out copies: changing what was read does not change the trace', () => {
    const trace = createTraceRecorder({ clock });
    const id = recordToken(trace);
    const first = trace.entry(id) as TraceExchange;
    first.status = 500;
    first.tokens.length = 0;
    const again = trace.entry(id) as TraceExchange;
    expect(again.status).toBe(200);
    expect(again.tokens).toHaveLength(2);
    expect(again).not.toBe(first);
  });

  it('finds entries by id and gives the newest, for exchanges and events alike', () => {
    const trace = createTraceRecorder({ clock });
    expect(trace.last()).toBeUndefined();
    const exchangeId = recordToken(trace, 'run-1');
    const event = trace.event('entra', 'entra.test', 'an event');
    expect(trace.entry(exchangeId)).toMatchObject({ kind: 'exchange', runId: 'run-1' });
    expect(trace.entry(event.id)).toBe(event);
    expect(trace.last()).toBe(event);
    expect(trace.entry(9999)).toBeUndefined();
  });

  it('filters by run and keeps only the newest maxEntries', () => {
    const trace = createTraceRecorder({ clock, maxEntries: 3 });
    const ids = Array.from({ length: 10 }, (_, i) => recordToken(trace, `run-${i % 2}`));
    expect(trace.entries().map((e) => e.id)).toEqual(ids.slice(-3));
    expect(trace.entries({ runId: 'run-1' }).map((e) => e.id)).toEqual([ids[7], ids[9]]);
    expect(trace.entry(ids[0]!)).toBeUndefined();
  });

  it("reads one run's entries, events included, across trims and after a clear", () => {
    // 40 kept, trimmed 3 at a time: runs start, interleave and fall off the end.
    const trace = createTraceRecorder({ clock, maxEntries: 40 });
    const runs = ['a', 'b', 'c', 'd', 'e'];
    const pushed: Array<{ id: number; runId: string }> = [];
    for (let i = 0; i < 157; i++) {
      const runId = runs[Math.floor(i / 30) % runs.length]!;
      const id =
        i % 7 === 0
          ? trace.runWith(
              { runId, party: 'lab' },
              () => trace.event('lab', 'mark', `event ${i}`).id,
            )
          : recordToken(trace, i % 5 === 0 ? runs[(i + 1) % runs.length] : runId);
      pushed.push({ id, runId: i % 7 !== 0 && i % 5 === 0 ? runs[(i + 1) % runs.length]! : runId });
    }
    const kept = pushed.slice(-40);
    expect(trace.entries().map((e) => e.id)).toEqual(kept.map((p) => p.id));
    for (const runId of runs) {
      expect(trace.entries({ runId }).map((e) => e.id)).toEqual(
        kept.filter((p) => p.runId === runId).map((p) => p.id),
      );
    }
    trace.clear();
    expect(trace.entries({ runId: 'a' })).toEqual([]);
    const after = recordToken(trace, 'a');
    expect(trace.entries({ runId: 'a' }).map((e) => e.id)).toEqual([after]);
  });

  it('reads back every kept body after its storage was used again for newer exchanges', () => {
    // ~12 KB of text per exchange: a 1 MiB slab holds ~85, so 2,000 exchanges
    // with 300 kept fill, drop and reuse slabs many times over; every 19th has
    // a body of its own (over 256 KB), and the texts are not all ASCII.
    const trace = createTraceRecorder({ clock, maxEntries: 300, maxBodyChars: 400_000 });
    const bodies = new Map<number, string>();
    for (let i = 0; i < 2000; i++) {
      const text = `${i}:${i % 3 === 0 ? 'Grüße, 東京 ' : 'plain '}${'x'.repeat(i % 19 === 0 ? 300_000 : 12_000)}:${i}`;
      bodies.set(recordText(trace, i, text, 'bytes'), text);
    }
    const kept = trace.exchanges();
    expect(kept).toHaveLength(300);
    for (const exchange of kept) {
      expect(exchange.responseBody?.text).toBe(bodies.get(exchange.id));
      expect(exchange.responseBody?.size).toBe(Buffer.byteLength(bodies.get(exchange.id)!));
    }
  });

  it('keeps its storage out of the memory V8 counts toward its next full collection', () => {
    // ~10 MB of bodies kept: as ordinary array buffers, the external memory V8
    // counts would grow by as much (a filling trace then started a full
    // collection every few MB). Bodies are given as strings, so the only
    // buffers made are the trace's own.
    const trace = createTraceRecorder({ clock, maxEntries: 1000 });
    const before = getHeapStatistics().external_memory;
    for (let i = 0; i < 800; i++) {
      recordText(trace, i, `${i}:${'y'.repeat(12_000)}`, 'string');
    }
    const grown = getHeapStatistics().external_memory - before;
    const kept = trace.exchanges();
    expect(kept).toHaveLength(800);
    expect(kept[799]!.responseBody?.text).toBe(`799:${'y'.repeat(12_000)}`);
    expect(grown).toBeLessThan(2 * 1024 * 1024);
  });

  it('tells subscribers each entry as it completes, JWTs decoded', () => {
    const trace = createTraceRecorder({ clock });
    const seen: TraceEntry[] = [];
    const unsubscribe = trace.subscribe((entry) => seen.push(entry));
    recordToken(trace);
    unsubscribe();
    recordToken(trace);
    expect(seen).toHaveLength(1);
    const exchange = seen[0] as TraceExchange;
    expect(exchange.tokens[0]!.claims).toMatchObject({ aud: 'https://outlook.office365.com' });
    expect(exchange).toEqual(trace.exchanges()[0]);
  });

  it('reads back, field for field and in order, what it told subscribers: tokens in bodies, headers and cut bodies', () => {
    const trace = createTraceRecorder({ clock, maxBodyChars: 600 });
    const live: TraceEntry[] = [];
    trace.subscribe((entry) => live.push(structuredClone(entry)));
    const idToken = signJwt(createFixedKeyStore().entra.active(), { aud: 'app', nonce: 'n' });
    const handle = trace.beginExchange({
      from: 'device',
      to: 'entra',
      method: 'POST',
      url: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      requestHeaders: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${accessToken}`,
      },
    });
    handle.finish({
      status: 200,
      responseHeaders: { 'content-type': 'application/json' },
      requestBody: Buffer.from(`grant_type=refresh_token&refresh_token=${idToken}&client_secret=s`),
      responseBody: Buffer.from(
        JSON.stringify({ token_type: 'Bearer', access_token: accessToken, id_token: idToken }),
      ),
    });
    // A body cut at maxBodyChars: its token is kept whole all the same.
    recordToken(trace, undefined, { access_token: accessToken, note: 'x'.repeat(700) });
    const [first, second] = trace.exchanges();
    expect(first!.tokens.map((t) => [t.where, t.raw === idToken || t.raw === accessToken])).toEqual(
      [
        ['request.header.authorization', true],
        ['request.body.refresh_token', true],
        ['response.body.access_token', true],
        ['response.body.id_token', true],
      ],
    );
    expect(first!.requestBody!.text).toBe(
      `grant_type=refresh_token&refresh_token=${idToken}&client_secret=[redacted]`,
    );
    expect(second!.responseBody).toMatchObject({ truncated: true });
    expect(second!.tokens[0]!.raw).toBe(accessToken);
    // Same fields, same values, same order as the entries told live.
    expect(JSON.stringify(trace.exchanges())).toBe(JSON.stringify(live));
  });

  it('keeps nothing when recording is off, and still numbers what follows', () => {
    const trace = createTraceRecorder({ clock, enabled: false });
    const id = recordToken(trace);
    expect(trace.entries()).toEqual([]);
    expect(trace.entry(id)).toBeUndefined();
    expect(trace.event('lab', 'lab.test', 'x').id).toBe(id + 1);
  });

  it('carries a context across awaits when recording, and none when off', async () => {
    const seen = async (trace: TraceRecorder) =>
      trace.runWith({ runId: 'run-7', party: 'device' }, async () => {
        await new Promise((resolve) => setImmediate(resolve));
        return trace.context()?.runId;
      });
    expect(await seen(createTraceRecorder({ clock }))).toBe('run-7');
    const off = createTraceRecorder({ clock, enabled: false });
    expect(await seen(off)).toBeUndefined();
    expect(off.runWith({ runId: 'run-8' }, () => 42)).toBe(42);
  });
});
