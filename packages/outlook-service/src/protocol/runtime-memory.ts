import { wipe } from './device-key-crypto.js';

/**
 * "Runtime compute memory" (seeds 000/001): where a decrypted password lives
 * while its user is active, so the service can keep its Exchange connection
 * alive. Never written anywhere else; flushing overwrites the Buffer.
 */
export interface RuntimeMemory {
  /** Keeps `password` (taking ownership of the Buffer) for an account; a previous one is wiped. */
  hold(accountId: string, password: Buffer, nowMs: number): void;
  /** The password in memory, if any. Callers must not keep or change it. */
  peek(accountId: string): Buffer | undefined;
  /** Wipes and forgets an account's password; true when there was one. */
  flush(accountId: string): boolean;
  flushAll(): number;
  /** Accounts whose password is in memory, with since when (never the password). */
  list(): Array<{ accountId: string; sinceMs: number }>;
}

export function createRuntimeMemory(): RuntimeMemory {
  const held = new Map<string, { password: Buffer; sinceMs: number }>();
  const memory: RuntimeMemory = {
    hold(accountId, password, nowMs) {
      const previous = held.get(accountId);
      if (previous && previous.password !== password) wipe(previous.password);
      held.set(accountId, { password, sinceMs: previous?.sinceMs ?? nowMs });
    },
    peek: (accountId) => held.get(accountId)?.password,
    flush(accountId) {
      const entry = held.get(accountId);
      if (!entry) return false;
      wipe(entry.password);
      held.delete(accountId);
      return true;
    },
    flushAll() {
      let count = 0;
      for (const accountId of [...held.keys()]) if (memory.flush(accountId)) count += 1;
      return count;
    },
    list: () => [...held].map(([accountId, { sinceMs }]) => ({ accountId, sinceMs })),
  };
  return memory;
}
