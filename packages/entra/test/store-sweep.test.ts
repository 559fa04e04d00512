import type { ServiceDeps } from '@hma-lab/core';
import { DEFAULT_ENTRA_CONFIG } from '../src/config.js';
import { createEntraContext, SWEEP_AFTER } from '../src/protocol/context.js';
import { createStores, type RefreshToken } from '../src/protocol/stores.js';

const HOUR = 3_600_000;
const MAX_AGE = 90 * 24 * HOUR;

function setUp() {
  let nowMs = Date.UTC(2026, 0, 5);
  const deps = {
    clock: { now: () => nowMs },
    directory: { lifetimes: () => ({ refreshTokenMaxAge: MAX_AGE }) },
  } as unknown as ServiceDeps;
  const stores = createStores();
  const context = createEntraContext(deps, DEFAULT_ENTRA_CONFIG, stores);
  let sweeps = 0;
  const sweep = stores.sweep.bind(stores);
  stores.sweep = (now, keep) => {
    sweeps++;
    sweep(now, keep);
  };
  let n = 0;
  /** Stores a refresh token signed in `ageMs` ago, as a grant does, and counts the grant. */
  const issue = (ageMs = 0): RefreshToken => {
    const rt = {
      token: `rt-${n}`,
      familyId: `family-${n++}`,
      authTimeMs: nowMs - ageMs,
    } as RefreshToken;
    stores.addRefreshToken(rt, 16);
    context.noteIssued();
    return rt;
  };
  return {
    stores,
    issue,
    sweeps: () => sweeps,
    later: (ms: number) => (nowMs += ms),
  };
}

describe('sweeping the stores', () => {
  test('sweeps after 500 grants, then after as many grants as entries are left', () => {
    const lab = setUp();
    for (let i = 0; i < SWEEP_AFTER - 1; i++) lab.issue();
    expect(lab.sweeps()).toBe(0);
    lab.issue();
    expect(lab.sweeps()).toBe(1);
    // 500 tokens and their 500 families are kept: the next sweep 1,000 grants later.
    for (let i = 0; i < 999; i++) lab.issue();
    expect(lab.sweeps()).toBe(1);
    lab.issue();
    expect(lab.sweeps()).toBe(2);
    // 20,000 more grants for 20,000 live tokens: a handful of sweeps, not 40.
    for (let i = 0; i < 20_000; i++) lab.issue();
    expect(lab.sweeps()).toBeLessThanOrEqual(6);
  });

  test('drops refresh tokens past their maximum age, and their families, at the next sweep', () => {
    const lab = setUp();
    const old = Array.from({ length: 300 }, () => lab.issue(MAX_AGE - HOUR));
    lab.later(2 * HOUR);
    for (let i = 0; i < 200; i++) lab.issue();
    expect(lab.sweeps()).toBe(1);
    for (const rt of old) {
      expect(lab.stores.refreshTokens.has(rt.token)).toBe(false);
      expect(lab.stores.refreshFamilies.has(rt.familyId)).toBe(false);
    }
    expect(lab.stores.refreshTokens.size).toBe(200);
    expect(lab.stores.refreshFamilies.size).toBe(200);
  });
});
