import {
  seedMailbox,
  type Address,
  type CalendarItem,
  type Clock,
  type ContactItem,
  type Directory,
  type FolderRole,
  type MailItem,
} from '@hma-lab/core';
import type { EasElement } from '@hma-lab/activesync';

/**
 * The mailboxes of the on-prem organisation: folders and items with
 * ActiveSync server ids, seeded from the scenario (`seedMailbox`, dated
 * relative to the lab clock when the service starts), changed by clients
 * (Sync Add/Change/Delete, SendMail, MoveItems, folder commands) and by the
 * lab (`deliver`). Every change bumps a version, which is what sync state and
 * Ping compare against.
 */

/** Mail as stored: the seed's fields plus what clients and MIME bring. */
export interface StoredMail extends MailItem {
  cc: Address[];
  bodyHtml?: string;
  /** Follow-up flag: 0 none, 1 complete, 2 active (MS-ASEMAIL Flag/Status). */
  flagStatus: 0 | 1 | 2;
  categories: string[];
  /** The message as sent (SendMail), kept byte for byte. */
  mime?: Buffer;
  /** MIME Message-ID. */
  messageId: string;
}

export type StoredCalendar = CalendarItem & { categories: string[] };
export type StoredContact = ContactItem & { categories: string[] };
/** Tasks and notes: kept as the client sent them. */
export interface StoredGeneric {
  kind: 'generic';
  itemClass: 'Tasks' | 'Notes';
  subject: string;
}

export type StoredData = StoredMail | StoredCalendar | StoredContact | StoredGeneric;

export interface StoredItem {
  serverId: string;
  folderId: string;
  /** Bumped on every change. */
  version: number;
  data: StoredData;
  /**
   * ApplicationData children a client sent that the lab does not model
   * (kept by tag and sent back on sync: nothing a client sends is dropped).
   */
  extra: EasElement[];
}

export type ItemClass = 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes';

export interface StoredFolder {
  serverId: string;
  /** `0` for top-level folders. */
  parentId: string;
  displayName: string;
  /** FolderHierarchy Type (2 Inbox, 5 Sent Items, 8 Calendar, 9 Contacts, 12 user mail...). */
  type: number;
  itemClass: ItemClass;
  role?: FolderRole;
  /** Bumped on rename/move. */
  version: number;
}

export interface OofSettings {
  state: 0 | 1 | 2;
  startMs?: number;
  endMs?: number;
  internalReply: string;
  externalReply: string;
  externalAudience: 'none' | 'known' | 'all';
  bodyType: 'TEXT' | 'HTML';
}

export type MailboxChange =
  | { kind: 'item-added' | 'item-changed' | 'item-deleted'; folderId: string; serverId: string }
  | { kind: 'hierarchy'; folderId: string };

export interface Mailbox {
  readonly upn: string;
  readonly owner: Address;
  /** Bumped on every change of anything in this mailbox. */
  readonly changeCounter: number;
  readonly hierarchyVersion: number;
  folders(): StoredFolder[];
  folder(serverId: string): StoredFolder | undefined;
  folderByRole(role: FolderRole): StoredFolder | undefined;
  items(folderId: string): StoredItem[];
  item(serverId: string): StoredItem | undefined;
  addItem(folderId: string, data: StoredData, extra?: EasElement[]): StoredItem;
  changeItem(serverId: string, change: (item: StoredItem) => void): StoredItem | undefined;
  deleteItem(serverId: string): boolean;
  /** Moves an item; it gets a new server id in the destination. */
  moveItem(serverId: string, destinationFolderId: string): StoredItem | undefined;
  createFolder(parentId: string, displayName: string, type: number): StoredFolder;
  updateFolder(serverId: string, parentId: string, displayName: string): StoredFolder | undefined;
  /** Deletes a folder, its subfolders and their items. */
  deleteFolder(serverId: string): boolean;
  oof(): OofSettings;
  setOof(settings: OofSettings): void;
  onChange(listener: (change: MailboxChange) => void): () => void;
}

export interface MailboxStore {
  /** The on-prem mailbox of a user (UPN, case-insensitive). */
  mailbox(upn: string): Mailbox | undefined;
  /** Every on-prem mailbox. */
  mailboxes(): Mailbox[];
}

const ITEM_CLASS_OF_TYPE: Record<number, ItemClass> = {
  1: 'Email',
  2: 'Email',
  3: 'Email',
  4: 'Email',
  5: 'Email',
  6: 'Email',
  7: 'Tasks',
  8: 'Calendar',
  9: 'Contacts',
  10: 'Notes',
  12: 'Email',
  13: 'Calendar',
  14: 'Contacts',
  15: 'Tasks',
  17: 'Notes',
};

