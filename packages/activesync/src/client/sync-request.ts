import { child, children, el, textOf, type EasChild, type EasElement } from '../wbxml/element.js';

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

/**
 * A Sync request of one collection carrying the client's own changes
 * (`<Commands>`: Add, Change, Delete, Fetch), as a device sends them.
 *
 * @example syncWithCommands(key, inboxId, clientChange(serverId, el('Email:Read', 1)))
 */
export function syncWithCommands(
  syncKey: EasChild,
  collectionId: EasChild,
  ...commands: EasElement[]
): EasElement {
  return syncRequest(
    syncRequestCollection(syncKey, collectionId, el('AirSync:Commands', commands)),
  );
}

/** A client Change of one item: its ServerId and the properties it sets. */
export function clientChange(serverId: string, ...data: EasChild[]): EasElement {
  return el(
    'AirSync:Change',
    el('AirSync:ServerId', serverId),
    el('AirSync:ApplicationData', ...data),
  );
}

/**
 * The collections of a kept Sync request as the device stands now, for the
 * empty and partial Sync requests that stand for it (MS-ASCMD 2.2.3.159):
 * each with the SyncKey `keyOf` gives for its CollectionId (the one the last
 * answer handed out, not the one first sent; kept as sent when undefined),
 * and without the client's Commands, which were carried out once and are
 * never replayed. Both Exchange servers of the lab read them so.
 */
export function collectionsAsTheDeviceStands(
  kept: EasElement,
  keyOf: (collectionId: string) => string | number | undefined,
): EasElement[] {
  return children(child(kept, 'AirSync:Collections') ?? kept, 'AirSync:Collection').map((c) => {
    const key = keyOf(textOf(c, 'AirSync:CollectionId') ?? '');
    const rest = c.children.filter((e) => e.tag !== 'AirSync:Commands');
    return {
      ...c,
      children:
        key === undefined
          ? rest
          : rest.map((e) => (e.tag === 'AirSync:SyncKey' ? el('AirSync:SyncKey', key) : e)),
    };
  });
}
