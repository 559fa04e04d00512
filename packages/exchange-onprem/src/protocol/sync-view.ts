import type { FolderRole } from '@hma-lab/core';
import type { CommandContext } from './command-context.js';
import type { CollectionOptions, DeviceRecord } from './devices.js';
import type { Mailbox, StoredFolder, StoredItem } from './mailbox-store.js';

/**
 * What a device may see of a folder: the items inside its FilterType window
 * (MS-ASCMD 2.2.3.69.2), or, for a quarantined device under the `notice`
 * choice, only the quarantine notice in its Inbox.
 */

const DAY = 86_400_000;

/** The oldest time a FilterType keeps, or undefined for no limit. 5 is one calendar month back. */
export function filterCutoffMs(filterType: number, nowMs: number): number | undefined {
  const monthsBack = (months: number): number => {
    const d = new Date(nowMs);
    d.setUTCMonth(d.getUTCMonth() - months);
    return d.getTime();
  };
  switch (filterType) {
    case 1:
      return nowMs - DAY;
    case 2:
      return nowMs - 3 * DAY;
    case 3:
      return nowMs - 7 * DAY;
    case 4:
      return nowMs - 14 * DAY;
    case 5:
      return monthsBack(1);
    case 6:
      return monthsBack(3);
    case 7:
      return monthsBack(6);
    default:
      return undefined;
  }
}

/** True when an item falls inside the filter window (only mail and calendar are filtered). */
export function insideFilter(item: StoredItem, filterType: number, nowMs: number): boolean {
  const cutoff = filterCutoffMs(filterType, nowMs);
  if (cutoff === undefined) return true;
  if (item.data.kind === 'mail') return item.data.receivedMs >= cutoff;
  if (item.data.kind === 'calendar') return item.data.endMs >= cutoff;
  return true;
}

/** The server id of the quarantine notice in a folder. */
export function quarantineNoticeId(inboxId: string): string {
  return `${inboxId}:Q`;
}

/** The message a quarantined device sees instead of its mail (the `notice` choice). */
export function quarantineNotice(
  mailbox: Mailbox,
  inbox: StoredFolder,
  device: DeviceRecord,
): StoredItem {
  const domain = mailbox.upn.split('@')[1] ?? 'contoso.com';
  return {
    serverId: quarantineNoticeId(inbox.serverId),
    folderId: inbox.serverId,
    version: 1,
    extra: [],
    data: {
      kind: 'mail',
      subject: 'Your device is temporarily blocked from synchronizing using Exchange ActiveSync',
      from: {
        name: 'Microsoft Outlook',
        email: `MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@${domain}`,
      },
      to: [mailbox.owner],
      cc: [],
      receivedMs: device.firstSeenMs,
      bodyText:
        `Your mobile device (${device.deviceType}, ID ${device.deviceId}) is temporarily blocked from ` +
        'synchronizing using Exchange ActiveSync until your administrator grants it access. ' +
        'You do not need to take any action. Content will be downloaded automatically once access is granted.',
      read: false,
      importance: 1,
      messageClass: 'IPM.Note',
      flagStatus: 0,
      categories: [],
      messageId: `<quarantine-${device.deviceId}@${domain}>`,
    },
  };
}

/** True when the device is quarantined and the lab shows it the notice only. */
export function seesQuarantineOnly(ctx: Pick<CommandContext, 'access' | 'config'>): boolean {
  return ctx.config.quarantine === 'notice' && ctx.access().level === 'Quarantine';
}

/** The items of a folder the device may see now, by server id. */
export function visibleItems(
  ctx: Pick<CommandContext, 'access' | 'config' | 'mailbox' | 'device' | 'clock'>,
  folder: StoredFolder,
  options: Pick<CollectionOptions, 'filterType'>,
): Map<string, StoredItem> {
  const view = new Map<string, StoredItem>();
  if (seesQuarantineOnly(ctx)) {
    if (folder.role === ('inbox' satisfies FolderRole)) {
      const notice = quarantineNotice(ctx.mailbox, folder, ctx.device);
      view.set(notice.serverId, notice);
    }
    return view;
  }
  const nowMs = ctx.clock.now();
  for (const item of ctx.mailbox.items(folder.serverId)) {
    if (insideFilter(item, options.filterType, nowMs)) view.set(item.serverId, item);
  }
  return view;
}

/** The changes that take a client from `held` (server id -> version) to `view`. */
export interface PendingChanges {
  adds: StoredItem[];
  changes: StoredItem[];
  /** Gone from the folder. */
  deletes: string[];
  /** Still in the folder, but outside the filter window now. */
  softDeletes: string[];
}

export function pendingChanges(
  held: ReadonlyMap<string, number>,
  view: ReadonlyMap<string, StoredItem>,
  stillInFolder: (serverId: string) => boolean,
): PendingChanges {
  const result: PendingChanges = { adds: [], changes: [], deletes: [], softDeletes: [] };
  for (const [serverId, item] of view) {
    const version = held.get(serverId);
    if (version === undefined) result.adds.push(item);
    else if (version !== item.version) result.changes.push(item);
  }
  for (const serverId of held.keys()) {
    if (view.has(serverId)) continue;
    if (stillInFolder(serverId)) result.softDeletes.push(serverId);
    else result.deletes.push(serverId);
  }
  // Newest first, as Exchange sends mail.
  const when = (item: StoredItem): number =>
    item.data.kind === 'mail'
      ? item.data.receivedMs
      : item.data.kind === 'calendar'
        ? item.data.startMs
        : 0;
  result.adds.sort((a, b) => when(b) - when(a));
  return result;
}

export function countChanges(changes: PendingChanges): number {
  return (
    changes.adds.length +
    changes.changes.length +
    changes.deletes.length +
    changes.softDeletes.length
  );
}
