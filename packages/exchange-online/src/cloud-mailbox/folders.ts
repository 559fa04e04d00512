import { el, textOf, type EasElement } from '@hma-lab/activesync';
import { mailboxChanged, type CloudMailbox, type StoredFolder } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';

/**
 * The folder hierarchy of a cloud mailbox as ActiveSync sees it (flow B):
 * FolderSync, and the device's own FolderCreate, FolderUpdate and
 * FolderDelete (MS-ASCMD 2.2.1.2-5), as on-premises answers them.
 */

/**
 * What a device holds of the hierarchy: each folder's version under its
 * current FolderSync key, and under the key before it (a device that never
 * saw an answer sends that key again and gets the changes again).
 */
export interface HierarchyState {
  /** 0 before the first FolderSync. */
  key: number;
  held: Map<string, number>;
  previous?: { key: number; held: Map<string, number> };
}

export function newHierarchyState(): HierarchyState {
  return { key: 0, held: new Map() };
}

/** A folder's version: 1 as created, one more for each FolderUpdate. */
const versionOf = (folder: StoredFolder): number => folder.version ?? 1;

const answer = (root: string, status: number, ...rest: EasElement[]): EasElement =>
  el(`FolderHierarchy:${root}`, el('FolderHierarchy:Status', status), ...rest);

/**
 * FolderSync: key 0 sends the whole hierarchy (and forgets every collection's
 * sync state, as Exchange does); a current key what was added, renamed or
 * moved, and deleted since, under a new key; the key before the current one
 * the same changes again. Status 9 for any other key, 10 without a key.
 */
export function folderSync(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const key = request ? textOf(request, 'FolderHierarchy:SyncKey') : undefined;
  // No key at all is a malformed request (Status 10), not a first sync: taking
  // it for one reset the device's every collection.
  if (key === undefined) return answer('FolderSync', 10);
  const state = ctx.device.hierarchy;
  let held: Map<string, number>;
  if (key === '0') {
    held = new Map();
    ctx.device.collections.clear();
  } else if (state.key > 0 && key === String(state.key)) held = state.held;
  else if (state.previous && key === String(state.previous.key)) held = state.previous.held;
  else return answer('FolderSync', 9);
  const folders = ctx.mailbox.folders;
  const now = new Map(folders.map((f) => [f.serverId, versionOf(f)]));
  const adds = folders.filter((f) => !held.has(f.serverId));
  const updates = folders.filter(
    (f) => held.has(f.serverId) && held.get(f.serverId) !== versionOf(f),
  );
  const deletes = [...held.keys()].filter((id) => !now.has(id));
  moveOn(state, key === '0' ? 0 : Number(key), held, now);
  const folderElement = (tag: string, f: StoredFolder): EasElement =>
    el(
      tag,
      el('FolderHierarchy:ServerId', f.serverId),
      el('FolderHierarchy:ParentId', f.parentId),
      el('FolderHierarchy:DisplayName', f.displayName),
      el('FolderHierarchy:Type', f.type),
    );
  return answer(
    'FolderSync',
    1,
    el('FolderHierarchy:SyncKey', state.key),
    el(
      'FolderHierarchy:Changes',
      el('FolderHierarchy:Count', adds.length + updates.length + deletes.length),
      updates.map((f) => folderElement('FolderHierarchy:Update', f)),
      deletes.map((id) => el('FolderHierarchy:Delete', el('FolderHierarchy:ServerId', id))),
      adds.map((f) => folderElement('FolderHierarchy:Add', f)),
    ),
  );
}

/** The device's hierarchy moves to a new key holding `held`; the key it came from stays answerable once more. */
function moveOn(
  state: HierarchyState,
  fromKey: number,
  fromHeld: Map<string, number>,
  held: Map<string, number>,
): void {
  state.previous = { key: fromKey, held: fromHeld };
  state.key += 1;
  state.held = held;
}

/**
 * The device's hierarchy after its own folder change: what it held plus
 * exactly the folders it touched (changes made elsewhere still come with its
 * next FolderSync). Returns the new key.
 */
function recordOwnChange(ctx: EasCommandContext, touched: readonly string[]): number {
  const state = ctx.device.hierarchy;
  const held = new Map(state.held);
  for (const id of touched) {
    const folder = ctx.mailbox.folders.find((f) => f.serverId === id);
    if (folder) held.set(id, versionOf(folder));
    else held.delete(id);
  }
  moveOn(state, state.key, state.held, held);
  mailboxChanged(ctx.mailbox);
  return state.key;
}

/** The device's current FolderSync key, as a folder command must carry it. */
function keyIsCurrent(request: EasElement, ctx: EasCommandContext): boolean {
  const key = textOf(request, 'FolderHierarchy:SyncKey');
  return ctx.device.hierarchy.key > 0 && key === String(ctx.device.hierarchy.key);
}

