/**
 * SyncKey chains. Each sync relationship (a device's folder hierarchy, or one
 * collection) keeps the state the client holds after its current key, and the
 * one before: a client that never saw a response retries with the previous
 * key and gets the same changes again (MS-ASCMD 3.1.5.3: the server keeps the
 * last two keys). Any other key is invalid (FolderSync Status 9, Sync Status 3).
 */
export interface KeyChain<S> {
  current?: { key: string; state: S };
  previous?: { key: string; state: S };
}

/** The state a client key stands for, or undefined when the key is not current or previous. */
export function stateForKey<S>(chain: KeyChain<S>, key: string): S | undefined {
  if (chain.current?.key === key) return chain.current.state;
  if (chain.previous?.key === key) return chain.previous.state;
  return undefined;
}

/**
 * Records that the client, having sent `fromKey` (whose state is `fromState`),
 * now holds `next` under the new key `newKey`. Keys are never reused within a
 * device (`newKey` comes from the device's counter), so a stale key from before
 * a reset cannot match by accident.
 */
export function advanceChain<S>(
  chain: KeyChain<S>,
  fromKey: string | undefined,
  fromState: S | undefined,
  newKey: string,
  next: S,
): void {
  chain.previous =
    fromKey !== undefined && fromState !== undefined && fromKey !== '0'
      ? { key: fromKey, state: fromState }
      : undefined;
  chain.current = { key: newKey, state: next };
}
