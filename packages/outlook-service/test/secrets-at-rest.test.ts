import { randomBytes } from 'node:crypto';
import {
  openSealedPassword,
  sealContext,
  sealPassword,
  SealOpenError,
} from '@hma-lab/outlook-service';
import {
  ALICE,
  collect,
  createBasicLab,
  expectNothingLeaked,
  findSecret,
  FIXED_KEY,
  signInBody,
  type BasicLab,
} from './helpers.js';

/**
 * Issue 8 acceptance: after sign-in, reconnect, the 3-day flush and the weekly
 * purge, neither the password nor the device key (in any encoding) is in any
 * store, log line or trace record; the ciphertext opens with the device key
 * and with nothing else.
 */

const PASSWORD = Buffer.from(ALICE.password, 'utf8');

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

describe('the scanner', () => {
  it('finds a password and a key in every form it checks (so a clean scan means something)', () => {
    const basic = `Basic ${Buffer.from(`alice@contoso.com:${ALICE.password}`).toString('base64')}`;
    const planted = collect({
      log: [{ message: `oops ${ALICE.password}` }],
      header: basic,
      hex: FIXED_KEY.toString('hex').toUpperCase(),
      b64url: FIXED_KEY.toString('base64url'),
      blob: Buffer.concat([Buffer.from('x'), FIXED_KEY]),
      map: new Map([['k', { nested: [FIXED_KEY.toString('base64')] }]]),
    });
    expect(findSecret(planted, PASSWORD).length).toBeGreaterThanOrEqual(2);
    expect(findSecret(planted, FIXED_KEY).length).toBeGreaterThanOrEqual(4);
    expect(findSecret(collect({ clean: 'nothing here', n: 42 }), PASSWORD)).toEqual([]);
  });
});

describe('secrets never at rest', () => {
  it('after sign-in: only the ciphertext is stored, nothing is in memory', async () => {
    lab = createBasicLab();
    const answer = await lab.call('POST', '/api/basic/v1/accounts', signInBody());
    expect(answer.status).toBe(201);
    const { accountId } = answer.body as { accountId: string };
    const record = lab.outlook.stores.credentials.get(accountId)!;
    expect(record.sealed.algorithm).toBe('AES-128-GCM');
    expect(record.sealed.ciphertext.length).toBe(PASSWORD.length);
    expect(record.sealed.ciphertext.equals(PASSWORD)).toBe(false);
    expect(lab.outlook.passwordsInMemory()).toEqual([]);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });

  it('after the first connection and a reconnect: the password is only in memory', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const first = await phone.connect(ALICE);
    expect(first.messages.length).toBeGreaterThan(0);
    expect(lab.outlook.passwordsInMemory().map((m) => m.accountId)).toEqual([first.accountId]);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);

    await lab.ctx.clock.advance('5h');
    const again = await phone.openApp();
    expect(again.account['state']).toBe('connected');
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
    // The device keeps its key, never the password.
    const storage = collect(phone.storage());
    expect(findSecret(storage, PASSWORD)).toEqual([]);
    expect(phone.storage().deviceKey!.equals(FIXED_KEY)).toBe(true);
  });

  it('after the 3-day flush and after the weekly purge', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    await lab.ctx.clock.advance('3d');
    expect(lab.outlook.passwordsInMemory()).toEqual([]);
    expect(lab.outlook.stores.credentials.has(accountId)).toBe(true);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);

    await lab.ctx.clock.advance('4d');
    expect(lab.outlook.stores.credentials.size).toBe(0);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });

  it('with a random key, a long password and a refused attempt in between', async () => {
    lab = createBasicLab({
      scenario: (s) =>
        void (s.users.find((u) => u.upn === 'dave@fabrikam.com')!.password =
          'Correct horse battery staple 42!'),
    });
    const key = randomBytes(16);
    const phone = lab.phone({ randomBytes: () => Buffer.from(key) });
    await expect(
      phone.connect({ email: 'dave@fabrikam.com', password: 'Tr0ub4dor&3-not-it' }),
    ).rejects.toMatchObject({
      step: 4,
    });
    await phone.connect({
      email: 'dave@fabrikam.com',
      password: 'Correct horse battery staple 42!',
    });
    await lab.ctx.clock.advance('2h');
    await phone.openApp();
    expectNothingLeaked(lab, 'Correct horse battery staple 42!', key);
    expectNothingLeaked(lab, 'Tr0ub4dor&3-not-it', key);
  });

  it('the trace still says which secret crossed which boundary', async () => {
    lab = createBasicLab();
    await lab.phone().connect(ALICE);
    const crossings = lab.ctx.trace
      .exchanges()
      .flatMap((e) => e.secrets.map((s) => `${e.from}->${e.to} ${s.name}`));
    expect(new Set(crossings)).toEqual(
      new Set([
        'device->outlook-service password',
        'device->outlook-service deviceKey',
        'outlook-service->onprem-eas password',
      ]),
    );
    const signIn = lab.ctx.trace.exchanges().find((e) => e.url.endsWith('/api/basic/v1/accounts'))!;
    expect(JSON.parse(signIn.requestBody!.text!)).toMatchObject({
      emailAddress: 'alice@contoso.com',
      password: '[redacted]',
      deviceKey: '[redacted]',
    });
  });
  it('a form-encoded sign-in is withheld from the trace the same way', async () => {
    lab = createBasicLab();
    const res = await lab.ctx.fetchFor('device')(
      'https://prod-outlookservice.outlookmobile.com/api/basic/v1/accounts',
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(signInBody() as Record<string, string>).toString(),
      },
    );
    expect(res.status).toBe(201);
    const signIn = lab.ctx.trace.exchanges().find((e) => e.url.endsWith('/api/basic/v1/accounts'))!;
    expect(signIn.secrets.map((s) => s.name).sort()).toEqual(['deviceKey', 'password']);
    expect(signIn.requestBody!.text).toContain('emailAddress=alice%40contoso.com');
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });
  it('bodies the service cannot read are withheld from the trace too', async () => {
    lab = createBasicLab();
    const device = lab.ctx.fetchFor('device');
    const url = 'https://prod-outlookservice.outlookmobile.com/api/basic/v1/accounts';
    const good = JSON.stringify(signInBody());
    for (const [type, body] of [
      ['application/json', good.slice(0, -1)],
      ['text/plain', good],
      ['application/json', `[${good}]`],
    ] as const) {
      const res = await device(url, { method: 'POST', headers: { 'content-type': type }, body });
      expect(res.status).toBe(400);
    }
    const texts = lab.ctx.trace.exchanges().map((e) => e.requestBody?.text);
    expect(texts).toEqual([
      expect.stringMatching(/byte body withheld/),
      expect.stringMatching(/byte body withheld/),
      // An array is still JSON: shown, with the secrets masked where they sit.
      expect.stringContaining('"password":"[redacted]"'),
    ]);
    expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
  });
});

