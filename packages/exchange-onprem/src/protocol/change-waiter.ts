import type { Clock } from '@hma-lab/core';
import type { Mailbox } from './mailbox-store.js';

/**
 * Requests that wait for mailbox changes (Ping, hanging Sync). A wait ends
 * when `changed()` turns true after a change of the mailbox, when its timeout
 * elapses on the lab clock (a virtual clock: when a test advances it), when
 * the client goes away, or when the service closes. Nothing waits on real
 * timers of its own.
 */
export type WaitOutcome = 'changed' | 'timeout' | 'closed';

export interface WaitRegistry {
  wait(
    mailbox: Mailbox,
    options: { timeoutMs: number; changed: () => boolean; signal?: AbortSignal },
  ): Promise<WaitOutcome>;
  /** How many requests are waiting now. */
  active(): number;
  /** Ends every wait with `closed` (service shutdown). */
  closeAll(): void;
}

export function createWaitRegistry(clock: Clock): WaitRegistry {
  const waits = new Set<(outcome: WaitOutcome) => void>();
  return {
    wait(mailbox, options) {
      return new Promise<WaitOutcome>((resolve) => {
        let done = false;
        const finish = (outcome: WaitOutcome): void => {
          if (done) return;
          done = true;
          unsubscribe();
          timer.cancel();
          options.signal?.removeEventListener('abort', onAbort);
          waits.delete(finish);
          resolve(outcome);
        };
        const onAbort = (): void => finish('closed');
        // Judged once the change's command has run to its end: a Sync's own
        // changes are in its device's state by then, and no news to its Ping.
        const unsubscribe = mailbox.onChange(() =>
          queueMicrotask(() => {
            if (done) return;
            let changed: boolean;
            try {
              changed = options.changed();
            } catch {
              changed = true; // Let the request answer (and report) rather than hang.
            }
            if (changed) finish('changed');
          }),
        );
        const timer = clock.after(
          options.timeoutMs,
          () => finish('timeout'),
          'onprem-eas heartbeat',
        );
        waits.add(finish);
        if (options.signal?.aborted) finish('closed');
        else options.signal?.addEventListener('abort', onAbort);
      });
    },
    active: () => waits.size,
    closeAll() {
      for (const finish of [...waits]) finish('closed');
    },
  };
}
