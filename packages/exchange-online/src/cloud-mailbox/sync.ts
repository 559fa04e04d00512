import {
  child,
  children,
  collectionsAsTheDeviceStands,
  el,
  ClientDataError,
  applyClientContact,
  applyClientEvent,
  clientCategories,
  clientFlagStatus,
  readBodyPreferences,
  type BodyPreference,
  textOf,
  type EasElement,
  newClientContact,
  newClientEvent,
} from '@hma-lab/activesync';
import type { CalendarItem, ContactItem, MailboxItem, MailItem } from '@hma-lab/core';
import { mailboxChanged, type StoredFolder, type StoredItem } from './cloud-store.js';
import { filterSince, pendingChanges, versionOf } from './collection-view.js';
import type {
  CollectionState,
  EasCommandContext,
  EasCommandResult,
  EasDeviceState,
} from './eas-engine.js';
import { applicationData } from './item-data.js';

const MAX_WINDOW_SIZE = 512;

/** What one collection of a Sync request comes to, before anything is changed. */
type CollectionPlan =
  | { kind: 'status'; element: EasElement }
  | {
      kind: 'first';
      id: string;
      head: (status: number, syncKey?: number) => EasElement[];
      preferences: BodyPreference[];
    }
  | {
      kind: 'changes';
      id: string;
      key: number;
      state: CollectionState;
      /** What the device holds under the key it sent. */
      held: Map<string, number>;
      deletes: string[];
      /** Items the device holds in an older version (a read flag another device changed). */
      changes: StoredItem[];
      adds: StoredItem[];
      more: boolean;
      folder: StoredFolder;
      /** The client's own Commands, applied when the answer is made. */
      clientCommands: EasElement | undefined;
      /** DeletesAsMoves: a client Delete of mail moves it to Deleted Items (the default). */
      deletesAsMoves: boolean;
      /** How bodies are sent: the request's BodyPreferences, else those the device asked for before. */
      preferences: BodyPreference[];
      head: (status: number, syncKey?: number) => EasElement[];
    };

/**
 * Sync. An empty request (12.1+) stands for the device's last one (Status 13
 * when there is none); an answer with nothing to tell is HTTP 200 without a
 * body from 12.1, every key staying where it is (MS-ASCMD 2.2.1.21.2), as
 * on-premises answers.
 */
export function sync(request: EasElement | undefined, ctx: EasCommandContext): EasCommandResult {
  const emptyAllowed = ctx.protocolVersion >= 12.1;
  if (!request && emptyAllowed) {
    const last = ctx.device.lastSyncRequest;
    if (!last) return { body: el('AirSync:Sync', el('AirSync:Status', 13)) };
    request = asTheDeviceStandsNow(last, ctx.device);
  }
  const collections = request
    ? children(child(request, 'AirSync:Collections') ?? request, 'AirSync:Collection')
    : [];
  if (collections.length === 0) return { body: el('AirSync:Sync', el('AirSync:Status', 4)) };
  ctx.device.lastSyncRequest = request;
  const defaultWindow = Number(textOf(request!, 'AirSync:WindowSize')) || 100;
  const plans = collections.map((c) => planCollection(c, defaultWindow, ctx));
  const nothingToTell = plans.every(
    (p) =>
      p.kind === 'changes' &&
      !p.clientCommands &&
      p.deletes.length === 0 &&
      p.changes.length === 0 &&
      p.adds.length === 0 &&
      !p.more,
  );
  if (emptyAllowed && nothingToTell) return { status: 200 };
  return {
    body: el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        plans.map((p) => applyPlan(p, ctx)),
      ),
    ),
  };
}

/** The last request as the device stands now (the keys it holds, no Commands replayed). */
function asTheDeviceStandsNow(last: EasElement, device: EasDeviceState): EasElement {
  return el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      collectionsAsTheDeviceStands(last, (id) => device.collections.get(id)?.syncKey),
    ),
    last.children.filter((e) => e.tag !== 'AirSync:Collections'),
  );
}

