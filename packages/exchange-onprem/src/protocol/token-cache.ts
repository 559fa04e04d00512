import { hash } from 'node:crypto';
import type { VerifiedBearer } from './bearer-token.js';

/**
 * Verified bearer tokens by their exact text, until they expire. ActiveSync
 * clients present the same token on every command (and Ping holds many open),
 * so the RSA verification runs once per token (performance-notes.md).
 *
 * Entries are keyed by the SHA-256 of the text, not the text: a key taken
 * from a request is a slice of its `Authorization` header and kept the whole
 * header alive, a second copy of every device's ~1.7 KB token (measured on
 * 1,000 hybrid mailboxes). The one-shot `hash` makes no Hash object: every
 * request looks its token up, and each such object was one more weak handle
 * for the next young-generation collection to visit.
 */
export interface TokenCache {
  get(raw: string, nowMs: number): VerifiedBearer | undefined;
  set(raw: string, token: VerifiedBearer, nowMs: number): void;
  readonly size: number;
  clear(): void;
}

export function createTokenCache(maxEntries = 10_000): TokenCache {
  const entries = new Map<string, VerifiedBearer>();
  const keyOf = (raw: string): string => hash('sha256', raw, 'base64');
  /**
   * Makes room once the cache is full: expired tokens go first, then the
   * oldest insertions (Map keeps insertion order) down to 90 % of the limit.
   * Evicting in a batch keeps a set O(1) on average: one entry at a time, every
   * set of a full cache (10,000 devices renewing their tokens) scanned it all.
   */
  function evict(nowMs: number): void {
    for (const [key, token] of entries) {
      if (token.expiresAtMs < nowMs) entries.delete(key);
    }
    const keep = Math.floor(maxEntries * 0.9);
    for (const key of entries.keys()) {
      if (entries.size <= keep) break;
      entries.delete(key);
    }
  }
  return {
    get(raw, nowMs) {
      const key = keyOf(raw);
      const token = entries.get(key);
      if (token && token.expiresAtMs < nowMs - 3_600_000) {
        // Long expired: the lifetime check will refuse it anyway; forget it.
        entries.delete(key);
        return undefined;
      }
      return token;
    },
    set(raw, token, nowMs) {
      if (entries.size >= maxEntries) evict(nowMs);
      entries.set(keyOf(raw), token);
    },
    get size() {
      return entries.size;
    },
    clear: () => entries.clear(),
  };
}
