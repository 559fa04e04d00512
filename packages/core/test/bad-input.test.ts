import express from 'express';
import request from 'supertest';
import {
  asLabError,
  createFaultBoard,
  createHostMap,
  createMemoryLogger,
  createServiceApp,
  createTraceRecorder,
  createVirtualClock,
  diagnosticsHeader,
  faultParamProblems,
  isLabError,
  isoTime,
  LabError,
  MAX_JSON_DEPTH,
  protocolErrorHandler,
} from '@hma-lab/core';

const hosts = createHostMap({
  autodetect: ['prod-autodetect.outlookmobile.com'],
  exo: ['outlook.office365.com'],
  entra: ['login.microsoftonline.com'],
  wap: ['sts.contoso.com'],
  adfs: ['adfs.contoso.local'],
  'onprem-autodiscover': ['autodiscover.contoso.com'],
  'onprem-eas': ['mail.contoso.com'],
  'outlook-service': ['outlook-service.outlookmobile.com'],
});

/** A service app whose routes echo what they got, and whose renderer says what it was handed. */
function echoApp() {
  const log = createMemoryLogger();
  const trace = createTraceRecorder({ clock: createVirtualClock() });
  const app = createServiceApp('entra', { trace, hosts });
  app.get('/:tenant/info', (req, res) => res.json({ tenant: req.params.tenant }));
  app.post('/json', (req, res) => res.json({ got: req.body as unknown }));
  app.use(
    protocolErrorHandler('entra', { log }, (error, _req, res) => {
      res
        .status(isLabError(error) ? error.status : 500)
        .json({ lab: isLabError(error), code: isLabError(error) ? error.code : 'bug' });
    }),
  );
  return { app, log, trace };
}

describe('express-level client errors are the caller’s mistake', () => {
  test('a path parameter that does not percent-decode is a 400 in the protocol’s shape, not a logged bug', async () => {
    const { app, log } = echoApp();
    const res = await request(app).get('/%E0/info');
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ lab: true, code: 'bad_request' });
    expect(log.entries.filter((e) => e.level === 'error')).toEqual([]);
    // The same route with a good parameter still answers.
    expect((await request(app).get('/contoso/info')).body).toEqual({ tenant: 'contoso' });
  });

  test('asLabError keeps LabErrors, wraps 4xx http errors and leaves bugs alone', () => {
    const lab = new LabError(409, 'conflict', 'x');
    expect(asLabError(lab)).toBe(lab);
    const wrapped = asLabError(Object.assign(new URIError('bad %'), { status: 400 }));
    expect(wrapped).toBeInstanceOf(LabError);
    expect((wrapped as LabError).status).toBe(400);
    const bug = new TypeError('undefined is not a function');
    expect(asLabError(bug)).toBe(bug);
    expect(asLabError(Object.assign(new Error('x'), { status: 503 }))).not.toBeInstanceOf(LabError);
  });
});

describe('JSON bodies', () => {
  const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

  test(`nesting up to ${MAX_JSON_DEPTH} levels is read; deeper is a malformed body (400)`, async () => {
    const { app } = echoApp();
    const ok = await request(app).post('/json').type('json').send(nested(MAX_JSON_DEPTH));
    expect(ok.status).toBe(200);
    const deep = await request(app)
      .post('/json')
      .type('json')
      .send(nested(MAX_JSON_DEPTH + 1));
    expect(deep.status).toBe(400);
    expect(deep.body.code).toBe('malformed_body');
    const veryDeep = await request(app).post('/json').type('json').send(nested(5000));
    expect(veryDeep.status).toBe(400);
  });

  test('brackets inside strings do not count toward the nesting', async () => {
    const { app } = echoApp();
    const text = JSON.stringify({ a: '['.repeat(500), b: '\\"[[[' });
    const res = await request(app).post('/json').type('json').send(text);
    expect(res.status).toBe(200);
    expect(res.body.got).toEqual(JSON.parse(text));
  });

  test('a lone surrogate escape becomes U+FFFD; a surrogate pair stays whole', async () => {
    const { app } = echoApp();
    const res = await request(app)
      .post('/json')
      .type('json')
      .send('{"user":"a\\udc00@contoso.com","pair":"\\ud83d\\ude00","lone":["\\ud800x"]}');
    expect(res.status).toBe(200);
    expect(res.body.got).toEqual({
      user: 'a\uFFFD@contoso.com',
      pair: '\u{1F600}',
      lone: ['\uFFFDx'],
    });
    expect(() => encodeURIComponent(res.body.got.user as string)).not.toThrow();
  });
});

