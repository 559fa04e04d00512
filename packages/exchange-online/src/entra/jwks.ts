import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock, LabFetch, Logger } from '@hma-lab/core';

/**
 * Entra's token-signing keys as Exchange Online sees them: fetched with the
 * lab's fetch from the JWKS (`https://login.microsoftonline.com/common/discovery/keys`),
 * kept for `cacheMs` of lab time, and fetched again (once per unknown `kid`)
 * when a token names a key not seen yet, so a key rotation is picked up.
 */
export interface SigningKeySource {
  /** The public key for `kid`; undefined when Entra does not publish it. Throws when Entra is unreachable. */
  keyFor(kid: string): Promise<KeyObject | undefined>;
  /** How many times the JWKS was fetched. */
  readonly fetchCount: number;
}

export function createJwksSource(options: {
  fetch: LabFetch;
  url: string;
  clock: Clock;
  cacheMs: number;
  log: Logger;
}): SigningKeySource {
  let keys = new Map<string, KeyObject>();
  let fetchedAtMs: number | undefined;
  let inFlight: Promise<void> | undefined;
  let fetchCount = 0;
  const triedKids = new Set<string>();

  async function load(): Promise<void> {
    fetchCount += 1;
    const response = await options.fetch(options.url, { headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`JWKS ${options.url} answered ${response.status}`);
    const body = (await response.json()) as { keys?: unknown };
    if (!Array.isArray(body.keys)) throw new Error(`JWKS ${options.url} has no "keys" array`);
    const next = new Map<string, KeyObject>();
    for (const jwk of body.keys as Array<Record<string, unknown>>) {
      if (jwk.kty !== 'RSA' || typeof jwk.n !== 'string' || typeof jwk.e !== 'string') continue;
      try {
        const key = createPublicKey({ key: { kty: 'RSA', n: jwk.n, e: jwk.e }, format: 'jwk' });
        for (const id of [jwk.kid, jwk.x5t]) if (typeof id === 'string') next.set(id, key);
      } catch (error) {
        options.log({ level: 'warn', party: 'exo', message: 'skipped a bad JWK', error });
      }
    }
    keys = next;
    fetchedAtMs = options.clock.now();
    triedKids.clear();
  }

  function refresh(): Promise<void> {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    get fetchCount() {
      return fetchCount;
    },
    async keyFor(kid) {
      const stale =
        fetchedAtMs === undefined || options.clock.now() - fetchedAtMs >= options.cacheMs;
      if (stale) await refresh();
      const known = keys.get(kid);
      if (known || triedKids.has(kid)) return known;
      triedKids.add(kid);
      await refresh();
      triedKids.add(kid);
      return keys.get(kid);
    },
  };
}
