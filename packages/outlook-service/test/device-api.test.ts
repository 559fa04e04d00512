import { randomUUID } from 'node:crypto';
import request from 'supertest';
import {
  ALICE,
  createBasicLab,
  expectNothingLeaked,
  FIXED_KEY,
  signInBody,
  type BasicLab,
} from './helpers.js';

/**
 * The device API's answers to bad input: always `{"error":{code,message}}`
 * with a fitting status, never a stack trace or a crash, and never a loss of
 * what is stored.
 */

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

const ACCOUNTS = '/api/basic/v1/accounts';
const KEY = FIXED_KEY.toString('base64');

async function signedIn(): Promise<string> {
  const answer = await lab.call('POST', ACCOUNTS, signInBody());
  expect(answer.status).toBe(201);
  return answer.body.accountId!;
}

describe('sign-in (POST /api/basic/v1/accounts)', () => {
  it('answers 201 with the account and a Location', async () => {
    lab = createBasicLab();
    const answer = await lab.call('POST', ACCOUNTS, signInBody());
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({
      accountId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      emailAddress: 'alice@contoso.com',
      accountType: 'Exchange',
      state: 'ready',
      createdDateTime: '2026-01-05T09:00:00.000Z',
      lastSyncDateTime: null,
    });
    expect(answer.headers.get('location')).toBe(`${ACCOUNTS}/${answer.body.accountId}`);
  });

  it.each([
    ['no password', { password: undefined }, /password is required/],
    ['a password that is not a string', { password: 42 }, /password must be a string/],
    ['no device key', { deviceKey: undefined }, /deviceKey is required/],
    ['a 15-byte key', { deviceKey: Buffer.alloc(15, 1).toString('base64') }, /16 bytes/],
    ['a key that is not base64', { deviceKey: '!!!!!!!!!!!!!!!!!!!!!!==' }, /16 bytes/],
    ['a bad address', { emailAddress: 'alice' }, /not an e-mail address/],
    ['no device id', { deviceId: undefined }, /deviceId is required/],
    ['a device id with spaces', { deviceId: 'my phone' }, /deviceId must be/],
    [
      'an ActiveSync URL elsewhere',
      { activeSyncUrl: 'https://login.microsoftonline.com/Microsoft-Server-ActiveSync' },
      /on-premises ActiveSync host/,
    ],
    [
      'an http ActiveSync URL',
      { activeSyncUrl: 'http://mail.contoso.com/Microsoft-Server-ActiveSync' },
      /https URL/,
    ],
    [
      'an ActiveSync URL with a query',
      { activeSyncUrl: 'https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=Sync' },
      /without a query/,
    ],
    ['a user name with a colon', { userName: 'a:b' }, /^userName must be/],
    [
      'no user name and an address with a colon, standing in for it',
      { emailAddress: 'a:b@contoso.com' },
      /^emailAddress, the user name when no userName is given, must be/,
    ],
  ])('400 InvalidRequest for %s, and Exchange is never called', async (_name, change, message) => {
    lab = createBasicLab();
    const answer = await lab.call('POST', ACCOUNTS, signInBody(change));
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({
      error: { code: 'InvalidRequest', message: expect.stringMatching(message), step: 2 },
    });
    expect(lab.ctx.trace.exchanges().filter((e) => e.from === 'outlook-service')).toEqual([]);
    expect(lab.outlook.stores.accounts.size).toBe(0);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });

  it('400 for bodies that are not a JSON object', async () => {
    lab = createBasicLab();
    for (const [type, body] of [
      ['application/json', '[1,2]'],
      ['application/json', '"text"'],
      ['application/json', '{"password":'],
      ['text/plain', 'password=x'],
    ] as const) {
      const res = await request(lab.outlook.app)
        .post(ACCOUNTS)
        .set('content-type', type)
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('InvalidRequest');
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts|node_modules/);
    }
  });

  it('413 for a body over 64 KiB', async () => {
    lab = createBasicLab();
    const answer = await lab.call('POST', ACCOUNTS, signInBody({ deviceId: 'x'.repeat(70_000) }));
    expect(answer.status).toBe(413);
    expect(answer.body.error!.code).toBe('RequestTooLarge');
  });

  it('502 when on-premises ActiveSync cannot be reached; 503 when it is unavailable; nothing stored', async () => {
    lab = createBasicLab({ mountExchange: false });
    const unreachable = await lab.call('POST', ACCOUNTS, signInBody());
    expect(unreachable.status).toBe(502);
    expect(unreachable.body.error).toMatchObject({ code: 'ExchangeUnreachable', step: 4 });
    lab.ctx.mount('onprem-eas', lab.eas.app);
    lab.ctx.faults.on('eas-503');
    const unavailable = await lab.call('POST', ACCOUNTS, signInBody());
    expect(unavailable.status).toBe(503);
    expect(unavailable.body.error).toMatchObject({ code: 'ExchangeUnavailable', step: 4 });
    expect(lab.outlook.stores.accounts.size).toBe(0);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });
});

