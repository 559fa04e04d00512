import { contosoScenario, createServiceApp, createTestContext, parseScenario } from '@hma-lab/core';
import { createOnpremActiveSync } from '@hma-lab/exchange-onprem';
import { withoutOutlookBlockRule } from '@hma-lab/outlook-service';
import { resolveOutlookServiceConfig } from '../src/config.js';
import { createBasicConnector } from '../src/connector/basic-connector.js';
import { createRuntimeMemory } from '../src/protocol/runtime-memory.js';
import { createStores } from '../src/protocol/stores.js';
import { withholdSecrets } from '../src/http/withhold-secrets.js';
import { ALICE, FIXED_KEY } from './helpers.js';

/**
 * "Wipes the key and the plaintext from memory": the Buffers the service got
 * are all zeros once it is done with them, on success and on refusal, and a
 * flushed password's Buffer is overwritten, not just dropped.
 */

const zero = (b: Buffer): boolean => b.every((byte) => byte === 0);

function setUp(blockOutlook = false) {
  const input = blockOutlook ? contosoScenario : withoutOutlookBlockRule(contosoScenario);
  const ctx = createTestContext({ scenario: parseScenario(structuredClone(input)) });
  const eas = createOnpremActiveSync(ctx.depsFor('onprem-eas'));
  ctx.mount('onprem-eas', eas.app);
  const deps = ctx.depsFor('outlook-service');
  const config = resolveOutlookServiceConfig(deps.hosts);
  const stores = createStores();
  const memory = createRuntimeMemory();
  const connector = createBasicConnector(deps, config, stores, memory);
  const signIn = () => ({
    emailAddress: ALICE.email,
    userName: ALICE.email,
    deviceId: 'P1',
    activeSyncUrl: config.activeSyncUrl,
    password: Buffer.from(ALICE.password),
    deviceKey: Buffer.from(FIXED_KEY),
  });
  return { ctx, connector, memory, stores, signIn };
}

it('sign-in wipes password and key after sealing; connect wipes the key; flush wipes the password', async () => {
  const { connector, memory, signIn } = setUp();
  const request = signIn();
  const account = await connector.signIn(request);
  expect(zero(request.password) && zero(request.deviceKey)).toBe(true);

  const key = Buffer.from(FIXED_KEY);
  await connector.connect(account.accountId, { deviceKey: key, reason: 'foreground' });
  expect(zero(key)).toBe(true);
  const held = memory.peek(account.accountId)!;
  expect(held.toString()).toBe(ALICE.password);

  connector.close();
  expect(zero(held)).toBe(true);
  expect(memory.list()).toEqual([]);
});

it('a refused sign-in wipes the credentials at once and stores nothing', async () => {
  const { connector, stores, signIn } = setUp(true);
  const request = signIn();
  await expect(connector.signIn(request)).rejects.toMatchObject({ status: 403, step: 4 });
  expect(zero(request.password) && zero(request.deviceKey)).toBe(true);
  expect(stores.accounts.size + stores.credentials.size + stores.mailboxes.size).toBe(0);
  connector.close();
});

it('a wrong key is wiped too, and the purge zeroes the ciphertext it removes', async () => {
  const { ctx, connector, stores, signIn } = setUp();
  const account = await connector.signIn(signIn());
  const wrong = Buffer.alloc(16, 7);
  await expect(
    connector.connect(account.accountId, { deviceKey: wrong, reason: 'foreground' }),
  ).rejects.toMatchObject({ status: 401 });
  expect(zero(wrong)).toBe(true);
  const { ciphertext } = stores.credentials.get(account.accountId)!.sealed;
  await ctx.clock.advance('7d');
  expect(stores.credentials.size).toBe(0);
  expect(zero(ciphertext)).toBe(true);
  connector.close();
});

it('the request bytes that carried password and key are overwritten before any handler runs', async () => {
  const ctx = createTestContext();
  const app = createServiceApp('outlook-service', ctx.depsFor('outlook-service'));
  let original: Buffer | undefined;
  let seenByHandler: string | undefined;
  app.use((req, _res, next) => {
    original = req.rawBody;
    next();
  });
  app.use(withholdSecrets);
  app.post('/x', (req, res) => {
    seenByHandler = req.rawBody?.toString('utf8');
    res.status(204).end();
  });
  ctx.mount('outlook-service', app);
  const body = JSON.stringify({
    password: ALICE.password,
    deviceKey: FIXED_KEY.toString('base64'),
  });
  await ctx.fetchFor('device')('https://prod-outlookservice.outlookmobile.com/x', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  expect(original!.length).toBe(Buffer.byteLength(body));
  expect(zero(original!)).toBe(true);
  expect(JSON.parse(seenByHandler!)).toEqual({ password: '[redacted]', deviceKey: '[redacted]' });
});
