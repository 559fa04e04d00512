import { DeviceFlowError } from '@hma-lab/outlook-mobile';
import type { TraceEvent } from '@hma-lab/core';
import { ALICE, createBasicLab, type BasicLab } from './helpers.js';

/**
 * Issue 8 clock tests: everything on the virtual clock, from a Monday 09:00
 * (TEST_START_MS). Inactivity = uninstalled, background refresh off plus
 * force-closed, or no connectivity; not opening the app while background
 * refresh works is not inactivity.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

function events(action: string): TraceEvent[] {
  return lab.ctx.trace
    .entries()
    .filter((e): e is TraceEvent => e.kind === 'event' && e.action === action);
}

/** ActiveSync requests the service made on the user's behalf in (fromMs, toMs). */
function serviceToExchange(fromMs: number, toMs = Number.POSITIVE_INFINITY): number {
  return lab.ctx.trace
    .exchanges()
    .filter((e) => e.from === 'outlook-service' && e.to === 'onprem-eas')
    .filter((e) => e.atMs > fromMs && e.atMs < toMs).length;
}

function cachedItems(accountId: string): number {
  return lab.outlook.account(accountId)?.cachedItems ?? 0;
}

describe('an active user keeps the connection', () => {
  it('daily use for 10 days, background refresh off and the app swiped away each night', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    const purgeRuns: number[] = [];
    for (let day = 1; day <= 10; day++) {
      const dayStart = lab.ctx.clock.now();
      const report = await lab.ctx.clock.advance('1d');
      purgeRuns.push(...report.fired.filter((f) => f.label.includes('purge')).map(() => day));
      // The service held the Exchange connection all day without the app.
      expect(serviceToExchange(dayStart)).toBeGreaterThanOrEqual(20);
      const opened = await phone.openApp();
      expect(opened).toMatchObject({ accountId, resetUp: false });
      expect(opened.messages.length).toBeGreaterThan(0);
      phone.forceClose();
    }
    expect(purgeRuns).toEqual([7]);
    expect(events('outlook.basic.password.flushed')).toEqual([]);
    expect(events('outlook.basic.account.purged')).toEqual([]);
    expect(lab.outlook.account(accountId)).toMatchObject({
      passwordInMemory: true,
      ciphertextStored: true,
    });
    // Ten days on, mail older than the one-month window has left the cache.
    expect(cachedItems(accountId)).toBeGreaterThanOrEqual(15);
  });
});

describe('inactivity flushes the decrypted password after 3 days', () => {
  it('background refresh off + force-closed: flushed at 72 h, ciphertext and data stay, the next start decrypts again', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const start = lab.ctx.clock.now();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    expect(phone.nextWakeUpMs()).toBeUndefined();

    await lab.ctx.clock.advance('71h');
    expect(lab.outlook.account(accountId)!.passwordInMemory).toBe(true);
    await lab.ctx.clock.advance('1h');
    expect(lab.outlook.account(accountId)).toMatchObject({
      passwordInMemory: false,
      ciphertextStored: true,
      cachedItems: 17,
    });
    const [flushed] = events('outlook.basic.password.flushed');
    expect(flushed).toMatchObject({ atMs: start + 3 * DAY, data: { accountId } });

    // Without the password the service cannot reach Exchange any more.
    const afterFlush = lab.ctx.clock.now();
    await lab.ctx.clock.advance('2d');
    expect(serviceToExchange(afterFlush)).toBe(0);

    // Before the weekly job, the device key opens the stored ciphertext again.
    const back = await phone.openApp();
    expect(back).toMatchObject({ accountId, resetUp: false });
    expect(lab.outlook.account(accountId)!.passwordInMemory).toBe(true);
  });

  it('no connectivity for 3 days flushes, even with background refresh on', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    await lab.ctx.clock.advance('10h');
    phone.setConnectivity(false);
    const offlineAt = lab.ctx.clock.now();
    await lab.ctx.clock.advance('3d');
    const [flushed] = events('outlook.basic.password.flushed');
    // The last background wake-up came just before the phone went offline.
    expect(flushed!.atMs).toBe(offlineAt + 3 * DAY);
    await expect(phone.openApp()).rejects.toMatchObject({ flow: 'C', reason: 'offline' });
    phone.setConnectivity(true);
    await expect(phone.openApp()).resolves.toMatchObject({ accountId });
  });

  it('background refresh off alone, or force-close alone, is not inactivity', async () => {
    lab = createBasicLab();
    const refreshOff = lab.phone({ deviceId: 'REFRESHOFF' });
    const swiped = lab.phone({ deviceId: 'SWIPED' });
    const a = await refreshOff.connect(ALICE);
    const b = await swiped.connect(ALICE);
    refreshOff.setBackgroundRefresh(false);
    swiped.forceClose();
    await lab.ctx.clock.advance('5d');
    expect(lab.outlook.account(a.accountId)!.passwordInMemory).toBe(true);
    expect(lab.outlook.account(b.accountId)!.passwordInMemory).toBe(true);
    expect(lab.outlook.account(b.accountId)!.lastActivity).toBe('background');
  });
});