function planCollection(
  request: EasElement,
  defaultWindow: number,
  ctx: EasCommandContext,
): CollectionPlan {
  const id = textOf(request, 'AirSync:CollectionId') ?? '';
  const given = textOf(request, 'AirSync:SyncKey');
  const key = given ?? '';
  const folder = ctx.mailbox.folders.find((f) => f.serverId === id);
  const head = (status: number, syncKey?: number): EasElement[] => [
    ...(folder ? [el('AirSync:Class', folder.itemClass)] : []),
    ...(syncKey !== undefined ? [el('AirSync:SyncKey', syncKey)] : [el('AirSync:SyncKey', key)]),
    el('AirSync:CollectionId', id),
    el('AirSync:Status', status),
  ];
  const status = (code: number): CollectionPlan => ({
    kind: 'status',
    element: el('AirSync:Collection', head(code)),
  });
  // No SyncKey or CollectionId: a protocol error (4), the collection's state
  // kept (taking a missing key for 0 forgot what the device holds); an
  // unknown collection: 12, as on-premises answers (MS-ASCMD: run FolderSync).
  if (given === undefined || id === '') return status(4);
  if (!folder) return status(12);
  if (key === '0') {
    const options = child(request, 'AirSync:Options');
    return { kind: 'first', id, head, preferences: readBodyPreferences(options) };
  }
  const state = ctx.device.collections.get(id);
  const held =
    state && key === String(state.syncKey)
      ? state.sent
      : state?.previous && key === String(state.previous.syncKey)
        ? state.previous.sent
        : undefined;
  if (!state || !held) return status(3);
  // At most 512 items an answer, as MS-ASCMD 2.2.3.199 caps WindowSize (and on-premises does).
  const windowSize = Math.min(
    Number(textOf(request, 'AirSync:WindowSize')) || defaultWindow,
    MAX_WINDOW_SIZE,
  );
  const options = child(request, 'AirSync:Options');
  const sinceMs = filterSince(options && textOf(options, 'AirSync:FilterType'), ctx.nowMs);
  const { deletes, changed, pending } = pendingChanges(folder, held, sinceMs);
  const changes = changed.slice(0, Math.max(0, windowSize - deletes.length));
  const adds = pending.slice(0, Math.max(0, windowSize - deletes.length - changes.length));
  return {
    kind: 'changes',
    id,
    key: Number(key),
    state,
    held,
    deletes,
    changes,
    adds,
    more: changed.length > changes.length || pending.length > adds.length,
    folder,
    clientCommands: child(request, 'AirSync:Commands'),
    deletesAsMoves: textOf(request, 'AirSync:DeletesAsMoves') !== '0',
    preferences: options ? readBodyPreferences(options) : (state.bodyPreferences ?? []),
    head,
  };
}

