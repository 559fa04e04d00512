import { randomInt } from 'node:crypto';
import {
  child,
  children,
  collectionsAsTheDeviceStands,
  el,
  easCompactDateTime,
  easDateTime,
  formatAddress,
  formatAddressList,
  COMMAND_SHAPES,
  ClientDataError,
  applyClientContact,
  applyClientEvent,
  newClientContact,
  newClientEvent,
  galSearch,
  findAnswer,
  getItemEstimateResponse,
  meetingResponse,
  responseTypeOf,
  buildMime,
  readBodyPreferences,
  readSearchRequest,
  renderBody,
  type BodyPreference,
  resolveRecipients,
  searchableText,
  searchAnswer,
  searchLongId,
  searchMailbox,
  searchPage,
  type GalPerson,
  type SearchableMailbox,
  isComposeCommand,
  moveItemsResponse,
  PING_LIMITS,
  readPingRequest,
  type PingParameters,
  textOf,
  type ComposeQuery,
  type EasElement,
} from '@hma-lab/activesync';
import type { CalendarItem, ContactItem, MailItem, MailboxItem, MailRoute } from '@hma-lab/core';
import {
  findItem,
  mailboxChanged,
  type CloudMailbox,
  type StoredFolder,
  type StoredItem,
} from './cloud-store.js';
import { cloudCompose } from './compose.js';
import {
  folderCreate,
  folderDelete,
  folderSync,
  folderUpdate,
  newHierarchyState,
  type HierarchyState,
} from './folders.js';

/**
 * A deliberately minimal ActiveSync command engine for Exchange Online's own
 * mailboxes (flow B): Provision (both phases), FolderSync, FolderCreate/Update/Delete
 * (folders.ts), Sync (adds and
 * deletes, WindowSize, FilterType for mail and calendar, the previous key
 * answered again, empty answers and requests from 12.1, the client's Delete,
 * read flag and Fetch), GetItemEstimate, ItemOperations Fetch, MoveItems, Ping, Search,
 * ResolveRecipients, MeetingResponse,
 * SendMail/SmartReply/SmartForward (compose.ts) and Settings (UserInformation,
 * Oof Get and Set, DeviceInformation Set). The full command engine
 * is exchange-onprem's; this one only lets a cloud mailbox be synced end to
 * end (README, "Flow B").
 */

export interface EasDeviceState {
  tempPolicyKey?: string;
  policyKey?: string;
  /** What the device holds of the folder hierarchy (FolderSync). */
  hierarchy: HierarchyState;
  collections: Map<string, CollectionState>;
  /** The last Sync request with collections, which an empty request (12.1+) stands for. */
  lastSyncRequest?: EasElement;
  /** The last Ping's parameters, which an empty Ping stands for. */
  ping?: PingParameters;
  /** ClientIds of the mail the device sent, newest last (SendMail Status 118 on reuse). */
  sentClientIds: string[];
}

/**
 * What the device holds of one collection: the items sent under its current
 * key, and under the key before it. A device that never saw an answer sends
 * the previous key again and gets the changes again (MS-ASCMD 3.1.5.3), as
 * on-premises does; any older key is Status 3.
 */
interface CollectionState {
  syncKey: number;
  /** Server id -> the version of the item the device holds. */
  sent: Map<string, number>;
  previous?: { syncKey: number; sent: Map<string, number> };
  /** The BodyPreferences of the collection's last Options: kept until Options come again (MS-ASCMD 2.2.3.115.5). */
  bodyPreferences?: BodyPreference[];
}

export interface EasCommandContext {
  mailbox: CloudMailbox;
  device: EasDeviceState;
  /** The request's X-MS-PolicyKey (plain) or policy key field (base64). */
  policyKey: string | undefined;
  protocolVersion: number;
  nowMs: number;
  /** The mailbox owner, as the mail they send shows them. */
  owner: { name: string; email: string };
  /** The request's body as sent: before 14.0 the mail commands' MIME message. */
  rawBody: Buffer;
  /** The request line's parameters of the mail commands before 14.0. */
  query: ComposeQuery;
  /** Sends a message to one recipient: false when neither Exchange Online nor the route it was given holds the address. */
  deliver: MailRoute;
  /** The directory's people, as the GAL shows them (Search, ResolveRecipients). */
  people(): readonly GalPerson[];
  /** Records a trace event of Exchange Online's. */
  event(action: string, summary: string, data: Record<string, unknown>): void;
}