describe('the ciphertext', () => {
  it('opens with the device key and with no other key or account', async () => {
    lab = createBasicLab();
    const { accountId } = await lab.phone().connect(ALICE);
    const account = lab.outlook.stores.accounts.get(accountId)!;
    const { sealed } = lab.outlook.stores.credentials.get(accountId)!;

    const opened = openSealedPassword(sealed, FIXED_KEY, sealContext(account));
    expect(opened.toString('utf8')).toBe(ALICE.password);

    const wrongKey = Buffer.from(FIXED_KEY);
    wrongKey[0]! ^= 1;
    expect(() => openSealedPassword(sealed, wrongKey, sealContext(account))).toThrow(SealOpenError);
    expect(() => openSealedPassword(sealed, Buffer.alloc(16), sealContext(account))).toThrow(
      SealOpenError,
    );
    expect(() =>
      openSealedPassword(
        sealed,
        FIXED_KEY,
        sealContext({ accountId: 'another', emailAddress: account.emailAddress }),
      ),
    ).toThrow(SealOpenError);
    const tampered = { ...sealed, ciphertext: Buffer.from(sealed.ciphertext) };
    tampered.ciphertext[0]! ^= 0x80;
    expect(() => openSealedPassword(tampered, FIXED_KEY, sealContext(account))).toThrow(
      SealOpenError,
    );
    expect(() => openSealedPassword(sealed, Buffer.alloc(15), sealContext(account))).toThrow(
      RangeError,
    );
  });

  it('seals the same password differently each time (fresh nonce)', () => {
    lab = createBasicLab();
    const context = Buffer.from('ctx');
    const a = sealPassword(PASSWORD, FIXED_KEY, context);
    const b = sealPassword(PASSWORD, FIXED_KEY, context);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
    expect(openSealedPassword(b, FIXED_KEY, context).equals(PASSWORD)).toBe(true);
  });
});
