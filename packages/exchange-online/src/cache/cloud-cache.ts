/**
 * The cloud cache: Exchange Online's copy of an on-premises mailbox (step 18
 * creates it, step 19 fills it, step 20 serves from it). Mail older than the
 * cache window is never kept; calendar and contacts are kept whole.
 */
import type { EasAttachment } from '@hma-lab/activesync';
import { createTextSharer } from '@hma-lab/core';

/** A folder of the on-prem hierarchy (FolderSync). */
export interface CacheFolder {
  serverId: string;
  parentId: string;
  displayName: string;
  /** MS-ASCMD folder type: 2 Inbox, 8 Calendar, 9 Contacts... */
  type: number;
}

/** One synced item, as the ActiveSync client flattened it. */
export interface CacheItem {
  serverId: string;
  collectionId: string;
  class: 'Email' | 'Calendar' | 'Contacts' | string;
  /** Leaves of ApplicationData keyed by tag path ('Email:Subject'...). */
  data: Record<string, string>;
  body?: string;
  /** `Email:DateReceived`, ms (mail only). */
  receivedMs?: number;
  syncedAtMs: number;
  /** The files on-premises listed (AirSyncBase:Attachments); their bytes stay on-premises until asked for. */
  attachments?: readonly EasAttachment[];
}

/** Out-of-office state read with Settings (MS-ASCMD Settings/Oof). */
export interface OofState {
  state: 'disabled' | 'enabled' | 'scheduled' | 'unknown';
  internalReply?: string;
  externalReply?: string;
  readAtMs: number;
}

/** On-prem search results kept in Exchange Online. */
export interface SearchEntry {
  query: string;
  atMs: number;
  items: CacheItem[];
}

export interface CacheMailbox {
  upn: string;
  accountId: string;
  createdAtMs: number;
  /** Frozen: the ActiveSync client's own folder objects, shared with its saved state. */
  folders: ReadonlyArray<Readonly<CacheFolder>>;
  /** Items per collection id. */
  items: Map<string, Map<string, CacheItem>>;
  oof?: OofState;
  lastSyncAtMs?: number;
  /** Made with the first search: most mailboxes of a large lab are never searched. */
  searches?: Map<string, SearchEntry>;
}

export interface CloudCache {
  get(upn: string): CacheMailbox | undefined;
  /** Creates the cache mailbox; returns the existing one if there is one. */
  create(
    upn: string,
    accountId: string,
    nowMs: number,
  ): { mailbox: CacheMailbox; created: boolean };
  delete(upn: string): boolean;
  all(): CacheMailbox[];
  /** The cache's copy of a value its items repeat (core's createTextSharer: one table per cache). */
  shareText(value: string): string;
}

export function createCloudCache(): CloudCache {
  const map = new Map<string, CacheMailbox>();
  return {
    shareText: createTextSharer(),
    get: (upn) => map.get(upn.toLowerCase()),
    create(upn, accountId, nowMs) {
      const existing = map.get(upn.toLowerCase());
      if (existing) return { mailbox: existing, created: false };
      const mailbox: CacheMailbox = {
        upn,
        accountId,
        createdAtMs: nowMs,
        folders: [],
        items: new Map(),
      };
      map.set(upn.toLowerCase(), mailbox);
      return { mailbox, created: true };
    },
    delete: (upn) => map.delete(upn.toLowerCase()),
    all: () => [...map.values()],
  };
}

/** The folder of a type (2 Inbox, 8 Calendar, 9 Contacts), top-level first. */
export function folderOfType(mailbox: CacheMailbox, type: number): CacheFolder | undefined {
  return mailbox.folders.find((f) => f.type === type);
}

/** Items of a collection, as an array. */
export function itemsOf(mailbox: CacheMailbox, collectionId: string | undefined): CacheItem[] {
  if (!collectionId) return [];
  return [...(mailbox.items.get(collectionId)?.values() ?? [])];
}

/** Total items kept. */
export function itemCount(mailbox: CacheMailbox): number {
  let n = 0;
  for (const items of mailbox.items.values()) n += items.size;
  return n;
}

/**
 * Drops mail received before `windowStartMs` (the cloud cache keeps only
 * `cloudCacheMailWindow` of mail). Returns how many items were dropped.
 */
export function pruneMail(mailbox: CacheMailbox, windowStartMs: number): number {
  let dropped = 0;
  for (const items of mailbox.items.values()) {
    for (const [id, item] of items) {
      if (item.receivedMs !== undefined && item.receivedMs < windowStartMs) {
        items.delete(id);
        dropped++;
      }
    }
  }
  return dropped;
}