/**
 * What a command answers: a WBXML body, an HTTP status alone (449 Retry after
 * Provision), or (Ping) a wait the endpoint holds until `changed()` turns true
 * after a change of the mailbox, or the heartbeat elapses on the lab clock,
 * and then answers `answer()`.
 */
export type EasCommandResult = { body: EasElement } | { status: number } | { wait: PingWait };

export interface PingWait {
  heartbeatMs: number;
  changed(): boolean;
  answer(): EasElement;
}

const PROVISION_DOC = 'MS-EAS-Provisioning-WBXML';
/** The 2.5 / 12.0 policy type; the engine answers it with the same document. */
const WAP_DOC = 'MS-WAP-Provisioning-XML';
/** FilterType (MS-ASCMD 2.2.3.70.1) as a look-back in days; 0 = all. */
const FILTER_DAYS: Record<string, number> = {
  '1': 1,
  '2': 3,
  '3': 7,
  '4': 14,
  '5': 31,
  '6': 92,
  '7': 183,
};
const DAY_MS = 86_400_000;

export function newDeviceState(): EasDeviceState {
  return { hierarchy: newHierarchyState(), collections: new Map(), sentClientIds: [] };
}

const newPolicyKey = (): string => String(randomInt(1_000_000_000, 2_147_483_647));

/** Commands the engine implements. */
export const CLOUD_EAS_COMMANDS = [
  'Provision',
  'FolderSync',
  'FolderCreate',
  'FolderUpdate',
  'FolderDelete',
  'Sync',
  'GetItemEstimate',
  'ItemOperations',
  'MoveItems',
  'Ping',
  'Settings',
  'SendMail',
  'SmartReply',
  'SmartForward',
  'Search',
  'ResolveRecipients',
  'MeetingResponse',
  'Find',
] as const;
const IMPLEMENTED: ReadonlySet<string> = new Set(CLOUD_EAS_COMMANDS);