/** The item class of a FolderHierarchy Type (MS-ASCMD 2.2.3.186.3). */
export function itemClassOfType(type: number): ItemClass {
  return ITEM_CLASS_OF_TYPE[type] ?? 'Email';
}

// Seed items as stored, field by field (see addFolder for why not a spread).

/**
 * The empty list every seeded item starts with (no Cc, no categories, nothing
 * extra): one frozen array shared by all of them rather than three per item
 * in every mailbox. Stored lists are replaced on change, never changed in
 * place; a write to this one would throw.
 */
const NONE: readonly never[] = Object.freeze([]);
function none<T>(): T[] {
  return NONE as unknown as T[];
}

function storedMail(m: MailItem, messageId: string): StoredMail {
  return {
    kind: 'mail',
    subject: m.subject,
    from: m.from,
    to: m.to,
    receivedMs: m.receivedMs,
    bodyText: m.bodyText,
    read: m.read,
    importance: m.importance,
    messageClass: m.messageClass,
    cc: none(),
    flagStatus: 0,
    categories: none(),
    messageId,
  };
}

function storedCalendar(c: CalendarItem): StoredCalendar {
  return {
    kind: 'calendar',
    uid: c.uid,
    subject: c.subject,
    startMs: c.startMs,
    endMs: c.endMs,
    allDay: c.allDay,
    location: c.location,
    organizer: c.organizer,
    attendees: c.attendees,
    bodyText: c.bodyText,
    categories: none(),
  };
}

function storedContact(c: ContactItem): StoredContact {
  return {
    kind: 'contact',
    firstName: c.firstName,
    lastName: c.lastName,
    email: c.email,
    company: c.company,
    jobTitle: c.jobTitle,
    mobilePhone: c.mobilePhone,
    categories: none(),
  };
}

/** Seeds a store with the on-prem mailbox of every scenario user who has one. */
export function createMailboxStore(deps: { directory: Directory; clock: Clock }): MailboxStore {
  const mailboxes = new Map<string, Mailbox>();
  for (const user of deps.directory.users()) {
    if (user.mailbox?.location !== 'onprem') continue;
    const owner = { name: user.displayName, email: user.upn };
    mailboxes.set(user.upn.toLowerCase(), createMailbox(owner, deps.clock, user.mailbox.seed));
  }
  return {
    mailbox: (upn) => mailboxes.get(upn.trim().toLowerCase()),
    mailboxes: () => [...mailboxes.values()],
  };
}