describe('the weekly purge', () => {
  it('removes the ciphertext and the synced mailbox data of inactive accounts; the next start sets up again', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const start = lab.ctx.clock.now();
    const { accountId } = await phone.connect(ALICE);
    expect(cachedItems(accountId)).toBe(17);
    phone.setBackgroundRefresh(false);
    phone.forceClose();

    await lab.ctx.clock.advance('7d');
    const [purged] = events('outlook.basic.account.purged');
    expect(purged).toMatchObject({ atMs: start + 7 * DAY, data: { accountId, items: 17 } });
    expect(lab.outlook.stores.accounts.size).toBe(0);
    expect(lab.outlook.stores.credentials.size).toBe(0);
    expect(lab.outlook.stores.mailboxes.size).toBe(0);
    expect(lab.outlook.passwordsInMemory()).toEqual([]);

    const again = await phone.openApp();
    expect(again.resetUp).toBe(true);
    expect(again.accountId).not.toBe(accountId);
    expect(again.messages.map((m) => m.subject)).toContain('Welcome to the hybrid lab');
    expect(events('outlook.device.account.resetup')).toHaveLength(1);
    expect(lab.outlook.account(again.accountId)).toMatchObject({
      passwordInMemory: true,
      ciphertextStored: true,
    });
    // The same device key sealed the new ciphertext: the phone kept it.
    expect(events('outlook.device.key.generated')).toHaveLength(1);
  });

  it('leaves active accounts alone and runs every week', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    const report = await lab.ctx.clock.advance('21d');
    expect(report.fired.filter((f) => f.label === 'outlook-service weekly purge')).toHaveLength(3);
    expect(lab.outlook.account(accountId)!.ciphertextStored).toBe(true);
    expect(await lab.outlook.runPurge()).toEqual({ purged: [] });
  });
});

describe('a weekend without opening the app', () => {
  it('keeps everything while background refresh works', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    // Monday 09:00 -> Friday 18:00, opening the app every morning.
    for (let day = 0; day < 4; day++) {
      await lab.ctx.clock.advance('1d');
      await phone.openApp();
    }
    await lab.ctx.clock.advance('9h');
    await phone.openApp();
    const friday = lab.ctx.clock.now();
    // Nobody touches the phone until Monday 10:00 (after the weekly job ran at 09:00).
    await lab.ctx.clock.advance('64h');
    expect(events('outlook.basic.password.flushed')).toEqual([]);
    expect(events('outlook.basic.account.purged')).toEqual([]);
    expect(lab.outlook.account(accountId)).toMatchObject({
      passwordInMemory: true,
      ciphertextStored: true,
      lastActivity: 'background',
    });
    expect(cachedItems(accountId)).toBeGreaterThanOrEqual(15);
    expect(lab.outlook.account(accountId)!.lastActivityMs).toBeGreaterThan(friday + 60 * HOUR);
    await expect(phone.openApp()).resolves.toMatchObject({ accountId, resetUp: false });
  });

  it('a long weekend: background refresh keeps it; the same days with refresh off and the app swiped away do not', async () => {
    lab = createBasicLab();
    const keeps = lab.phone({ deviceId: 'KEEPS' });
    const lapses = lab.phone({ deviceId: 'LAPSES' });
    const a = await keeps.connect(ALICE);
    const b = await lapses.connect(ALICE);
    lapses.setBackgroundRefresh(false);
    lapses.forceClose();
    await lab.ctx.clock.advance('4d');
    expect(lab.outlook.account(a.accountId)!.passwordInMemory).toBe(true);
    expect(lab.outlook.account(b.accountId)!.passwordInMemory).toBe(false);
  });
});

