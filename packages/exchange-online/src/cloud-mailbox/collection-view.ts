import { child, children, textOf } from '@hma-lab/activesync';
import type { MailboxItem } from '@hma-lab/core';
import type { StoredFolder, StoredItem } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';

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

/** An item's version: 1 as stored, one more for each change a device made. */
export const versionOf = (stored: StoredItem): number => stored.version ?? 1;

function inWindow(item: MailboxItem, sinceMs: number | undefined): boolean {
  if (sinceMs === undefined) return true;
  if (item.kind === 'mail') return item.receivedMs >= sinceMs;
  if (item.kind === 'calendar') return item.endMs >= sinceMs;
  return true;
}

/**
 * What a Sync of `folder` brings a device that holds `held`, in all its rounds:
 * items gone, items in another version, items new to it inside the window.
 */
export function pendingChanges(
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

/** How many changes a Sync of `folder` from what the device `held` would bring (all rounds). */
export function countNews(
  folder: StoredFolder,
  held: Map<string, number>,
  sinceMs?: number,
): number {
  const { deletes, changed, pending } = pendingChanges(folder, held, sinceMs);
  return deletes.length + changed.length + pending.length;
}

/** The start of a FilterType's window (MS-ASCMD 2.2.3.70.1); undefined for all (0, or none). */
export function filterSince(filterType: string | undefined, nowMs: number): number | undefined {
  const days = FILTER_DAYS[filterType ?? '0'];
  return days ? nowMs - days * DAY_MS : undefined;
}

/** The start of the FilterType window the device's last Sync of `id` asked for. */
export function lastFilterSince(ctx: EasCommandContext, id: string): number | undefined {
  const last = ctx.device.lastSyncRequest;
  const collections = last
    ? children(child(last, 'AirSync:Collections') ?? last, 'AirSync:Collection')
    : [];
  const collection = collections.find((c) => textOf(c, 'AirSync:CollectionId') === id);
  return collection
    ? filterSince(textOf(collection, 'AirSync:Options', 'AirSync:FilterType'), ctx.nowMs)
    : undefined;
}
