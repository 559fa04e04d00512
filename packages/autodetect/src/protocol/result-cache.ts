import type { Clock } from '@hma-lab/core';
import type { Detection } from './detection.js';

/** A cached detection and when it stops being served. */
export interface CachedDetection {
  detection: Detection;
  storedAtMs: number;
  expiresAtMs: number;
}

/**
 * The "sticky" result cache: one detection per address, kept for a TTL on the
 * lab clock. Expired entries are dropped when read.
 */
export interface ResultCache {
  get(email: string): Detection | undefined;
  set(email: string, detection: Detection, ttlMs: number): void;
  /** Forgets one address, or everything; returns how many entries were dropped. */
  clear(email?: string): number;
  entries(): Array<{ email: string } & CachedDetection>;
}

export function createResultCache(clock: Pick<Clock, 'now'>): ResultCache {
  const map = new Map<string, CachedDetection>();
  return {
    get(email) {
      const entry = map.get(email);
      if (!entry) return undefined;
      if (clock.now() >= entry.expiresAtMs) {
        map.delete(email);
        return undefined;
      }
      return entry.detection;
    },
    set(email, detection, ttlMs) {
      if (ttlMs <= 0) return;
      const now = clock.now();
      map.set(email, { detection, storedAtMs: now, expiresAtMs: now + ttlMs });
    },
    clear(email) {
      if (email === undefined) {
        const size = map.size;
        map.clear();
        return size;
      }
      return map.delete(email.toLowerCase()) ? 1 : 0;
    },
    entries() {
      const now = clock.now();
      return [...map]
        .filter(([, entry]) => entry.expiresAtMs > now)
        .map(([email, entry]) => ({ email, ...entry }));
    },
  };
}