/** Records what the device now holds and answers the collection. */
function applyPlan(plan: CollectionPlan, ctx: EasCommandContext): EasElement {
  if (plan.kind === 'status') return plan.element;
  if (plan.kind === 'first') {
    ctx.device.collections.set(plan.id, {
      syncKey: 1,
      sent: new Map(),
      bodyPreferences: plan.preferences,
    });
    return el('AirSync:Collection', plan.head(1, 1));
  }
  const { state, held, deletes, adds } = plan;
  const client = applyClientCommands(plan, ctx);
  if (client.status !== undefined) return el('AirSync:Collection', plan.head(client.status));
  // What the device just deleted or changed itself is not sent back to it.
  const touched = new Set([...client.removed, ...client.changed.map((s) => s.serverId)]);
  const changes = plan.changes.filter((s) => !touched.has(s.serverId));
  const sent = new Map(held);
  for (const sid of client.removed) sent.delete(sid);
  for (const s of client.changed) sent.set(s.serverId, versionOf(s));
  for (const sid of deletes) sent.delete(sid);
  for (const s of [...changes, ...adds]) sent.set(s.serverId, versionOf(s));
  // Keys only grow, so a key from before a retry never matches by accident.
  const nextKey = state.syncKey + 1;
  state.previous = { syncKey: plan.key, sent: held };
  state.syncKey = nextKey;
  state.sent = sent;
  state.bodyPreferences = plan.preferences;
  // Told once the device's state holds its own changes: they are no news to its held Ping.
  if (client.removed.length > 0 || client.changed.length > 0) mailboxChanged(ctx.mailbox);
  const commands = [
    ...adds.map((s) =>
      el(
        'AirSync:Add',
        el('AirSync:ServerId', s.serverId),
        el('AirSync:ApplicationData', applicationData(s, plan.preferences, ctx)),
      ),
    ),
    ...changes.map((s) =>
      el(
        'AirSync:Change',
        el('AirSync:ServerId', s.serverId),
        el('AirSync:ApplicationData', applicationData(s, plan.preferences, ctx)),
      ),
    ),
    ...deletes.map((sid) => el('AirSync:Delete', el('AirSync:ServerId', sid))),
  ];
  return el(
    'AirSync:Collection',
    plan.head(1, nextKey),
    plan.more ? el('AirSync:MoreAvailable') : undefined,
    commands.length > 0 ? el('AirSync:Commands', commands) : undefined,
    client.responses.length > 0 ? el('AirSync:Responses', client.responses) : undefined,
  );
}

/**
 * The client's own changes (MS-ASCMD 2.2.3.24): Add of an event or contact
 * (Status 1 with its new ServerId), Change of an event or contact (the
 * properties sent replace those kept) and of mail's read flag, Delete (mail
 * goes to Deleted Items unless DeletesAsMoves is 0), Fetch of one item whole.
 * Mail is not created by a client (Add in a mail folder is Status 6), nor are
 * its other properties changed; an event with an unreadable or reversed
 * StartTime/EndTime is Status 6, an Add without ApplicationData 4, an item the
 * folder does not hold 8; a command of another kind makes the collection
 * Status 4. What a device adds or changes is not sent back to it.
 */
function applyClientCommands(
  plan: Extract<CollectionPlan, { kind: 'changes' }>,
  ctx: EasCommandContext,
): { responses: EasElement[]; removed: string[]; changed: StoredItem[]; status?: number } {
  const responses: EasElement[] = [];
  const removed: string[] = [];
  const changed: StoredItem[] = [];
  const { folder } = plan;
  for (const command of plan.clientCommands?.children ?? []) {
    const serverId = textOf(command, 'AirSync:ServerId') ?? '';
    const index = folder.items.findIndex((s) => s.serverId === serverId);
    const stored = index >= 0 ? folder.items[index] : undefined;
    const answer = (status: number, ...rest: EasElement[]): void =>
      void responses.push(
        el(command.tag, el('AirSync:ServerId', serverId), el('AirSync:Status', status), ...rest),
      );
    switch (command.tag) {
      case 'AirSync:Add': {
        const clientId = el('AirSync:ClientId', textOf(command, 'AirSync:ClientId') ?? '');
        const appData = child(command, 'AirSync:ApplicationData');
        const item = appData && clientItem(folder, appData, undefined, ctx);
        if (!item) {
          responses.push(el('AirSync:Add', clientId, el('AirSync:Status', appData ? 6 : 4)));
          break;
        }
        const added: StoredItem = {
          serverId: `${folder.serverId}:${folder.nextItem++}`,
          item,
          addedAtMs: ctx.nowMs,
        };
        setCategories(added, clientCategories(appData, folder.itemClass));
        folder.items.push(added);
        changed.push(added);
        responses.push(
          el(
            'AirSync:Add',
            clientId,
            el('AirSync:ServerId', added.serverId),
            el('AirSync:Status', 1),
          ),
        );
        break;
      }
      case 'AirSync:Delete': {
        if (!stored) {
          answer(8);
          break;
        }
        folder.items.splice(index, 1);
        removed.push(serverId);
        const deleted = ctx.mailbox.folders.find((f) => f.role === 'deleted');
        if (plan.deletesAsMoves && stored.item.kind === 'mail' && deleted && deleted !== folder) {
          deleted.items.push({
            serverId: `${deleted.serverId}:${deleted.nextItem++}`,
            item: stored.item,
            addedAtMs: ctx.nowMs,
          });
        }
        break;
      }
      case 'AirSync:Change': {
        const appData = child(command, 'AirSync:ApplicationData');
        if (!stored) answer(8);
        else if (stored.item.kind !== 'mail') {
          const item = appData && clientItem(folder, appData, stored.item, ctx);
          if (!item) answer(6);
          else {
            stored.item = item;
            setCategories(stored, clientCategories(appData, folder.itemClass));
            stored.version = versionOf(stored) + 1;
            changed.push(stored);
          }
        } else if (appData && changeMail(stored, appData)) {
          stored.version = versionOf(stored) + 1;
          changed.push(stored);
        }
        break;
      }
      case 'AirSync:Fetch':
        if (!stored) answer(8);
        else {
          answer(1, el('AirSync:ApplicationData', applicationData(stored, plan.preferences, ctx)));
        }
        break;
      default:
        return { responses: [], removed: [], changed: [], status: 4 };
    }
  }
  return { responses, removed, changed };
}

