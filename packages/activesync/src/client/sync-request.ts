import { el, type EasChild, type EasElement } from '../wbxml/element.js';

/**
 * A Sync request (MS-ASCMD §2.2.1.21) for these collections:
 * `<Sync><Collections>…</Collections></Sync>`.
 *
 * @example syncRequest(syncRequestCollection('0', inboxId))
 */
export function syncRequest(...collections: EasElement[]): EasElement {
  return el('AirSync:Sync', el('AirSync:Collections', collections));
}

/**
 * One collection of a Sync request: its SyncKey and CollectionId, then what
 * follows them in that order (GetChanges, WindowSize, Options, Commands …).
 */
export function syncRequestCollection(
  syncKey: EasChild,
  collectionId: EasChild,
  ...rest: EasChild[]
): EasElement {
  return el(
    'AirSync:Collection',
    el('AirSync:SyncKey', syncKey),
    el('AirSync:CollectionId', collectionId),
    ...rest,
  );
}
