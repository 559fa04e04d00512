import { el, textOf, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { nextSyncKey } from '../devices.js';
import { advanceChain, stateForKey } from '../sync-keys.js';

/**
 * FolderSync (MS-ASCMD 2.2.1.5): the folder hierarchy as Add / Update /
 * Delete since the client's SyncKey. Key 0 starts over (and forgets every
 * collection's sync state, as Exchange does); an unknown key is Status 9;
 * no changes since a current key return the same key with Count 0.
 */
export function folderSyncCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const syncKey = textOf(request, 'FolderHierarchy:SyncKey');
  if (syncKey === undefined) throw new EasStatusError(10, 'FolderSync without SyncKey');
  const device = ctx.device;
  let held: Map<string, number> | undefined;
  if (syncKey === '0') {
    held = new Map();
    device.collections.clear();
    device.hierarchy = {};
  } else {
    held = stateForKey(device.hierarchy, syncKey);
    if (!held) throw new EasStatusError(9, `FolderSync key ${syncKey} is not valid`);
  }
  const folders = ctx.mailbox.folders();
  const now = new Map(folders.map((f) => [f.serverId, f.version]));
  const adds = folders.filter((f) => !held.has(f.serverId));
  const updates = folders.filter((f) => held.has(f.serverId) && held.get(f.serverId) !== f.version);
  const deletes = [...held.keys()].filter((id) => !now.has(id));
  const count = adds.length + updates.length + deletes.length;
  let key = syncKey;
  if (syncKey === '0' || count > 0) {
    key = nextSyncKey(device);
    advanceChain(device.hierarchy, syncKey, syncKey === '0' ? undefined : held, key, now);
  }
  return {
    body: el(
      'FolderHierarchy:FolderSync',
      el('FolderHierarchy:Status', 1),
      el('FolderHierarchy:SyncKey', key),
      el(
        'FolderHierarchy:Changes',
        el('FolderHierarchy:Count', count),
        updates.map((f) =>
          el(
            'FolderHierarchy:Update',
            el('FolderHierarchy:ServerId', f.serverId),
            el('FolderHierarchy:ParentId', f.parentId),
            el('FolderHierarchy:DisplayName', f.displayName),
            el('FolderHierarchy:Type', f.type),
          ),
        ),
        deletes.map((id) => el('FolderHierarchy:Delete', el('FolderHierarchy:ServerId', id))),
        adds.map((f) =>
          el(
            'FolderHierarchy:Add',
            el('FolderHierarchy:ServerId', f.serverId),
            el('FolderHierarchy:ParentId', f.parentId),
            el('FolderHierarchy:DisplayName', f.displayName),
            el('FolderHierarchy:Type', f.type),
          ),
        ),
      ),
    ),
  };
}

/** The hierarchy key after a folder command: the client's key moves on (MS-ASCMD 2.2.1.2-4). */
function hierarchyKeyAfterChange(request: EasElement, ctx: CommandContext): string {
  const syncKey = textOf(request, 'FolderHierarchy:SyncKey');
  if (syncKey === undefined) throw new EasStatusError(10, 'folder command without SyncKey');
  const held = syncKey === '0' ? undefined : stateForKey(ctx.device.hierarchy, syncKey);
  if (!held) throw new EasStatusError(9, `folder command key ${syncKey} is not valid`);
  return syncKey;
}

/**
 * Moves the client's hierarchy key on after its own folder change: its copy is
 * what it held plus exactly the folders it touched (changes made elsewhere
 * still arrive with the next FolderSync).
 */
function recordHierarchy(ctx: CommandContext, fromKey: string, touched: readonly string[]): string {
  const held = stateForKey(ctx.device.hierarchy, fromKey)!;
  const next = new Map(held);
  for (const id of touched) {
    const folder = ctx.mailbox.folder(id);
    if (folder) next.set(id, folder.version);
    else next.delete(id);
  }
  const key = nextSyncKey(ctx.device);
  advanceChain(ctx.device.hierarchy, fromKey, held, key, next);
  return key;
}