export function runCloudCommand(
  cmd: string,
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasCommandResult | undefined {
  if (cmd === 'Provision') return { body: provision(request, ctx) };
  if (cmd === 'Settings') return { body: settings(request, ctx) };
  const provisioned = ctx.device.policyKey !== undefined && ctx.policyKey === ctx.device.policyKey;
  if (!provisioned) {
    // Before 14.0 the answer is HTTP 449; from 14.0 a Status 142 in the command (MS-ASPROV 3.1.5.1).
    if (ctx.protocolVersion < 14) return { status: 449 };
    const shape = COMMAND_SHAPES[cmd];
    if (shape && IMPLEMENTED.has(cmd)) return { body: el(shape.root, el(shape.status, 142)) };
  }
  if (cmd === 'FolderSync') return { body: folderSync(request, ctx) };
  if (cmd === 'FolderCreate') return { body: folderCreate(request, ctx) };
  if (cmd === 'FolderUpdate') return { body: folderUpdate(request, ctx) };
  if (cmd === 'FolderDelete') return { body: folderDelete(request, ctx) };
  if (cmd === 'Sync') return sync(request, ctx);
  if (cmd === 'Ping') return ping(request, ctx);
  if (cmd === 'GetItemEstimate') return { body: getItemEstimate(request, ctx) };
  if (cmd === 'ItemOperations') return { body: itemOperations(request, ctx) };
  if (cmd === 'MoveItems') return { body: moveItems(request, ctx) };
  if (cmd === 'Search') return { body: search(request, ctx) };
  if (cmd === 'ResolveRecipients') return { body: resolveRecipientsOf(request, ctx) };
  if (cmd === 'MeetingResponse') return { body: answerMeetings(request, ctx) };
  if (cmd === 'Find') return { body: find(request, ctx) };
  if (isComposeCommand(cmd)) return cloudCompose(cmd, request, ctx);
  return undefined;
}

/**
 * MoveItems (MS-ASCMD 2.2.1.12), as on-premises: per item Status 1 for an
 * unknown item or one not in its SrcFldId, 2 for an unknown destination, 4
 * when source and destination are the same, 3 moved (with its new DstMsgId:
 * the next Sync of the source reports a Delete, of the destination an Add).
 * Without any Move: Status 103 (a protocol error, 14.0+).
 */
function moveItems(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const moves = request ? children(request, 'Move:Move') : [];
  if (moves.length === 0) return el('Move:MoveItems', el('Move:Status', 103));
  const responses = moves.map((move) => {
    const srcMsgId = textOf(move, 'Move:SrcMsgId') ?? '';
    const srcFldId = textOf(move, 'Move:SrcFldId') ?? '';
    const dstFldId = textOf(move, 'Move:DstFldId') ?? '';
    const source = ctx.mailbox.folders.find((f) => f.serverId === srcFldId);
    const index = source ? source.items.findIndex((s) => s.serverId === srcMsgId) : -1;
    if (!source || index < 0) return moveItemsResponse(srcMsgId, 1);
    const destination = ctx.mailbox.folders.find((f) => f.serverId === dstFldId);
    if (!destination) return moveItemsResponse(srcMsgId, 2);
    if (destination === source) return moveItemsResponse(srcMsgId, 4);
    const [stored] = source.items.splice(index, 1);
    const serverId = `${destination.serverId}:${destination.nextItem++}`;
    destination.items.push({ serverId, item: stored!.item, addedAtMs: ctx.nowMs });
    return moveItemsResponse(srcMsgId, 3, serverId);
  });
  mailboxChanged(ctx.mailbox);
  return el('Move:MoveItems', responses);
}

/**
 * Search (MS-ASCMD 2.2.1.16) as on-premises answers it (@hma-lab/activesync's
 * `searchMailbox` and `galSearch`): the `Mailbox` store over every folder's
 * items (And / Or of Class, CollectionId, FreeText, DateReceived; newest
 * first; each result's LongId for ItemOperations and SmartReply), the `GAL`
 * over the directory. Store Status 2 for a bad range or another store, 8 for
 * a query too complex; 103 without a Store.
 */
function search(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const read = request && readSearchRequest(request);
  if (!read) return el('Search:Search', el('Search:Status', 103));
  const { query, options, range } = read;
  if (!query || !range) return searchAnswer(2);
  if (read.store === 'gal') return searchAnswer(1, ...galSearch(query, range, ctx.people()));
  if (read.store !== 'mailbox') return searchAnswer(2);
  const matches = searchMailbox(
    query,
    options !== undefined && child(options, 'Search:DeepTraversal') !== undefined,
    searchableMailbox(ctx.mailbox),
  );
  if (!matches) return searchAnswer(8);
  const page = matches
    .slice(range.from, range.to + 1)
    .map(({ folder, stored }) =>
      el(
        'Search:Result',
        el('AirSync:Class', folder.itemClass),
        el('Search:LongId', searchLongId(stored.serverId)),
        el('AirSync:CollectionId', folder.serverId),
        el('Search:Properties', applicationData(stored, readBodyPreferences(options), ctx)),
      ),
    );
  return searchAnswer(1, ...searchPage(page, range, matches.length));
}

/**
 * MeetingResponse (MS-ASCMD 2.2.1.11) for events of the calendar, as
 * on-premises: accepting or tentatively accepting shows on the event
 * (Calendar:ResponseType 3 or 2; other devices get a Change), declining
 * removes it. Result Status 2 for an item that is not an event; 103 without
 * any Request.
 */
function answerMeetings(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const answered =
    request &&
    meetingResponse(request, ({ requestId, collectionId, longId, userResponse }) => {
      const found = findItem(ctx.mailbox, {
        serverId: requestId || undefined,
        collectionId,
        longId,
      });
      if (!found || found.stored.item.kind !== 'calendar') return undefined;
      const { folder, stored } = found;
      if (userResponse === 3) folder.items.splice(folder.items.indexOf(stored), 1);
      else {
        stored.responseType = responseTypeOf(userResponse);
        stored.version = versionOf(stored) + 1;
      }
      mailboxChanged(ctx.mailbox);
      ctx.event(
        'exo.eas.meeting.responded',
        `${ctx.owner.email} answered ${userResponse} to ${stored.serverId}`,
        {
          serverId: stored.serverId,
          userResponse,
        },
      );
      return userResponse === 3 ? {} : { calendarId: stored.serverId };
    });
  return answered ?? el('MeetingResponse:MeetingResponse', el('MeetingResponse:Status', 103));
}

interface FolderEntry {
  folder: StoredFolder;
  stored: StoredItem;
}

/** The mailbox as Search and Find query it. */
function searchableMailbox(mailbox: CloudMailbox): SearchableMailbox<FolderEntry> {
  const folders = mailbox.folders;
  return {
    items: folders.flatMap((folder) => folder.items.map((stored) => ({ folder, stored }))),
    folders,
    folderOf: (entry) => entry.folder.serverId,
    classOf: (entry) => entry.folder.itemClass,
    textOf: (entry) => searchableText(entry.stored.item),
    receivedMs: ({ stored }) => (stored.item.kind === 'mail' ? stored.item.receivedMs : undefined),
    sortMs: ({ stored }) =>
      stored.item.kind === 'mail'
        ? stored.item.receivedMs
        : stored.item.kind === 'calendar'
          ? stored.item.startMs
          : 0,
  };
}

/** Find (MS-ASCMD 2.2.1.2, 16.1) of the mailbox's mail or of the GAL, as on-premises answers it. */
function find(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  return findAnswer(request, {
    mailbox: searchableMailbox(ctx.mailbox),
    mailOf: ({ folder, stored: { serverId, item } }) =>
      item.kind === 'mail'
        ? { serverId, collectionId: folder.serverId, cc: [], ...item }
        : undefined,
    people: ctx.people(),
  });
}

/** ResolveRecipients (MS-ASCMD 2.2.1.15) over the directory and the mailbox's contacts; Status 5 without a To. */
function resolveRecipientsOf(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const contacts = ctx.mailbox.folders.flatMap((f) =>
    f.items.flatMap(({ item }) => (item.kind === 'contact' ? [item] : [])),
  );
  return (
    (request && resolveRecipients(request, ctx.people(), contacts)) ??
    el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:Status', 5))
  );
}

/**
 * ItemOperations (MS-ASCMD 2.2.1.10), from 12.0: Fetch of a mailbox item by
 * CollectionId + ServerId, whole. Fetch Status 6 for an item the mailbox does
 * not hold, 9 for a store other than Mailbox (no document libraries), 15 for
 * an attachment (none are modelled); another operation (EmptyFolderContents,
 * Move) Status 2.
 */
function itemOperations(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const operations = request?.children ?? [];
  if (ctx.protocolVersion < 12 || operations.length === 0) {
    return el('ItemOperations:ItemOperations', el('ItemOperations:Status', 2));
  }
  return el(
    'ItemOperations:ItemOperations',
    el('ItemOperations:Status', 1),
    el(
      'ItemOperations:Response',
      operations.map((operation) =>
        operation.tag === 'ItemOperations:Fetch'
          ? fetchItem(operation, ctx)
          : el(operation.tag, el('ItemOperations:Status', 2)),
      ),
    ),
  );
}

function fetchItem(operation: EasElement, ctx: EasCommandContext): EasElement {
  const answer = (status: number, ...rest: EasElement[]): EasElement =>
    el('ItemOperations:Fetch', el('ItemOperations:Status', status), ...rest);
  if ((textOf(operation, 'ItemOperations:Store') ?? '').toLowerCase() !== 'mailbox') {
    return answer(9);
  }
  const reference = textOf(operation, 'AirSyncBase:FileReference');
  if (reference !== undefined) return answer(15, el('AirSyncBase:FileReference', reference));
  const collectionId = textOf(operation, 'AirSync:CollectionId');
  const serverId = textOf(operation, 'AirSync:ServerId');
  const longId = textOf(operation, 'Search:LongId');
  const ids = [
    collectionId !== undefined && el('AirSync:CollectionId', collectionId),
    serverId !== undefined && el('AirSync:ServerId', serverId),
    longId !== undefined && el('Search:LongId', longId),
  ].filter((e): e is EasElement => e !== false);
  // By CollectionId + ServerId, or by a LongId of Search's.
  const found =
    serverId !== undefined && collectionId === undefined
      ? undefined
      : findItem(ctx.mailbox, { serverId, collectionId, longId });
  if (!found) return answer(6, ...ids);
  const { folder, stored } = found;
  return answer(
    1,
    ...ids,
    el('AirSync:Class', folder.itemClass),
    el(
      'ItemOperations:Properties',
      applicationData(stored, readBodyPreferences(child(operation, 'ItemOperations:Options')), ctx),
    ),
  );
}

/**
 * GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Sync of each
 * collection would bring, its keys left where they are. Status 1, 2 for an
 * unknown collection (or none at all), 3 for one never synced past key 0,
 * 4 for a SyncKey the device does not hold. The FilterType is the request's,
 * else the one of the device's last Sync of the collection.
 */
function getItemEstimate(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const collections = request
    ? children(
        child(request, 'GetItemEstimate:Collections') ?? el('x'),
        'GetItemEstimate:Collection',
      )
    : [];
  if (collections.length === 0) {
    return el('GetItemEstimate:GetItemEstimate', el('GetItemEstimate:Status', 2));
  }
  const responses = collections.map((collection) => {
    const id = textOf(collection, 'GetItemEstimate:CollectionId') ?? '';
    const answer = (status: number, estimate?: number): EasElement =>
      getItemEstimateResponse(status, id, estimate);
    const folder = ctx.mailbox.folders.find((f) => f.serverId === id);
    if (!folder) return answer(2);
    const key = textOf(collection, 'AirSync:SyncKey');
    const state = ctx.device.collections.get(id);
    if (!state || key === undefined || key === '0') return answer(3);
    const held =
      key === String(state.syncKey)
        ? state.sent
        : key === String(state.previous?.syncKey)
          ? state.previous!.sent
          : undefined;
    if (!held) return answer(4);
    const filter = textOf(child(collection, 'AirSync:Options') ?? collection, 'AirSync:FilterType');
    const sinceMs =
      filter !== undefined ? filterSince(filter, ctx.nowMs) : lastFilterSince(ctx, id);
    return answer(1, countNews(folder, held, sinceMs));
  });
  return el('GetItemEstimate:GetItemEstimate', responses);
}

/**
 * Ping (MS-ASCMD 2.2.1.13): answers at once when a watched folder already has
 * something the device has not synced (Status 2 with the folders), otherwise
 * a wait for a change or the heartbeat's end (Status 1). Status 3: an empty
 * Ping with none before it; 4: no folders; 5: HeartbeatInterval out of range
 * (with the limit); 6: too many folders (with MaxFolders); 7: a folder the
 * mailbox does not have (FolderSync needed). An empty Ping repeats the last.
 */
function ping(request: EasElement | undefined, ctx: EasCommandContext): EasCommandResult {
  const answer = (status: number, ...rest: Array<EasElement | undefined>): EasCommandResult => ({
    body: el('Ping:Ping', el('Ping:Status', status), ...rest),
  });
  // Exchange's default limits, as on-premises.
  const read = readPingRequest(request, ctx.device.ping, PING_LIMITS);
  if ('status' in read) {
    return answer(read.status, read.limit ? el(read.limit.tag, read.limit.value) : undefined);
  }
  const folders = read.ping.folders.map(({ id }) =>
    ctx.mailbox.folders.find((f) => f.serverId === id),
  );
  if (folders.some((f) => !f)) return answer(7);
  ctx.device.ping = read.ping;
  const heartbeatS = read.ping.heartbeatS;
  // What the device holds of each folder: what it was sent, or (never synced)
  // the folder as it is now, so that only what comes later counts.
  // Read when asked, not kept from the Ping's start: what the device syncs
  // meanwhile (on another connection), its own changes included, is no news.
  const watched = (folders as StoredFolder[]).map((folder) => {
    const neverSynced = new Map(folder.items.map((s) => [s.serverId, versionOf(s)]));
    return {
      folder,
      held: () => ctx.device.collections.get(folder.serverId)?.sent ?? neverSynced,
      sinceMs: () => lastFilterSince(ctx, folder.serverId),
    };
  });
  const changedFolders = (): string[] =>
    watched
      .filter((w) => countNews(w.folder, w.held(), w.sinceMs()) > 0)
      .map((w) => w.folder.serverId);
  // A watched folder deleted meanwhile: the device must FolderSync (Status 7).
  const folderGone = (): boolean => watched.some((w) => !ctx.mailbox.folders.includes(w.folder));
  const reply = (): EasElement => {
    if (folderGone()) return el('Ping:Ping', el('Ping:Status', 7));
    const changed = changedFolders();
    return changed.length === 0
      ? el('Ping:Ping', el('Ping:Status', 1))
      : el(
          'Ping:Ping',
          el('Ping:Status', 2),
          el(
            'Ping:Folders',
            changed.map((id) => el('Ping:Folder', id)),
          ),
        );
  };
  if (changedFolders().length > 0) return { body: reply() };
  return {
    wait: {
      heartbeatMs: heartbeatS * 1000,
      changed: () => folderGone() || changedFolders().length > 0,
      answer: reply,
    },
  };
}

/** How many changes a Sync of `folder` from what the device `held` would bring (all rounds). */
function countNews(folder: StoredFolder, held: Map<string, number>, sinceMs?: number): number {
  const { deletes, changed, pending } = pendingChanges(folder, held, sinceMs);
  return deletes.length + changed.length + pending.length;
}

/**
 * What a Sync of `folder` brings a device that holds `held`, in all its rounds:
 * items gone, items in another version, items new to it inside the window.
 */
function pendingChanges(
  folder: StoredFolder,
  held: Map<string, number>,
  sinceMs: number | undefined,
): { deletes: string[]; changed: StoredItem[]; pending: StoredItem[] } {
  const present = new Set(folder.items.map((s) => s.serverId));
  return {
    deletes: [...held.keys()].filter((sid) => !present.has(sid)),
    changed: folder.items.filter(
      (s) => held.has(s.serverId) && held.get(s.serverId) !== versionOf(s),
    ),
    pending: folder.items.filter((s) => !held.has(s.serverId) && inWindow(s.item, sinceMs)),
  };
}

/** The start of a FilterType's window (MS-ASCMD 2.2.3.70.1); undefined for all (0, or none). */
function filterSince(filterType: string | undefined, nowMs: number): number | undefined {
  const days = FILTER_DAYS[filterType ?? '0'];
  return days ? nowMs - days * DAY_MS : undefined;
}

/** The start of the FilterType window the device's last Sync of `id` asked for. */
function lastFilterSince(ctx: EasCommandContext, id: string): number | undefined {
  const last = ctx.device.lastSyncRequest;
  const collections = last
    ? children(child(last, 'AirSync:Collections') ?? last, 'AirSync:Collection')
    : [];
  const collection = collections.find((c) => textOf(c, 'AirSync:CollectionId') === id);
  return collection
    ? filterSince(textOf(collection, 'AirSync:Options', 'AirSync:FilterType'), ctx.nowMs)
    : undefined;
}

function provision(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const policy = request
    ? child(child(request, 'Provision:Policies') ?? request, 'Provision:Policy')
    : undefined;
  const type = (policy && textOf(policy, 'Provision:PolicyType')) ?? PROVISION_DOC;
  const acknowledged = policy ? textOf(policy, 'Provision:PolicyKey') : undefined;
  const deviceInformation = request && child(request, 'Settings:DeviceInformation');
  const info = deviceInformation
    ? el('Settings:DeviceInformation', el('Settings:Status', 1))
    : undefined;
  if (type !== PROVISION_DOC && type !== WAP_DOC) {
    // An unknown PolicyType (one read with NUL is "A\uFFFDB"): Policy Status 3 (MS-ASPROV 2.2.2.54.2).
    return provisionAnswer(info, type, 3);
  }
  if (acknowledged !== undefined) {
    // Phase 2: the client acknowledges the temporary key and gets the final one.
    if (acknowledged !== ctx.device.tempPolicyKey) return provisionAnswer(undefined, type, 5);
    ctx.device.policyKey = newPolicyKey();
    delete ctx.device.tempPolicyKey;
    return provisionAnswer(undefined, type, 1, el('Provision:PolicyKey', ctx.device.policyKey));
  }
  ctx.device.tempPolicyKey = newPolicyKey();
  return provisionAnswer(
    info,
    type,
    1,
    el('Provision:PolicyKey', ctx.device.tempPolicyKey),
    el(
      'Provision:Data',
      el(
        'Provision:EASProvisionDoc',
        el('Provision:DevicePasswordEnabled', 0),
        el('Provision:AlphanumericDevicePasswordRequired', 0),
        el('Provision:RequireStorageCardEncryption', 0),
        el('Provision:AttachmentsEnabled', 1),
        el('Provision:AllowCamera', 1),
        el('Provision:RequireDeviceEncryption', 0),
      ),
    ),
  );
}

/** A Provision answer (Status 1) with one Policy of `type` and `policyStatus`, then `rest`. */
function provisionAnswer(
  info: EasElement | undefined,
  type: string,
  policyStatus: number,
  ...rest: EasElement[]
): EasElement {
  return el(
    'Provision:Provision',
    info,
    el('Provision:Status', 1),
    el(
      'Provision:Policies',
      el(
        'Provision:Policy',
        el('Provision:PolicyType', type),
        el('Provision:Status', policyStatus),
        ...rest,
      ),
    ),
  );
}

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
function sync(request: EasElement | undefined, ctx: EasCommandContext): EasCommandResult {
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
            stored.version = versionOf(stored) + 1;
            changed.push(stored);
          }
        } else {
          const read = textOf(command, 'AirSync:ApplicationData', 'Email:Read');
          if ((read === '0' || read === '1') && stored.item.read !== (read === '1')) {
            stored.item = { ...stored.item, read: read === '1' };
            stored.version = versionOf(stored) + 1;
            changed.push(stored);
          }
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

/** An item's version: 1 as stored, one more for each change a device made. */
const versionOf = (stored: StoredItem): number => stored.version ?? 1;

function inWindow(item: MailboxItem, sinceMs: number | undefined): boolean {
  if (sinceMs === undefined) return true;
  if (item.kind === 'mail') return item.receivedMs >= sinceMs;
  if (item.kind === 'calendar') return item.endMs >= sinceMs;
  return true;
}

/**
 * An item's properties for a device: bodies as its BodyPreferences ask
 * (@hma-lab/activesync's `renderBody`: plain text, HTML made from the text,
 * or for mail MIME; truncation, AllOrNone, preview), `Email:Body` /
 * `Calendar:Body` before 12.0.
 */
function applicationData(
  stored: StoredItem,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  const item = stored.item;
  if (item.kind === 'mail') return mailData(item, stored.serverId, preferences, ctx);
  if (item.kind === 'calendar') {
    const data = calendarData(item, preferences, ctx);
    return stored.responseType ? [...data, el('Calendar:ResponseType', stored.responseType)] : data;
  }
  return contactData(item, ctx);
}

function mailData(
  mail: MailItem,
  serverId: string,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  const body =
    ctx.protocolVersion < 12
      ? el('Email:Body', mail.bodyText)
      : renderBody(
          {
            text: mail.bodyText,
            mime: () =>
              buildMime({ ...mail, messageId: `<${serverId}@${ctx.mailbox.upn.split('@')[1]}>` }),
          },
          preferences,
          ctx.protocolVersion,
        );
  return [
    el('Email:To', formatAddressList(mail.to)),
    el('Email:From', formatAddress(mail.from)),
    el('Email:Subject', mail.subject),
    el('Email:DateReceived', easDateTime(mail.receivedMs)),
    el('Email:DisplayTo', mail.to.map((a) => a.name).join('; ')),
    el('Email:Importance', mail.importance),
    el('Email:Read', mail.read ? 1 : 0),
    body,
    el('Email:MessageClass', mail.messageClass),
  ];
}

function calendarData(
  event: CalendarItem,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  return [
    el('Calendar:DtStamp', easCompactDateTime(event.startMs)),
    el('Calendar:StartTime', easCompactDateTime(event.startMs)),
    el('Calendar:EndTime', easCompactDateTime(event.endMs)),
    el('Calendar:Subject', event.subject),
    el('Calendar:UID', event.uid),
    el('Calendar:OrganizerName', event.organizer.name),
    el('Calendar:OrganizerEmail', event.organizer.email),
    el('Calendar:Location', event.location),
    el('Calendar:AllDayEvent', event.allDay ? 1 : 0),
    el(
      'Calendar:Attendees',
      event.attendees.map((a) =>
        el('Calendar:Attendee', el('Calendar:Email', a.email), el('Calendar:Name', a.name)),
      ),
    ),
    ctx.protocolVersion < 12
      ? el('Calendar:Body', event.bodyText)
      : renderBody({ text: event.bodyText }, preferences, ctx.protocolVersion),
  ];
}

function contactData(contact: ContactItem, _ctx: EasCommandContext): EasElement[] {
  return [
    el('Contacts:FirstName', contact.firstName),
    el('Contacts:LastName', contact.lastName),
    el('Contacts:Email1Address', `"${contact.firstName} ${contact.lastName}" <${contact.email}>`),
    el('Contacts:CompanyName', contact.company),
    el('Contacts:JobTitle', contact.jobTitle),
    el('Contacts:MobilePhoneNumber', contact.mobilePhone),
    el('Contacts:FileAs', `${contact.lastName}, ${contact.firstName}`),
  ];
}

function settings(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const parts: EasElement[] = [el('Settings:Status', 1)];
  if (request && child(request, 'Settings:DeviceInformation')) {
    parts.push(el('Settings:DeviceInformation', el('Settings:Status', 1)));
  }
  if (request && child(request, 'Settings:UserInformation')) {
    parts.push(
      el(
        'Settings:UserInformation',
        el('Settings:Status', 1),
        el(
          'Settings:Get',
          el('Settings:EmailAddresses', el('Settings:SMTPAddress', ctx.mailbox.upn)),
        ),
      ),
    );
  }
  const oofRequest = request ? child(request, 'Settings:Oof') : undefined;
  const oofSet = oofRequest ? child(oofRequest, 'Settings:Set') : undefined;
  if (oofSet) parts.push(el('Settings:Oof', el('Settings:Status', setOof(oofSet, ctx.mailbox))));
  else if (oofRequest) {
    const oof = ctx.mailbox.oof;
    parts.push(
      el(
        'Settings:Oof',
        el('Settings:Status', 1),
        el(
          'Settings:Get',
          el('Settings:OofState', oof.state === 'enabled' ? 1 : 0),
          el(
            'Settings:OofMessage',
            el('Settings:AppliesToInternal'),
            el('Settings:Enabled', oof.state === 'enabled' ? 1 : 0),
            el('Settings:ReplyMessage', oof.internalReply),
            el('Settings:BodyType', 'Text'),
          ),
          el(
            'Settings:OofMessage',
            el('Settings:AppliesToExternalUnknown'),
            el('Settings:Enabled', oof.state === 'enabled' ? 1 : 0),
            el('Settings:ReplyMessage', oof.externalReply),
            el('Settings:BodyType', 'Text'),
          ),
        ),
      ),
    );
  }
  return el('Settings:Settings', parts);
}

/**
 * Settings Oof Set: OofState 0 or 1 with the replies it carries (internal;
 * external unknown, else known), the others kept. Scheduled OOF (2) is not
 * modelled here: Status 5, invalid arguments, nothing changed. Returns the
 * Oof Status.
 */
function setOof(set: EasElement, mailbox: CloudMailbox): number {
  const state = textOf(set, 'Settings:OofState');
  if (state !== '0' && state !== '1') return 5;
  const messages = children(set, 'Settings:OofMessage');
  const reply = (tag: string): string | undefined => {
    const message = messages.find((m) => child(m, tag));
    return message ? textOf(message, 'Settings:ReplyMessage') : undefined;
  };
  // A new object: the seed the mailbox started from may be shared.
  mailbox.oof = {
    state: state === '1' ? 'enabled' : 'disabled',
    internalReply: reply('Settings:AppliesToInternal') ?? mailbox.oof.internalReply,
    externalReply:
      reply('Settings:AppliesToExternalUnknown') ??
      reply('Settings:AppliesToExternalKnown') ??
      mailbox.oof.externalReply,
  };
  return 1;
}