describe('later connections (POST /api/basic/v1/accounts/{id}/connect)', () => {
  it('an Exchange that never answers: 502 after exchangeRequestTimeout, and the account works on once it answers', async () => {
    lab = createBasicLab({ config: { exchangeRequestTimeout: 200 } });
    const id = await signedIn();
    lab.ctx.mount('onprem-eas', () => undefined); // takes every request, answers none
    const hung = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
    expect(hung.status).toBe(502);
    expect(hung.body.error).toMatchObject({ code: 'ExchangeUnreachable', reason: 'etimedout' });
    lab.ctx.mount('onprem-eas', lab.eas.app);
    const ok = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
    expect(ok.status).toBe(200);
    await lab.ctx.clock.advance('8d'); // the background work is not stuck behind it either
    expect(lab.outlook.passwordsInMemory()).toEqual([]);
  });

  it('401 DeviceKeyRejected for a wrong key; the account is untouched and the right key still works', async () => {
    lab = createBasicLab();
    const id = await signedIn();
    const wrong = Buffer.from(FIXED_KEY);
    wrong[15]! ^= 0xff;
    const refused = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, {
      deviceKey: wrong.toString('base64'),
    });
    expect(refused.status).toBe(401);
    expect(refused.body.error).toMatchObject({ code: 'DeviceKeyRejected', step: 7 });
    expect(lab.outlook.passwordsInMemory()).toEqual([]);
    expect(lab.outlook.account(id)!.ciphertextStored).toBe(true);

    const ok = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
    expect(ok.status).toBe(200);
    expect(ok.body['account']).toMatchObject({ accountId: id, state: 'connected' });
    expect((ok.body['messages'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('404 AccountNotFound (step 12) for an unknown or malformed account id', async () => {
    lab = createBasicLab();
    for (const id of [randomUUID(), 'not-an-id', '..%2F..%2Fetc']) {
      const answer = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
      expect(answer.status).toBe(404);
      expect(answer.body.error).toMatchObject({ code: 'AccountNotFound', step: 12 });
    }
  });

  it('400 for a missing key or an unknown reason, without touching the account', async () => {
    lab = createBasicLab();
    const id = await signedIn();
    const noKey = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, {});
    expect(noKey.body.error).toMatchObject({ code: 'InvalidRequest', step: 6 });
    const badReason = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, {
      deviceKey: KEY,
      reason: 'push',
    });
    expect(badReason.status).toBe(400);
    expect(lab.outlook.account(id)!.ciphertextStored).toBe(true);
  });

  it('503 when Exchange is unavailable: ciphertext kept, password held for the active user', async () => {
    lab = createBasicLab();
    const id = await signedIn();
    lab.ctx.faults.on('eas-503');
    const answer = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toMatchObject({ code: 'ExchangeUnavailable', step: 8 });
    expect(lab.outlook.account(id)).toMatchObject({
      ciphertextStored: true,
      passwordInMemory: true,
    });
    lab.ctx.faults.off('eas-503');
    const retry = await lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY });
    expect(retry.status).toBe(200);
  });

  it('serves concurrent connections of one account one after the other', async () => {
    lab = createBasicLab();
    const id = await signedIn();
    const answers = await Promise.all(
      [0, 1, 2].map(() => lab.call('POST', `${ACCOUNTS}/${id}/connect`, { deviceKey: KEY })),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    const counts = answers.map((a) => (a.body['messages'] as unknown[]).length);
    expect(new Set(counts).size).toBe(1);
  });
});

describe('delete account and other paths', () => {
  it('DELETE needs the right key; 204 then 404', async () => {
    lab = createBasicLab();
    const id = await signedIn();
    const wrong = await lab.call('DELETE', `${ACCOUNTS}/${id}`, {
      deviceKey: Buffer.alloc(16).toString('base64'),
    });
    expect(wrong.status).toBe(401);
    expect(lab.outlook.account(id)).toBeDefined();
    expect((await lab.call('DELETE', `${ACCOUNTS}/${id}`, { deviceKey: KEY })).status).toBe(204);
    expect((await lab.call('DELETE', `${ACCOUNTS}/${id}`, { deviceKey: KEY })).status).toBe(404);
  });

  it('405 with Allow for the wrong method, 404 JSON elsewhere', async () => {
    lab = createBasicLab();
    const get = await request(lab.outlook.app).get(ACCOUNTS);
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect(get.body.error.code).toBe('MethodNotAllowed');
    const other = await request(lab.outlook.app).get('/owa/');
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: { code: 'NotFound', message: expect.any(String) } });
  });
});

describe('bad input in the protocol shape, not a 500', () => {
  it.each(['POST', 'GET', 'DELETE'])(
    '%s on an account id that does not percent-decode is 400 InvalidRequest',
    async (method) => {
      lab = createBasicLab();
      const body = method === 'GET' ? undefined : { deviceKey: KEY };
      const answer = await lab.call(method, `${ACCOUNTS}/%E0%A4%A`, body);
      expect(answer.status).toBe(400);
      expect(answer.body.error?.code).toBe('InvalidRequest');
      expect(lab.ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
    },
  );

  it('a JSON body nested 5,000 deep is a malformed body (400), withheld from the trace', async () => {
    lab = createBasicLab();
    const answer = await lab.call('POST', ACCOUNTS, `${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('InvalidRequest');
    expect(lab.ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