/** User folder types a client may create: 1 generic, 12-17 user mail/calendar/contacts/tasks/journal/notes. */
const CREATABLE = new Set([1, 12, 13, 14, 15, 16, 17]);

/** FolderCreate (MS-ASCMD 2.2.1.3): Status 2 duplicate name, 5 parent not found, 10 malformed. */
export function folderCreateCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const fromKey = hierarchyKeyAfterChange(request, ctx);
  const parentId = textOf(request, 'FolderHierarchy:ParentId') ?? '0';
  const displayName = textOf(request, 'FolderHierarchy:DisplayName');
  const type = Number(textOf(request, 'FolderHierarchy:Type'));
  if (!displayName || !CREATABLE.has(type)) throw new EasStatusError(10, 'bad FolderCreate');
  if (parentId !== '0' && !ctx.mailbox.folder(parentId)) {
    throw new EasStatusError(5, `parent folder ${parentId} not found`);
  }
  const duplicate = ctx.mailbox
    .folders()
    .some(
      (f) => f.parentId === parentId && f.displayName.toLowerCase() === displayName.toLowerCase(),
    );
  if (duplicate) throw new EasStatusError(2, `a folder ${displayName} exists`);
  const folder = ctx.mailbox.createFolder(parentId, displayName, type);
  const key = recordHierarchy(ctx, fromKey, [folder.serverId]);
  return {
    body: el(
      'FolderHierarchy:FolderCreate',
      el('FolderHierarchy:Status', 1),
      el('FolderHierarchy:SyncKey', key),
      el('FolderHierarchy:ServerId', folder.serverId),
    ),
  };
}

/** FolderUpdate (MS-ASCMD 2.2.1.4): rename or move a user folder. Status 2 system folder, 4 not found, 5 parent not found (or the folder itself or inside it). */
export function folderUpdateCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const fromKey = hierarchyKeyAfterChange(request, ctx);
  const serverId = textOf(request, 'FolderHierarchy:ServerId') ?? '';
  const parentId = textOf(request, 'FolderHierarchy:ParentId') ?? '0';
  const displayName = textOf(request, 'FolderHierarchy:DisplayName');
  const folder = ctx.mailbox.folder(serverId);
  if (!folder) throw new EasStatusError(4, `folder ${serverId} not found`);
  if (folder.role) throw new EasStatusError(2, `folder ${serverId} is a system folder`);
  if (!displayName) throw new EasStatusError(10, 'FolderUpdate without DisplayName');
  if (parentId !== '0' && !ctx.mailbox.folder(parentId))
    throw new EasStatusError(5, 'parent not found');
  // A folder cannot move into itself or below itself (its subtree would hang
  // from nothing). [unconfirmed] which Status Exchange gives: 5, the parent
  // is not one this folder can have.
  if (ctx.mailbox.subtree(serverId).includes(parentId)) {
    throw new EasStatusError(5, `folder ${parentId} is ${serverId} or inside it`);
  }
  ctx.mailbox.updateFolder(serverId, parentId, displayName);
  const key = recordHierarchy(ctx, fromKey, [serverId]);
  return {
    body: el(
      'FolderHierarchy:FolderUpdate',
      el('FolderHierarchy:Status', 1),
      el('FolderHierarchy:SyncKey', key),
    ),
  };
}

/** FolderDelete (MS-ASCMD 2.2.1.3): Status 3 system folder, 4 not found. */
export function folderDeleteCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const fromKey = hierarchyKeyAfterChange(request, ctx);
  const serverId = textOf(request, 'FolderHierarchy:ServerId') ?? '';
  const folder = ctx.mailbox.folder(serverId);
  if (!folder) throw new EasStatusError(4, `folder ${serverId} not found`);
  if (folder.role) throw new EasStatusError(3, `folder ${serverId} is a system folder`);
  const doomed = ctx.mailbox.subtree(serverId);
  ctx.mailbox.deleteFolder(serverId);
  const key = recordHierarchy(ctx, fromKey, doomed);
  return {
    body: el(
      'FolderHierarchy:FolderDelete',
      el('FolderHierarchy:Status', 1),
      el('FolderHierarchy:SyncKey', key),
    ),
  };
}