describe('texts made from what a caller claimed', () => {
  test('diagnosticsHeader makes a reason fit for a header, which node then accepts', () => {
    const text = diagnosticsHeader({
      code: '2000003',
      reason: 'The audience claim value is invalid \u2028https://x "quoted"\n.',
      category: 'invalid_resource',
    });
    expect(text).toBe(
      `2000003;reason="The audience claim value is invalid ?https://x 'quoted'?.";error_category="invalid_resource"`,
    );
    const app = express();
    app.get('/', (_req, res) => res.set('x-ms-diagnostics', text).end());
    return request(app).get('/').expect(200).expect('x-ms-diagnostics', text);
  });

  test('isoTime writes any time, even one no Date can hold', () => {
    expect(isoTime(Date.UTC(2026, 0, 5))).toBe('2026-01-05T00:00:00.000Z');
    expect(isoTime(1e17 * 1000)).toBe('100000000000000000 (epoch seconds)');
    expect(isoTime(-1e17 * 1000)).toBe('-100000000000000000 (epoch seconds)');
    expect(isoTime(NaN)).toBe('NaN (epoch seconds)');
  });
});

describe('fault parameters are checked before a fault is switched on', () => {
  test('a duration that does not parse is a 400 and leaves the board as it was', () => {
    const board = createFaultBoard();
    const seen: string[] = [];
    board.onChange((name, params) => seen.push(`${name} ${params ? 'on' : 'off'}`));
    for (const params of [{ after: 'bogus' }, { after: -1 }, { every: { x: 1 } }]) {
      let thrown: unknown;
      try {
        board.on('signing-key-rotation', params);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(LabError);
      expect((thrown as LabError).status).toBe(400);
      expect((thrown as LabError).code).toBe('invalid_fault_params');
    }
    expect(board.isOn('signing-key-rotation')).toBe(false);
    expect(seen).toEqual([]);
  });

  test('a parameter the fault does not take is a 400 naming the ones it does (a typo did nothing)', () => {
    const board = createFaultBoard();
    expect(() => board.on('eas-503', { retryAfter: 30 })).toThrow(
      'eas-503: retryAfter is not a parameter of eas-503 (it takes retryAfterS)',
    );
    expect(() => board.on('rt2-revoked', { now: true })).toThrow(
      'rt2-revoked: now is not a parameter of rt2-revoked (it takes none)',
    );
    expect(board.active()).toEqual([]);
  });

  test('numbers as numbers or as the CLI’s digits, durations as text: accepted', () => {
    const board = createFaultBoard();
    board.on('eas-503', { retryAfterS: '10' });
    board.on('entra-503', { retryAfterS: 5 });
    board.on('signing-key-rotation', { after: '2h', every: '1d' });
    expect(board.active().map((f) => f.name)).toEqual([
      'eas-503',
      'entra-503',
      'signing-key-rotation',
    ]);
    expect(() => board.on('eas-503', { retryAfterS: 'abc' })).toThrow(
      /retryAfterS must be a number/,
    );
    expect(board.params('eas-503')).toEqual({ retryAfterS: '10' });
    expect(faultParamProblems('not-in-catalogue', { anything: 'goes' })).toEqual([]);
    // A negative number as the CLI sends it, where the bounds allow one.
    expect(faultParamProblems('onprem-clock-skew', { offsetMinutes: '-10' })).toEqual([]);
    expect(faultParamProblems('onprem-clock-skew', { offsetMinutes: '-1441' })).toEqual([
      'offsetMinutes must be a number from -1440 to 1440, got "-1441"',
    ]);
    expect(faultParamProblems('eas-503', { retryAfterS: '-1' })).toEqual([
      'retryAfterS must be a number from 0 to 86400, got "-1"',
    ]);
  });

  test('numbers with bounds: a day of Retry-After, AT2 living 60 s to 1 h, Entra slowed a minute at most', () => {
    const problems = (name: string, params: Record<string, unknown>) =>
      faultParamProblems(name, params);
    expect(problems('eas-503', { retryAfterS: 86_400 })).toEqual([]);
    expect(problems('eas-503', { retryAfterS: 86_401 })).toEqual([
      'retryAfterS must be a number from 0 to 86400, got 86401',
    ]);
    expect(problems('entra-503', { retryAfterS: '10000000000000' })).toHaveLength(1);
    expect(problems('at2-expiring-mid-sync', { lifetimeS: 60 })).toEqual([]);
    expect(problems('at2-expiring-mid-sync', { lifetimeS: 0 })).toEqual([
      'lifetimeS must be a number from 60 to 3600, got 0',
    ]);
    expect(problems('entra-slow', { delayMs: 60_001 })).toHaveLength(1);
    expect(problems('entra-slow', { delayMs: -1 })).toEqual([
      'delayMs must be a number from 0 to 60000, got -1',
    ]);
    const board = createFaultBoard();
    expect(() => board.on('eas-503', { retryAfterS: 1e13 })).toThrow(/from 0 to 86400/);
    expect(board.isOn('eas-503')).toBe(false);
  });
});