/** User folder types a client may create (1 generic, 12-17 user mail, calendar, contacts, tasks, journal, notes), and their items' class. */
const CREATABLE: ReadonlyMap<number, string> = new Map([
  [1, 'Email'],
  [12, 'Email'],
  [13, 'Calendar'],
  [14, 'Contacts'],
  [15, 'Tasks'],
  [16, 'Notes'],
  [17, 'Notes'],
]);

/**
 * FolderCreate: Status 1 with the new key and ServerId; 2 a folder of that
 * name under the parent, 5 an unknown parent, 9 a key that is not the
 * device's current one, 10 no name or a type a client may not create.
 */
export function folderCreate(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  if (!request) return answer('FolderCreate', 10);
  if (!keyIsCurrent(request, ctx)) return answer('FolderCreate', 9);
  const parentId = textOf(request, 'FolderHierarchy:ParentId') ?? '0';
  const displayName = textOf(request, 'FolderHierarchy:DisplayName');
  const type = Number(textOf(request, 'FolderHierarchy:Type'));
  const itemClass = CREATABLE.get(type);
  if (!displayName || !itemClass) return answer('FolderCreate', 10);
  const { mailbox } = ctx;
  if (parentId !== '0' && !folderOf(mailbox, parentId)) return answer('FolderCreate', 5);
  if (nameTaken(mailbox, parentId, displayName)) return answer('FolderCreate', 2);
  const serverId = String(Math.max(0, ...mailbox.folders.map((f) => Number(f.serverId) || 0)) + 1);
  mailbox.folders.push({
    serverId,
    parentId,
    displayName,
    type,
    itemClass,
    items: [],
    nextItem: 1,
  });
  const key = recordOwnChange(ctx, [serverId]);
  return answer(
    'FolderCreate',
    1,
    el('FolderHierarchy:SyncKey', key),
    el('FolderHierarchy:ServerId', serverId),
  );
}

/**
 * FolderUpdate: renames or moves a folder the user made. Status 2 a default
 * folder, 4 an unknown folder, 5 an unknown parent (or the folder itself or
 * one inside it), 9 a key that is not current, 10 no name.
 */
export function folderUpdate(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  if (!request) return answer('FolderUpdate', 10);
  if (!keyIsCurrent(request, ctx)) return answer('FolderUpdate', 9);
  const { mailbox } = ctx;
  const folder = folderOf(mailbox, textOf(request, 'FolderHierarchy:ServerId') ?? '');
  if (!folder) return answer('FolderUpdate', 4);
  if (folder.role) return answer('FolderUpdate', 2);
  const parentId = textOf(request, 'FolderHierarchy:ParentId') ?? '0';
  const displayName = textOf(request, 'FolderHierarchy:DisplayName');
  if (!displayName) return answer('FolderUpdate', 10);
  if (parentId !== '0' && !folderOf(mailbox, parentId)) return answer('FolderUpdate', 5);
  if (subtree(mailbox, folder.serverId).includes(parentId)) return answer('FolderUpdate', 5);
  folder.parentId = parentId;
  folder.displayName = displayName;
  folder.version = versionOf(folder) + 1;
  return answer(
    'FolderUpdate',
    1,
    el('FolderHierarchy:SyncKey', recordOwnChange(ctx, [folder.serverId])),
  );
}

/**
 * FolderDelete: removes a folder the user made, with the folders inside it
 * and their items. Status 3 a default folder, 4 an unknown folder, 9 a key
 * that is not current.
 */
export function folderDelete(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  if (!request) return answer('FolderDelete', 10);
  if (!keyIsCurrent(request, ctx)) return answer('FolderDelete', 9);
  const { mailbox } = ctx;
  const folder = folderOf(mailbox, textOf(request, 'FolderHierarchy:ServerId') ?? '');
  if (!folder) return answer('FolderDelete', 4);
  if (folder.role) return answer('FolderDelete', 3);
  const doomed = subtree(mailbox, folder.serverId);
  for (let i = mailbox.folders.length - 1; i >= 0; i--) {
    if (doomed.includes(mailbox.folders[i]!.serverId)) mailbox.folders.splice(i, 1);
  }
  for (const id of doomed) ctx.device.collections.delete(id);
  return answer('FolderDelete', 1, el('FolderHierarchy:SyncKey', recordOwnChange(ctx, doomed)));
}

function folderOf(mailbox: CloudMailbox, serverId: string): StoredFolder | undefined {
  return mailbox.folders.find((f) => f.serverId === serverId);
}

function nameTaken(mailbox: CloudMailbox, parentId: string, name: string): boolean {
  const wanted = name.toLowerCase();
  return mailbox.folders.some(
    (f) => f.parentId === parentId && f.displayName.toLowerCase() === wanted,
  );
}

/** A folder's id and the ids of every folder below it. */
function subtree(mailbox: CloudMailbox, serverId: string): string[] {
  const ids = [serverId];
  for (let i = 0; i < ids.length; i++) {
    for (const f of mailbox.folders) if (f.parentId === ids[i]) ids.push(f.serverId);
  }
  return ids;
}
