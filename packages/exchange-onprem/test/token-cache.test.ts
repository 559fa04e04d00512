import { createTokenCache } from '../src/protocol/token-cache.js';

const token = (expiresAtMs: number) => ({ claims: {}, expiresAtMs, notBeforeMs: 0 });

describe('verified-token cache', () => {
  it('returns a cached token until long after it expires', () => {
    const cache = createTokenCache(10);
    cache.set('a', token(1_000), 0);
    expect(cache.get('a', 500)).toEqual(token(1_000));
    expect(cache.get('b', 500)).toBeUndefined();
    // Expired but recent: still returned, so the lifetime check can name the cause.
    expect(cache.get('a', 2_000)).toEqual(token(1_000));
    expect(cache.get('a', 1_000 + 3_600_001)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('when full, drops expired tokens first, then the oldest, and never grows past its limit', () => {
    const cache = createTokenCache(10);
    for (let i = 0; i < 10; i++) cache.set(`t${i}`, token(i % 2 === 0 ? 100 : 10_000), 0);
    // Full: the five expired ones make room, the valid ones stay.
    cache.set('new', token(10_000), 200);
    expect(cache.size).toBe(6);
    expect(['t1', 't3', 't5', 't7', 't9', 'new'].every((k) => cache.get(k, 200))).toBe(true);
    for (let i = 0; i < 100; i++) {
      cache.set(`more${i}`, token(10_000), 200);
      expect(cache.size).toBeLessThanOrEqual(10);
    }
    // The newest are kept, the oldest gone.
    expect(cache.get('more99', 200)).toBeDefined();
    expect(cache.get('t1', 200)).toBeUndefined();
  });
});