function createMailbox(owner: Address, clock: Clock, seed: 'default' | 'empty'): Mailbox {
  const seeded = seedMailbox(owner, clock.now(), seed);
  const folders = new Map<string, StoredFolder>();
  const items = new Map<string, Map<string, StoredItem>>();
  const listeners = new Set<(change: MailboxChange) => void>();
  let nextFolder = 1;
  let nextItem = 1;
  let messageCounter = 1;
  let oof: OofSettings = {
    state: seeded.oof.state === 'enabled' ? 1 : 0,
    internalReply: seeded.oof.internalReply,
    externalReply: seeded.oof.externalReply,
    externalAudience: 'all',
    bodyType: 'TEXT',
  };

  function emit(change: MailboxChange): void {
    mailbox.changeCounter += 1;
    for (const listener of listeners) {
      try {
        listener(change);
      } catch {
        // A listener (a waiting Ping) must not break the store.
      }
    }
  }

  function addFolder(folder: Omit<StoredFolder, 'serverId' | 'version'>): StoredFolder {
    // Spelled out, not spread: spread copies made in a loop over varied
    // shapes get a hidden class each in V8, which a large lab pays per item.
    const serverId = String(nextFolder++);
    const { parentId, displayName, type, itemClass, role } = folder;
    const stored: StoredFolder =
      role !== undefined
        ? { parentId, displayName, type, itemClass, role, serverId, version: 1 }
        : { parentId, displayName, type, itemClass, serverId, version: 1 };
    folders.set(stored.serverId, stored);
    // A folder's item map is made with its first item: most seeded folders
    // (Drafts, Outbox, Tasks...) stay empty in every mailbox of a large lab.
    return stored;
  }

  function findItem(serverId: string): StoredItem | undefined {
    const folderId = serverId.split(':')[0]!;
    return items.get(folderId)?.get(serverId);
  }

  const messageIdLocal = owner.email.replace(/[^a-z0-9]/gi, '');
  const messageIdDomain = owner.email.split('@')[1];
  function messageIdFor(): string {
    // Joined into one flat string: a template would keep a chain of pieces
    // per id, for every message of every mailbox of a large lab.
    return ['<lab-', messageCounter++, '.', messageIdLocal, '@', messageIdDomain, '>'].join('');
  }

  function insert(folderId: string, data: StoredData, extra: EasElement[] = none()): StoredItem {
    let folderItems = items.get(folderId);
    if (!folderItems) {
      if (!folders.has(folderId)) throw new Error(`no folder ${folderId}`);
      items.set(folderId, (folderItems = new Map()));
    }
    const item: StoredItem = {
      serverId: `${folderId}:${nextItem++}`,
      folderId,
      version: 1,
      data,
      extra,
    };
    folderItems.set(item.serverId, item);
    return item;
  }

  for (const folderSeed of seeded.folders) {
    const folder = addFolder({
      parentId: '0',
      displayName: folderSeed.displayName,
      type: folderSeed.type,
      itemClass: folderSeed.itemClass,
      role: folderSeed.role,
    });
    for (const seedItem of folderSeed.items) {
      if (seedItem.kind === 'mail') {
        insert(folder.serverId, storedMail(seedItem, messageIdFor()));
      } else if (seedItem.kind === 'calendar') {
        insert(folder.serverId, storedCalendar(seedItem));
      } else {
        insert(folder.serverId, storedContact(seedItem));
      }
    }
  }

  // The counters are plain fields, written here and read-only to callers: a
  // getter in an object literal makes V8 keep the object as a hash table,
  // ~0.8 KB more for each mailbox of a large lab.
  const mailbox: Mailbox & { changeCounter: number; hierarchyVersion: number } = {
    upn: owner.email,
    owner,
    changeCounter: 0,
    hierarchyVersion: 1,
    folders: () => [...folders.values()],
    folder: (serverId) => folders.get(serverId),
    folderByRole: (role) => [...folders.values()].find((f) => f.role === role),
    items: (folderId) => [...(items.get(folderId)?.values() ?? [])],
    item: findItem,
    addItem(folderId, data, extra) {
      if (data.kind === 'mail' && !data.messageId) data.messageId = messageIdFor();
      const item = insert(folderId, data, extra);
      emit({ kind: 'item-added', folderId, serverId: item.serverId });
      return item;
    },
    changeItem(serverId, change) {
      const item = findItem(serverId);
      if (!item) return undefined;
      change(item);
      item.version += 1;
      emit({ kind: 'item-changed', folderId: item.folderId, serverId });
      return item;
    },
    deleteItem(serverId) {
      const item = findItem(serverId);
      if (!item) return false;
      items.get(item.folderId)!.delete(serverId);
      emit({ kind: 'item-deleted', folderId: item.folderId, serverId });
      return true;
    },
    moveItem(serverId, destinationFolderId) {
      const item = findItem(serverId);
      if (!item || !folders.has(destinationFolderId)) return undefined;
      if (item.folderId === destinationFolderId) return item;
      items.get(item.folderId)!.delete(serverId);
      emit({ kind: 'item-deleted', folderId: item.folderId, serverId });
      const moved = insert(destinationFolderId, item.data, item.extra);
      emit({ kind: 'item-added', folderId: destinationFolderId, serverId: moved.serverId });
      return moved;
    },
    createFolder(parentId, displayName, type) {
      const folder = addFolder({ parentId, displayName, type, itemClass: itemClassOfType(type) });
      mailbox.hierarchyVersion += 1;
      emit({ kind: 'hierarchy', folderId: folder.serverId });
      return folder;
    },
    updateFolder(serverId, parentId, displayName) {
      const folder = folders.get(serverId);
      if (!folder) return undefined;
      folder.parentId = parentId;
      folder.displayName = displayName;
      folder.version += 1;
      mailbox.hierarchyVersion += 1;
      emit({ kind: 'hierarchy', folderId: serverId });
      return folder;
    },
    deleteFolder(serverId) {
      if (!folders.has(serverId)) return false;
      const doomed = [serverId];
      for (let i = 0; i < doomed.length; i++) {
        for (const f of folders.values()) if (f.parentId === doomed[i]) doomed.push(f.serverId);
      }
      for (const id of doomed) {
        folders.delete(id);
        items.delete(id);
      }
      mailbox.hierarchyVersion += 1;
      emit({ kind: 'hierarchy', folderId: serverId });
      return true;
    },
    oof: () => ({ ...oof }),
    setOof(settings) {
      oof = { ...settings };
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return mailbox;
}
