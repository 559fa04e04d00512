import type { TraceEvent } from '@hma-lab/core';
import { DeviceFlowError } from '@hma-lab/outlook-mobile';
import {
  ALICE,
  createBasicLab,
  expectNothingLeaked,
  FIXED_KEY,
  signInBody,
  type BasicLab,
} from './helpers.js';

/**
 * Seed FAQ: if Exchange blocks Outlook, the first connection is refused, the
 * credentials are never stored and are flushed from memory at once. The lab's
 * readings of "Exchange blocks Outlook": HMA-DOC's DeviceModel rule (contoso
 * as shipped), a DeviceType rule, an authentication policy with
 * BlockLegacyAuthActiveSync, Basic switched off on the virtual directory.
 */

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

function dropped(): TraceEvent[] {
  return lab.ctx.trace
    .entries()
    .filter(
      (e): e is TraceEvent =>
        e.kind === 'event' && e.action === 'outlook.basic.credentials.dropped',
    );
}

function expectNothingStored(): void {
  expect(lab.outlook.stores.accounts.size).toBe(0);
  expect(lab.outlook.stores.credentials.size).toBe(0);
  expect(lab.outlook.stores.mailboxes.size).toBe(0);
  expect(lab.outlook.passwordsInMemory()).toEqual([]);
  expectNothingLeaked(lab, ALICE.password, FIXED_KEY);
}

async function refusedSignIn(): Promise<DeviceFlowError> {
  const phone = lab.phone();
  const error = await phone.connect(ALICE).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeviceFlowError);
  expect(phone.storage().accountId).toBeUndefined();
  return error as DeviceFlowError;
}

describe('Exchange blocks the device: refused at the first connection, nothing stored', () => {
  it('contoso as shipped: the DeviceModel rule "Outlook for iOS and Android" (Status 129)', async () => {
    lab = createBasicLab({ blockOutlook: true });
    const error = await refusedSignIn();
    expect(error).toMatchObject({
      flow: 'C',
      step: 4,
      reason: 'exchange-refused',
      detail: { status: 403, code: 'ExchangeRefused', reason: 'device-blocked' },
    });
    expectNothingStored();
    expect(dropped()).toHaveLength(1);
    expect(dropped()[0]!.data).toMatchObject({ reason: 'device-blocked', easStatus: 129 });
    // Exchange saw the service's connection and blocked it by the rule.
    const [device] = lab.eas.devices.list('alice@contoso.com');
    expect(device).toMatchObject({ deviceType: 'Outlook' });
    expect(lab.eas.deviceAccess('alice@contoso.com', device!.deviceId)).toMatchObject({
      level: 'Block',
      rule: { characteristic: 'DeviceModel', queryString: 'Outlook for iOS and Android' },
    });
  });

  it('a DeviceType rule blocking "Outlook"', async () => {
    lab = createBasicLab({
      scenario: (s) =>
        void s.exchange.onprem.deviceAccess!.rules!.push({
          characteristic: 'DeviceType',
          queryString: 'Outlook',
          accessLevel: 'Block',
        }),
    });
    const error = await refusedSignIn();
    expect(error.detail).toMatchObject({ status: 403, reason: 'device-blocked' });
    expectNothingStored();
  });

  it('an authentication policy with BlockLegacyAuthActiveSync (401 without the Basic challenge)', async () => {
    lab = createBasicLab({
      scenario: (s) => {
        s.exchange.onprem.authenticationPolicies = [
          { name: 'Block Legacy Auth', blockLegacyAuthActiveSync: true },
        ];
        s.users.find((u) => u.upn === 'alice@contoso.com')!.authenticationPolicy =
          'Block Legacy Auth';
      },
    });
    const error = await refusedSignIn();
    expect(error).toMatchObject({ step: 4, detail: { status: 403, reason: 'basic-auth-blocked' } });
    expectNothingStored();
  });

  it('the same policy answered with 403 (onprem blockedBasic: forbidden)', async () => {
    lab = createBasicLab({
      scenario: (s) => {
        s.exchange.onprem.authenticationPolicies = [
          { name: 'Block Legacy Auth', blockLegacyAuthActiveSync: true },
        ];
        s.exchange.onprem.defaultAuthenticationPolicy = 'Block Legacy Auth';
      },
      easConfig: { blockedBasic: 'forbidden' },
    });
    const error = await refusedSignIn();
    expect(error.detail).toMatchObject({ status: 403, reason: 'forbidden' });
    expectNothingStored();
  });

  it('Basic authentication switched off on the ActiveSync virtual directory', async () => {
    lab = createBasicLab({ scenario: (s) => void (s.exchange.onprem.basicAuth = false) });
    const error = await refusedSignIn();
    expect(error.detail).toMatchObject({ reason: 'basic-auth-blocked' });
    expectNothingStored();
  });

  it('a wrong password: 401 InvalidCredentials, nothing stored', async () => {
    lab = createBasicLab();
    const answer = await lab.call(
      'POST',
      '/api/basic/v1/accounts',
      signInBody({ password: 'nope-not-it' }),
    );
    expect(answer.status).toBe(401);
    expect(answer.body.error).toMatchObject({
      code: 'InvalidCredentials',
      step: 4,
      reason: 'password-rejected',
    });
    expectNothingStored();
    expectNothingLeaked(lab, 'nope-not-it', FIXED_KEY);
  });
});

describe('Exchange refuses later connections', () => {
  it('the administrator blocks the device after sign-in: the next start is refused and everything is dropped', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    const { easDeviceId } = lab.outlook.account(accountId)!;
    lab.eas.setDeviceAccess('alice@contoso.com', easDeviceId, 'Block');
    await lab.ctx.clock.advance('10m');
    await expect(phone.openApp()).rejects.toMatchObject({
      step: 8,
      reason: 'exchange-refused',
      detail: { reason: 'device-blocked' },
    });
    expectNothingStored();
    expect(dropped()[0]!.data).toMatchObject({ when: 'later-connection' });
    await expect(phone.openApp()).rejects.toMatchObject({ reason: 'no-account' });
  });

  it('blocked while the app is closed: the keep-alive sync stops and drops the account', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    lab.eas.setDeviceAccess(
      'alice@contoso.com',
      lab.outlook.account(accountId)!.easDeviceId,
      'Block',
    );
    await lab.ctx.clock.advance('1h');
    expectNothingStored();
    const warning = lab.ctx.log.entries.find((e) => e.level === 'warn');
    expect(warning?.message).toMatch(/background sync of alice@contoso.com failed/);
    const before = lab.ctx.trace.exchanges().length;
    await lab.ctx.clock.advance('1d');
    expect(lab.ctx.trace.exchanges().length).toBe(before);
  });

  it('the password changed on-premises: 401, the useless ciphertext goes, a new sign-in works', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    await phone.connect(ALICE);
    lab.ctx.directory.changePassword('alice@contoso.com', 'N3w-Passw0rd!');
    await expect(phone.openApp()).rejects.toMatchObject({
      step: 8,
      reason: 'invalid-credentials',
    });
    expectNothingStored();
    const again = await phone.connect({ email: ALICE.email, password: 'N3w-Passw0rd!' });
    expect(again.messages.length).toBeGreaterThan(0);
    expectNothingLeaked(lab, 'N3w-Passw0rd!', FIXED_KEY);
  });
});
