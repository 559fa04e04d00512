import {
  createTextSharer,
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
  /** The folder's id and those of every folder below it (none when there is no such folder). */
  subtree(serverId: string): string[];
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
    cc: m.cc ?? none(),
    flagStatus: 0,
    categories: none(),
    messageId,
  };
}

function storedCalendar(c: CalendarItem): StoredCalendar {
  const stored: StoredCalendar = {
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
  // Set after the literal, on series only: a conditional spread in it made every event bigger.
  if (c.recurrence) stored.recurrence = c.recurrence;
  return stored;
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
  // Server ids repeat from mailbox to mailbox ('2:1' is the first Inbox item of each).
  const shareId = createTextSharer({ maxChars: 32 });
  for (const user of deps.directory.users()) {
    if (user.mailbox?.location !== 'onprem') continue;
    const owner = { name: user.displayName, email: user.upn };
    mailboxes.set(
      user.upn.toLowerCase(),
      new StoredMailbox(owner, deps.clock, user.mailbox.seed, shareId),
    );
  }
  return {
    mailbox: (upn) => mailboxes.get(upn.trim().toLowerCase()),
    mailboxes: () => [...mailboxes.values()],
  };
}

/**
 * One on-prem mailbox. A class rather than a literal of closures: a large lab
 * holds thousands of these, and a closure per method cost each of them
 * ~1.5 KB that the shared prototype does not.
 */
class StoredMailbox implements Mailbox {
  readonly upn: string;
  changeCounter = 0;
  hierarchyVersion = 1;
  private readonly folderMap = new Map<string, StoredFolder>();
  /** Folder id -> its items; made with a folder's first item (most seeded folders stay empty). */
  private readonly itemMaps = new Map<string, Map<string, StoredItem>>();
  /** Made with the first listener: most mailboxes never have a waiting Ping. */
  private listeners: Set<(change: MailboxChange) => void> | undefined;
  private nextFolder = 1;
  private nextItem = 1;
  private messageCounter = 1;
  private oofSettings: OofSettings;

  constructor(
    readonly owner: Address,
    clock: Clock,
    seed: 'default' | 'empty',
    private readonly shareId: (id: string) => string,
  ) {
    this.upn = owner.email;
    const seeded = seedMailbox(owner, clock.now(), seed);
    this.oofSettings = {
      state: seeded.oof.state === 'enabled' ? 1 : 0,
      internalReply: seeded.oof.internalReply,
      externalReply: seeded.oof.externalReply,
      externalAudience: 'all',
      bodyType: 'TEXT',
    };
    for (const folderSeed of seeded.folders) {
      const folder = this.addFolder({
        parentId: '0',
        displayName: folderSeed.displayName,
        type: folderSeed.type,
        itemClass: folderSeed.itemClass,
        role: folderSeed.role,
      });
      for (const seedItem of folderSeed.items) {
        if (seedItem.kind === 'mail') {
          this.insert(folder.serverId, storedMail(seedItem, this.messageIdFor()));
        } else if (seedItem.kind === 'calendar') {
          this.insert(folder.serverId, storedCalendar(seedItem));
        } else {
          this.insert(folder.serverId, storedContact(seedItem));
        }
      }
    }
  }

  folders(): StoredFolder[] {
    return [...this.folderMap.values()];
  }

  folder(serverId: string): StoredFolder | undefined {
    return this.folderMap.get(serverId);
  }

  folderByRole(role: FolderRole): StoredFolder | undefined {
    for (const folder of this.folderMap.values()) if (folder.role === role) return folder;
    return undefined;
  }

  items(folderId: string): StoredItem[] {
    return [...(this.itemMaps.get(folderId)?.values() ?? [])];
  }

  item(serverId: string): StoredItem | undefined {
    const folderId = serverId.split(':')[0]!;
    return this.itemMaps.get(folderId)?.get(serverId);
  }

  addItem(folderId: string, data: StoredData, extra?: EasElement[]): StoredItem {
    if (data.kind === 'mail' && !data.messageId) data.messageId = this.messageIdFor();
    const item = this.insert(folderId, data, extra);
    this.emit({ kind: 'item-added', folderId, serverId: item.serverId });
    return item;
  }

  changeItem(serverId: string, change: (item: StoredItem) => void): StoredItem | undefined {
    const item = this.item(serverId);
    if (!item) return undefined;
    change(item);
    item.version += 1;
    this.emit({ kind: 'item-changed', folderId: item.folderId, serverId });
    return item;
  }

  deleteItem(serverId: string): boolean {
    const item = this.item(serverId);
    if (!item) return false;
    this.itemMaps.get(item.folderId)!.delete(serverId);
    this.emit({ kind: 'item-deleted', folderId: item.folderId, serverId });
    return true;
  }

  moveItem(serverId: string, destinationFolderId: string): StoredItem | undefined {
    const item = this.item(serverId);
    if (!item || !this.folderMap.has(destinationFolderId)) return undefined;
    if (item.folderId === destinationFolderId) return item;
    this.itemMaps.get(item.folderId)!.delete(serverId);
    this.emit({ kind: 'item-deleted', folderId: item.folderId, serverId });
    const moved = this.insert(destinationFolderId, item.data, item.extra);
    this.emit({ kind: 'item-added', folderId: destinationFolderId, serverId: moved.serverId });
    return moved;
  }

  createFolder(parentId: string, displayName: string, type: number): StoredFolder {
    const folder = this.addFolder({
      parentId,
      displayName,
      type,
      itemClass: itemClassOfType(type),
    });
    this.hierarchyVersion += 1;
    this.emit({ kind: 'hierarchy', folderId: folder.serverId });
    return folder;
  }

  updateFolder(serverId: string, parentId: string, displayName: string): StoredFolder | undefined {
    const folder = this.folderMap.get(serverId);
    if (!folder) return undefined;
    folder.parentId = parentId;
    folder.displayName = displayName;
    folder.version += 1;
    this.hierarchyVersion += 1;
    this.emit({ kind: 'hierarchy', folderId: serverId });
    return folder;
  }

  deleteFolder(serverId: string): boolean {
    if (!this.folderMap.has(serverId)) return false;
    for (const id of this.subtree(serverId)) {
      this.folderMap.delete(id);
      this.itemMaps.delete(id);
    }
    this.hierarchyVersion += 1;
    this.emit({ kind: 'hierarchy', folderId: serverId });
    return true;
  }

  subtree(serverId: string): string[] {
    if (!this.folderMap.has(serverId)) return [];
    // One pass for the children of every folder, then a walk down from
    // serverId: linear in the folders, and finite even if parents went round.
    const children = new Map<string, string[]>();
    for (const f of this.folderMap.values()) {
      const siblings = children.get(f.parentId);
      if (siblings) siblings.push(f.serverId);
      else children.set(f.parentId, [f.serverId]);
    }
    const ids = [serverId];
    const seen = new Set(ids);
    for (let i = 0; i < ids.length; i++) {
      for (const id of children.get(ids[i]!) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        ids.push(id);
      }
    }
    return ids;
  }

  oof(): OofSettings {
    return { ...this.oofSettings };
  }

  setOof(settings: OofSettings): void {
    this.oofSettings = { ...settings };
  }

  onChange(listener: (change: MailboxChange) => void): () => void {
    const listeners = (this.listeners ??= new Set());
    listeners.add(listener);
    return () => listeners.delete(listener);
  }

  private emit(change: MailboxChange): void {
    this.changeCounter += 1;
    if (!this.listeners) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch {
        // A listener (a waiting Ping) must not break the store.
      }
    }
  }

  private addFolder(folder: Omit<StoredFolder, 'serverId' | 'version'>): StoredFolder {
    // Spelled out, not spread: spread copies made in a loop over varied
    // shapes get a hidden class each in V8, which a large lab pays per item.
    const serverId = this.shareId(String(this.nextFolder++));
    const { parentId, displayName, type, itemClass, role } = folder;
    const stored: StoredFolder =
      role !== undefined
        ? { parentId, displayName, type, itemClass, role, serverId, version: 1 }
        : { parentId, displayName, type, itemClass, serverId, version: 1 };
    this.folderMap.set(stored.serverId, stored);
    return stored;
  }

  private messageIdFor(): string {
    // Joined into one flat string: a template would keep a chain of pieces
    // per id, for every message of every mailbox of a large lab.
    const email = this.owner.email;
    return [
      '<lab-',
      this.messageCounter++,
      '.',
      email.replace(/[^a-z0-9]/gi, ''),
      '@',
      email.split('@')[1],
      '>',
    ].join('');
  }

  private insert(folderId: string, data: StoredData, extra: EasElement[] = none()): StoredItem {
    let folderItems = this.itemMaps.get(folderId);
    if (!folderItems) {
      if (!this.folderMap.has(folderId)) throw new Error(`no folder ${folderId}`);
      this.itemMaps.set(folderId, (folderItems = new Map()));
    }
    const item: StoredItem = {
      serverId: this.shareId(`${folderId}:${this.nextItem++}`),
      folderId,
      version: 1,
      data,
      extra,
    };
    folderItems.set(item.serverId, item);
    return item;
  }
}