/**
 * What a device may change on a mail (MS-ASCMD 2.2.3.24.2: Read, Flag and,
 * from 14.0, Categories); true when something changed.
 */
function changeMail(stored: StoredItem, appData: EasElement): boolean {
  const mail = stored.item as MailItem;
  let changed = false;
  const read = textOf(appData, 'Email:Read');
  if ((read === '0' || read === '1') && mail.read !== (read === '1')) {
    stored.item = { ...mail, read: read === '1' };
    changed = true;
  }
  const flag = clientFlagStatus(appData);
  if (flag !== undefined && flag !== (stored.flagStatus ?? 0)) {
    if (flag === 0) delete stored.flagStatus;
    else stored.flagStatus = flag;
    changed = true;
  }
  const categories = clientCategories(appData, 'Email');
  if (categories !== undefined && categories.join('\n') !== (stored.categories ?? []).join('\n')) {
    setCategories(stored, categories);
    changed = true;
  }
  return changed;
}

/** Categories a device sent (undefined: left as they are; an empty list clears them). */
function setCategories(stored: StoredItem, categories: string[] | undefined): void {
  if (categories === undefined) return;
  if (categories.length === 0) delete stored.categories;
  else stored.categories = categories;
}

/**
 * An event or contact from a client's ApplicationData (a Change merges into
 * `existing`); undefined when the folder keeps neither, or the data cannot be
 * one (Status 6).
 */
function clientItem(
  folder: StoredFolder,
  appData: EasElement,
  existing: MailboxItem | undefined,
  ctx: EasCommandContext,
): CalendarItem | ContactItem | undefined {
  try {
    if (folder.itemClass === 'Calendar') {
      const event: CalendarItem =
        existing?.kind === 'calendar'
          ? { ...existing }
          : { kind: 'calendar', ...newClientEvent(ctx.owner, ctx.nowMs) };
      applyClientEvent(event, appData, ctx);
      return event;
    }
    if (folder.itemClass === 'Contacts') {
      const contact: ContactItem =
        existing?.kind === 'contact' ? { ...existing } : { kind: 'contact', ...newClientContact() };
      applyClientContact(contact, appData);
      return contact;
    }
  } catch (error) {
    if (error instanceof ClientDataError) return undefined;
    throw error;
  }
  return undefined;
}