describe('new mail while the app is closed', () => {
  it('the service picks it up with the password it holds; the app shows it at the next start', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Budget approved',
      from: 'megan@contoso.com',
      bodyText: 'Go ahead.',
    });
    await lab.ctx.clock.advance('1h');
    expect(cachedItems(accountId)).toBe(18);
    const opened = await phone.openApp();
    expect(opened.messages[0]).toMatchObject({
      subject: 'Budget approved',
      from: { address: 'megan@contoso.com' },
      isRead: false,
    });
  });
});

describe('uninstall and delete account', () => {
  it('after uninstall without "delete account", the service keeps connecting until the account goes inactive', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    await lab.ctx.clock.advance('30m');
    phone.uninstall();
    expect(phone.storage()).toEqual({
      deviceKey: undefined,
      accountId: undefined,
      emailAddress: undefined,
    });
    const gone = lab.ctx.clock.now();
    await lab.ctx.clock.advance('2d');
    expect(serviceToExchange(gone)).toBeGreaterThanOrEqual(40);

    await lab.ctx.clock.advance('1d');
    const [flushed] = events('outlook.basic.password.flushed');
    expect(flushed!.atMs).toBeLessThanOrEqual(gone + 3 * DAY);
    expect(serviceToExchange(flushed!.atMs)).toBe(0);

    // "All data is removed in about 3-7 days": the weekly job after the flush.
    await lab.ctx.clock.advance('4d');
    expect(lab.outlook.account(accountId)).toBeUndefined();
    expect(events('outlook.basic.account.purged')[0]!.atMs - gone).toBeLessThanOrEqual(7 * DAY);
    await expect(phone.openApp()).rejects.toMatchObject({ reason: 'app-not-installed' });
  });

  it('a reinstalled app makes a new device key on its first run', async () => {
    lab = createBasicLab();
    let n = 0;
    const phone = lab.phone({ randomBytes: (size) => Buffer.alloc(size, ++n) });
    await phone.connect(ALICE);
    phone.uninstall();
    phone.install();
    expect(phone.storage().deviceKey).toBeUndefined();
    const second = await phone.connect(ALICE);
    expect(phone.storage().deviceKey).toEqual(Buffer.alloc(16, 2));
    expect(events('outlook.device.key.generated')).toHaveLength(2);
    expect(lab.outlook.accounts()).toHaveLength(2);
    expect(second.resetUp).toBe(false);
  });

  it('"delete account" removes ciphertext, cached data and the password in memory at once', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    await lab.ctx.clock.advance('1m');
    await phone.deleteAccount();
    expect(lab.outlook.account(accountId)).toBeUndefined();
    expect(lab.outlook.stores.credentials.size + lab.outlook.stores.mailboxes.size).toBe(0);
    expect(lab.outlook.passwordsInMemory()).toEqual([]);
    expect(events('outlook.basic.account.deleted')).toHaveLength(1);
    const after = lab.ctx.clock.now();
    await lab.ctx.clock.advance('1d');
    expect(serviceToExchange(after)).toBe(0);
    await expect(phone.openApp()).rejects.toBeInstanceOf(DeviceFlowError);
  });
});
