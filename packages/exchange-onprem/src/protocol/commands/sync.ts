import {
  child,
  children,
  collectionsAsTheDeviceStands,
  decodeWbxml,
  el,
  encodeWbxml,
  readBodyPreferences,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import {
  applyApplicationData,
  ConversionError,
  renderItem,
  type RenderOptions,
} from '../application-data.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { nextSyncKey, type CollectionOptions, type CollectionState } from '../devices.js';
import type { StoredFolder, StoredItem } from '../mailbox-store.js';
import { advanceChain, stateForKey } from '../sync-keys.js';
import {
  countChanges,
  pendingChanges,
  seesQuarantineOnly,
  visibleItems,
  type PendingChanges,
} from '../sync-view.js';
import { atLeast } from '../versions.js';

/**
 * Sync (MS-ASCMD 2.2.1.21): per collection, the SyncKey state machine
 * (0 -> first key, then current or previous key; anything else Status 3),
 * client Add / Change / Delete / Fetch, then the server's changes since the
 * key within FilterType, WindowSize (MoreAvailable) and BodyPreference.
 * Empty and Partial requests reuse the last full request (12.1+); Wait /
 * HeartbeatInterval hold the response until something changes; with nothing
 * to report the answer is empty (12.1+, {@link nothingToReport}).
 *
 * Status values: 1 success, 3 invalid SyncKey, 4 protocol error, 6 conversion
 * error, 8 object not found, 12 folder hierarchy changed, 13 empty request
 * with nothing cached, 14 Wait/HeartbeatInterval out of range.
 */

/** Parsed options of one collection, with Exchange's defaults. */
export function parseCollectionOptions(
  collection: EasElement,
  previous: CollectionOptions | undefined,
  ctx: Pick<CommandContext, 'config'>,
): CollectionOptions {
  const options = child(collection, 'AirSync:Options');
  const windowText = textOf(collection, 'AirSync:WindowSize');
  const windowSize = windowText === undefined ? undefined : Number(windowText);
  const base: CollectionOptions = previous ?? {
    filterType: 0,
    bodyPreferences: [],
    mimeSupport: 0,
    conversationMode: false,
    deletesAsMoves: true,
    windowSize: ctx.config.sync.defaultWindowSize,
  };
  const result: CollectionOptions = { ...base };
  if (options) {
    result.filterType = Number(textOf(options, 'AirSync:FilterType') ?? 0);
    result.bodyPreferences = readBodyPreferences(options);
    result.mimeSupport = Number(textOf(options, 'AirSync:MIMESupport') ?? 0);
    const className = textOf(options, 'AirSync:Class');
    if (className) result.className = className;
  }
  const deletesAsMoves = textOf(collection, 'AirSync:DeletesAsMoves');
  if (deletesAsMoves !== undefined) result.deletesAsMoves = deletesAsMoves !== '0';
  else if (!previous) result.deletesAsMoves = true;
  const conversation = textOf(collection, 'AirSync:ConversationMode');
  if (conversation !== undefined) result.conversationMode = conversation === '1';
  if (windowSize !== undefined) {
    result.windowSize = Math.min(
      Math.max(Number.isFinite(windowSize) ? windowSize : 0, 1),
      ctx.config.sync.maxWindowSize,
    );
  }
  return result;
}

function validOptions(options: CollectionOptions): boolean {
  return (
    Number.isInteger(options.filterType) &&
    options.filterType >= 0 &&
    options.filterType <= 8 &&
    options.bodyPreferences.every((p) => Number.isInteger(p.type) && p.type >= 1 && p.type <= 4)
  );
}

interface CollectionWork {
  request: EasElement;
  collectionId: string;
  syncKey: string;
  folder?: StoredFolder;
  state?: CollectionState;
  /** Server id -> version the client holds; the key's own state until {@link ownHeld} copies it. */
  held?: ReadonlyMap<string, number>;
  /** Whether `held` is this request's copy (see {@link ownHeld}). */
  ownsHeld?: boolean;
  options?: CollectionOptions;
  getChanges: boolean;
  /** Status decided before any work (3, 4, 12). */
  status?: number;
}

/** Cached collections as the client stands now (the keys it holds, no Commands replayed). */
function cachedCollections(cached: EasElement, ctx: CommandContext): EasElement[] {
  return collectionsAsTheDeviceStands(
    cached,
    (id) => ctx.device.collections.get(id)?.chain.current?.key,
  );
}

/** The request a (possibly empty or partial) Sync stands for, or a top-level Status. */
function effectiveRequest(request: EasElement | undefined, ctx: CommandContext): EasElement {
  // The kept request is decoded only for the empty and partial requests that reuse it.
  const lastRequest = (): EasElement | undefined => {
    const kept = ctx.device.lastSyncRequest;
    return kept && decodeWbxml(kept);
  };
  const canReuse = atLeast(ctx.protocolVersion, '12.1');
  if (!request) {
    if (!canReuse) throw new EasStatusError(4, 'empty Sync request before 12.1');
    const cached = lastRequest();
    if (!cached) throw new EasStatusError(13, 'empty Sync request and no cached request');
    return el(
      'AirSync:Sync',
      el('AirSync:Collections', cachedCollections(cached, ctx)),
      cached.children.filter((c) => c.tag !== 'AirSync:Collections'),
    );
  }
  const given = child(request, 'AirSync:Collections');
  const partial = child(request, 'AirSync:Partial') !== undefined;
  if ((!given || partial) && canReuse) {
    const cached = lastRequest();
    if (!cached) throw new EasStatusError(13, 'partial Sync request and no cached request');
    // Only top-level elements (Wait, HeartbeatInterval, WindowSize), or Partial:
    // the cached collections, replaced by any the request names.
    const named = given ? children(given, 'AirSync:Collection') : [];
    const ids = new Set(named.map((c) => textOf(c, 'AirSync:CollectionId')));
    const kept = cachedCollections(cached, ctx).filter(
      (c) => !ids.has(textOf(c, 'AirSync:CollectionId')),
    );
    return el(
      'AirSync:Sync',
      el('AirSync:Collections', [...kept, ...named]),
      request.children.filter(
        (c) => c.tag !== 'AirSync:Collections' && c.tag !== 'AirSync:Partial',
      ),
    );
  }
  return request;
}

/** Sync with the given request body (undefined for an empty request). */
export async function syncCommand(
  request: EasElement | undefined,
  ctx: CommandContext,
): Promise<CommandResult> {
  const effective = effectiveRequest(request, ctx);
  const collections = children(
    child(effective, 'AirSync:Collections') ?? el('x'),
    'AirSync:Collection',
  );
  if (collections.length === 0) throw new EasStatusError(4, 'Sync request without collections');
  if (collections.length > 1000) throw new EasStatusError(15, 'too many collections');

  // Hanging sync (MS-ASCMD 2.2.3.197 Wait, 2.2.3.86 HeartbeatInterval).
  const waitMin = textOf(effective, 'AirSync:Wait');
  const heartbeat = textOf(effective, 'AirSync:HeartbeatInterval');
  let holdMs: number | undefined;
  if (waitMin !== undefined || heartbeat !== undefined) {
    const seconds = waitMin !== undefined ? Number(waitMin) * 60 : Number(heartbeat);
    const { minHeartbeatS, maxHeartbeatS } = ctx.config.ping;
    if (!Number.isFinite(seconds) || seconds < minHeartbeatS || seconds > maxHeartbeatS) {
      const limit = seconds < minHeartbeatS ? minHeartbeatS : maxHeartbeatS;
      throw new EasStatusError(14, 'Wait/HeartbeatInterval out of range', {
        extra: [
          {
            tag: 'AirSync:Limit',
            text: String(waitMin !== undefined ? Math.round(limit / 60) : limit),
          },
        ],
      });
    }
    holdMs = seconds * 1000;
  }
  // Copied out of Buffer's shared 8 KB pool, which a kept slice would pin.
  if (request) ctx.device.lastSyncRequest = new Uint8Array(encodeWbxml(effective));
  const totalWindowText = textOf(effective, 'AirSync:WindowSize');
  let budget = totalWindowText !== undefined ? Math.max(1, Number(totalWindowText) || 1) : Infinity;

  const work = collections.map((c) => prepareCollection(c, ctx));
  const clientResponses = work.map((w) => processClientCommands(w, ctx));
  const clientActed = clientResponses.some((r) => r.length > 0);

  if (holdMs !== undefined && !clientActed && !work.some((w) => hasServerChanges(w, ctx))) {
    ctx.event('onprem.eas.sync.waiting', `hanging Sync holds up to ${holdMs / 1000}s`);
    await ctx.waitForChange({
      timeoutMs: holdMs,
      changed: () => work.some((w) => hasServerChanges(w, ctx)),
    });
  }

  if (nothingToReport(work, ctx)) return {};

  const responses = work.map((w, i) => {
    const { element, sent } = respondCollection(w, clientResponses[i]!, budget, ctx);
    budget -= sent;
    return element;
  });
  return { body: el('AirSync:Sync', el('AirSync:Collections', responses)) };
}

function prepareCollection(collection: EasElement, ctx: CommandContext): CollectionWork {
  const collectionId = textOf(collection, 'AirSync:CollectionId') ?? '';
  const syncKey = textOf(collection, 'AirSync:SyncKey') ?? '';
  const getChangesText = textOf(collection, 'AirSync:GetChanges');
  const hasGetChanges = child(collection, 'AirSync:GetChanges') !== undefined;
  const work: CollectionWork = {
    request: collection,
    collectionId,
    syncKey,
    getChanges: hasGetChanges
      ? getChangesText !== '0'
      : syncKey !== '0' && atLeast(ctx.protocolVersion, '12.1'),
  };
  if (!collectionId || !syncKey) return { ...work, status: 4 };
  const folder = ctx.mailbox.folder(collectionId);
  if (!folder) return { ...work, status: 12 };
  work.folder = folder;
  let state = ctx.device.collections.get(collectionId);
  if (syncKey === '0') {
    if (child(collection, 'AirSync:Commands')) return { ...work, status: 4 };
    state = { chain: {} };
    ctx.device.collections.set(collectionId, state);
    work.state = state;
    work.held = NOTHING_HELD;
    work.getChanges = false;
  } else {
    const held = state ? stateForKey(state.chain, syncKey) : undefined;
    if (!state || !held) return { ...work, status: 3 };
    work.state = state;
    work.held = held;
  }
  const options = parseCollectionOptions(collection, state.options, ctx);
  if (!validOptions(options)) return { ...work, status: 4 };
  state.options = options;
  work.options = options;
  return work;
}

function renderOptions(options: CollectionOptions, ctx: CommandContext): RenderOptions {
  return {
    body: { preferences: options.bodyPreferences, mimeSupport: options.mimeSupport },
    protocolVersion: ctx.protocolVersion,
  };
}

/**
 * The versions the client holds, as this request's own copy: a key's state is
 * copied only when the request changes it, so a sync without changes (the
 * common one) leaves the old and new key sharing one map.
 */
function ownHeld(work: CollectionWork): Map<string, number> {
  if (!work.ownsHeld) {
    work.held = new Map(work.held);
    work.ownsHeld = true;
  }
  return work.held as Map<string, number>;
}

/** The state of a new key: one map for every collection of every device, never changed (see {@link ownHeld}). */
const NOTHING_HELD: ReadonlyMap<string, number> = new Map();

/** Applies the client's Commands; returns the Responses children. */
function processClientCommands(work: CollectionWork, ctx: CommandContext): EasElement[] {
  const commands = child(work.request, 'AirSync:Commands');
  if (!commands || work.status !== undefined || !work.folder || !work.held) return [];
  const folder = work.folder;
  const responses: EasElement[] = [];
  const readOnly = seesQuarantineOnly(ctx);
  const nowMs = ctx.clock.now();
  for (const command of commands.children) {
    const serverId = textOf(command, 'AirSync:ServerId');
    switch (command.tag) {
      case 'AirSync:Add': {
        const clientId = textOf(command, 'AirSync:ClientId') ?? '';
        const appData = child(command, 'AirSync:ApplicationData');
        if (!appData || readOnly) {
          responses.push(addResponse(clientId, undefined, readOnly ? 5 : 4));
          continue;
        }
        try {
          const { data, extra } = applyApplicationData(folder.itemClass, appData, undefined, {
            owner: ctx.mailbox.owner,
            nowMs,
          });
          const item = ctx.mailbox.addItem(folder.serverId, data, extra);
          ownHeld(work).set(item.serverId, item.version);
          responses.push(addResponse(clientId, item.serverId, 1));
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
          responses.push(addResponse(clientId, undefined, 6));
        }
        break;
      }
      case 'AirSync:Change': {
        const appData = child(command, 'AirSync:ApplicationData');
        const item = serverId ? ctx.mailbox.item(serverId) : undefined;
        if (!serverId || !item || item.folderId !== folder.serverId || readOnly) {
          responses.push(
            el('AirSync:Change', el('AirSync:ServerId', serverId ?? ''), el('AirSync:Status', 8)),
          );
          continue;
        }
        if (!appData) {
          responses.push(
            el('AirSync:Change', el('AirSync:ServerId', serverId), el('AirSync:Status', 4)),
          );
          continue;
        }
        try {
          const next = applyApplicationData(folder.itemClass, appData, item, {
            owner: ctx.mailbox.owner,
            nowMs,
          });
          const changed = ctx.mailbox.changeItem(serverId, (it) => {
            it.data = next.data;
            it.extra = next.extra;
          })!;
          ownHeld(work).set(serverId, changed.version);
        } catch (error) {
          if (!(error instanceof ConversionError)) throw error;
          responses.push(
            el('AirSync:Change', el('AirSync:ServerId', serverId), el('AirSync:Status', 6)),
          );
        }
        break;
      }
      case 'AirSync:Delete': {
        const item = serverId ? ctx.mailbox.item(serverId) : undefined;
        if (!serverId || !item || item.folderId !== folder.serverId || readOnly) {
          responses.push(
            el('AirSync:Delete', el('AirSync:ServerId', serverId ?? ''), el('AirSync:Status', 8)),
          );
          continue;
        }
        const deleted = ctx.mailbox.folderByRole('deleted');
        const move =
          work.options?.deletesAsMoves !== false &&
          folder.itemClass === 'Email' &&
          deleted !== undefined &&
          deleted.serverId !== folder.serverId;
        if (move) ctx.mailbox.moveItem(serverId, deleted.serverId);
        else ctx.mailbox.deleteItem(serverId);
        ownHeld(work).delete(serverId);
        break;
      }
      case 'AirSync:Fetch': {
        const view = visibleItems(ctx, folder, { filterType: 0 });
        const item = serverId ? view.get(serverId) : undefined;
        if (!item) {
          responses.push(
            el('AirSync:Fetch', el('AirSync:ServerId', serverId ?? ''), el('AirSync:Status', 8)),
          );
          continue;
        }
        responses.push(
          el(
            'AirSync:Fetch',
            el('AirSync:ServerId', item.serverId),
            el('AirSync:Status', 1),
            el('AirSync:ApplicationData', renderItem(item, renderOptions(work.options!, ctx))),
          ),
        );
        break;
      }
      default:
        // An unknown command inside Commands is a protocol error for the collection.
        work.status = 4;
        return responses;
    }
  }
  return responses;
}

function addResponse(clientId: string, serverId: string | undefined, status: number): EasElement {
  return el(
    'AirSync:Add',
    el('AirSync:ClientId', clientId),
    serverId !== undefined && el('AirSync:ServerId', serverId),
    el('AirSync:Status', status),
  );
}

function changesFor(work: CollectionWork, ctx: CommandContext): PendingChanges | undefined {
  if (work.status !== undefined || !work.folder || !work.held || !work.options) return undefined;
  const view = visibleItems(ctx, work.folder, work.options);
  const folderId = work.folder.serverId;
  return pendingChanges(work.held, view, (id) => ctx.mailbox.item(id)?.folderId === folderId);
}

function hasServerChanges(work: CollectionWork, ctx: CommandContext): boolean {
  if (!work.getChanges) return false;
  const changes = changesFor(work, ctx);
  return changes !== undefined && countChanges(changes) > 0;
}

/**
 * The empty Sync response (MS-ASCMD 2.2.1.21.2): HTTP 200 with no body when
 * there is nothing to tell: every collection past its first key and in good
 * standing, the client sending no changes, and no server changes within any
 * collection's options. Every key then stays where it is (the client keeps
 * using its own). From 12.1, as the empty request that answers it.
 */
function nothingToReport(work: CollectionWork[], ctx: CommandContext): boolean {
  if (!atLeast(ctx.protocolVersion, '12.1')) return false;
  return work.every(
    (w) =>
      w.status === undefined &&
      w.syncKey !== '0' &&
      !child(w.request, 'AirSync:Commands') &&
      !hasServerChanges(w, ctx),
  );
}

function respondCollection(
  work: CollectionWork,
  responses: EasElement[],
  budget: number,
  ctx: CommandContext,
): { element: EasElement; sent: number } {
  const legacyClass =
    !atLeast(ctx.protocolVersion, '14.0') && work.folder
      ? el('AirSync:Class', work.folder.itemClass)
      : undefined;
  if (work.status !== undefined && work.status !== 1) {
    return {
      element: el(
        'AirSync:Collection',
        legacyClass,
        el('AirSync:SyncKey', work.status === 3 ? '0' : work.syncKey),
        el('AirSync:CollectionId', work.collectionId),
        el('AirSync:Status', work.status),
      ),
      sent: 0,
    };
  }
  const commands: EasElement[] = [];
  let more = false;
  if (work.getChanges) {
    const changes = changesFor(work, ctx)!;
    const limit = Math.min(work.options!.windowSize, budget);
    const render = renderOptions(work.options!, ctx);
    const ordered: Array<() => void> = [
      ...changes.deletes.map((id) => () => {
        commands.push(el('AirSync:Delete', el('AirSync:ServerId', id)));
        ownHeld(work).delete(id);
      }),
      ...changes.softDeletes.map((id) => () => {
        commands.push(el('AirSync:SoftDelete', el('AirSync:ServerId', id)));
        ownHeld(work).delete(id);
      }),
      ...changes.changes.map((item: StoredItem) => () => {
        commands.push(
          el(
            'AirSync:Change',
            el('AirSync:ServerId', item.serverId),
            el('AirSync:ApplicationData', renderItem(item, render)),
          ),
        );
        ownHeld(work).set(item.serverId, item.version);
      }),
      ...changes.adds.map((item: StoredItem) => () => {
        commands.push(
          el(
            'AirSync:Add',
            el('AirSync:ServerId', item.serverId),
            el('AirSync:ApplicationData', renderItem(item, render)),
          ),
        );
        ownHeld(work).set(item.serverId, item.version);
      }),
    ];
    ordered.slice(0, Math.max(0, limit)).forEach((apply) => apply());
    more = ordered.length > limit;
  }
  const newKey = nextSyncKey(ctx.device);
  const previousState =
    work.syncKey === '0' ? undefined : stateForKey(work.state!.chain, work.syncKey);
  // When nothing changed, the new key shares the old key's state (states are never changed in place).
  advanceChain(work.state!.chain, work.syncKey, previousState, newKey, work.held!);
  return {
    element: el(
      'AirSync:Collection',
      legacyClass,
      el('AirSync:SyncKey', newKey),
      el('AirSync:CollectionId', work.collectionId),
      el('AirSync:Status', 1),
      responses.length > 0 && el('AirSync:Responses', responses),
      commands.length > 0 && el('AirSync:Commands', commands),
      more && el('AirSync:MoreAvailable'),
    ),
    sent: commands.length,
  };
}
