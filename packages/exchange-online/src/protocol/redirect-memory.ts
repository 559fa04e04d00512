import type { Clock } from '@hma-lab/core';

/** A redirect AutoDiscover issued: where it sent a mailbox, with which RedirectCount. */
export interface IssuedRedirect {
  target: string;
  redirectCount: number;
  atMs: number;
}

/**
 * What AutoDiscover remembers to recognise a loop: for each (address,
 * protocol), the last redirect it issued. Kept for `windowMs` of lab time and
 * bounded in size, so an anonymous endpoint cannot grow it without limit.
 */
export interface RedirectMemory {
  recall(email: string, protocol: string): IssuedRedirect | undefined;
  remember(email: string, protocol: string, redirect: Omit<IssuedRedirect, 'atMs'>): void;
  clear(): void;
}

const MAX_ENTRIES = 10_000;

export function createRedirectMemory(clock: Pick<Clock, 'now'>, windowMs: number): RedirectMemory {
  const map = new Map<string, IssuedRedirect>();
  const key = (email: string, protocol: string): string =>
    `${email.toLowerCase()}|${protocol.toLowerCase()}`;
  return {
    recall(email, protocol) {
      const entry = map.get(key(email, protocol));
      if (!entry) return undefined;
      if (clock.now() - entry.atMs > windowMs) {
        map.delete(key(email, protocol));
        return undefined;
      }
      return entry;
    },
    remember(email, protocol, redirect) {
      const k = key(email, protocol);
      map.delete(k);
      map.set(k, { ...redirect, atMs: clock.now() });
      // Oldest first in insertion order: drop from the front.
      while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
    },
    clear: () => map.clear(),
  };
}
