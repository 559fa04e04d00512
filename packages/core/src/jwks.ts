import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Clock } from './clock.js';
import type { Logger } from './deps.js';
import type { LabFetch } from './fetch.js';
import type { Party } from './hosts.js';

/**
 * Entra's token-signing keys as a resource server sees them (on-premises
 * Exchange, Exchange Online): fetched with the lab's `fetch` from the JWKS
 * (`https://login.microsoftonline.com/common/discovery/keys`), kept for
 * `cacheMs` of lab time, and fetched again once when a token names a `kid` not
 * seen yet, so a key rotation at Entra is picked up without waiting for the cache.
 */
export interface SigningKeySource {
  /** The public key for `kid`, or undefined when Entra does not publish it. Throws when Entra is unreachable. */
  keyFor(kid: string): Promise<KeyObject | undefined>;
  /** How many times the JWKS was fetched (for tests and the trace). */
  readonly fetchCount: number;
}

export function createJwksKeySource(options: {
  fetch: LabFetch;
  url: string;
  clock: Clock;
  cacheMs: number;
  log: Logger;
  /** Who is fetching (for log lines). */
  party: Party;
}): SigningKeySource {
  let keys = new Map<string, KeyObject>();
  let fetchedAtMs: number | undefined;
  let inFlight: Promise<void> | undefined;
  let fetchCount = 0;
  /** kids for which a refetch was already tried since the last scheduled refresh. */
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
        options.log({ level: 'warn', party: options.party, message: 'skipped a bad JWK', error });
      }
    }
    keys = next;
    fetchedAtMs = options.clock.now();
  }

  function refresh(): Promise<void> {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  return {
    async keyFor(kid) {
      const stale =
        fetchedAtMs === undefined || options.clock.now() - fetchedAtMs >= options.cacheMs;
      if (stale) {
        triedKids.clear();
        await refresh();
      }
      // A refetch another request started may be about to publish this kid.
      if (!keys.has(kid) && inFlight) await inFlight.catch(() => undefined);
      const known = keys.get(kid);
      if (known) return known;
      if (triedKids.has(kid)) return undefined;
      if (triedKids.size >= 1000) triedKids.clear();
      triedKids.add(kid);
      await refresh();
      return keys.get(kid);
    },
    get fetchCount() {
      return fetchCount;
    },
  };
}
