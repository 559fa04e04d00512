import { serverIdOfSearchLongId, withoutNul } from '@hma-lab/activesync';
import {
  checkMailInput,
  mailAttachmentsFrom,
  seedMailbox,
  type Directory,
  type FolderRole,
  type MailItem,
  type MailboxItem,
  type MailRoute,
  type OofSeed,
  type RoutedMail,
} from '@hma-lab/core';

/**
 * Exchange Online's own mailboxes (users whose `mailbox.location` is `exo`):
 * seeded with `seedMailbox()` when first used, dated relative to the lab clock
 * at that moment. Served by the flow B ActiveSync endpoint and the client
 * data API.
 */

export interface StoredItem {
  serverId: string;
  item: MailboxItem;
  /** Lab time the item entered the store (for incremental Sync). */
  addedAtMs: number;
  /** Bumped by each change a device makes (absent: 1), so other devices get a Change. */
  version?: number;
  /** An event the user answered (MeetingResponse): MS-ASCAL ResponseType 2 tentative, 3 accepted. */
  responseType?: 2 | 3;
  /** A mail's follow-up flag a device set (MS-ASEMAIL Flag/Status: 1 complete, 2 active; absent: none). */
  flagStatus?: 1 | 2;
  /** Categories a device gave the item (absent: none). */
  categories?: string[];
}

export interface StoredFolder {
  serverId: string;
  parentId: string;
  /** A default folder's role; none for a folder the user made (FolderCreate). */
  role?: FolderRole;
  displayName: string;
  type: number;
  itemClass: string;
  items: StoredItem[];
  nextItem: number;
  /** Bumped by each FolderUpdate (absent: 1), so other devices' FolderSync sends an Update. */
  version?: number;
}

export interface CloudMailbox {
  upn: string;
  folders: StoredFolder[];
  oof: OofSeed;
  /** Called after each change of an item (a delivery, a device's Delete or read flag): held Pings. */
  readonly watchers: Set<() => void>;
}

/** Tells whoever waits on the mailbox (held Pings) that an item changed. */
export function mailboxChanged(mailbox: CloudMailbox): void {
  for (const watcher of [...mailbox.watchers]) watcher();
}

/**
 * An item by ServerId (in the named folder when a CollectionId is given too)
 * or by the LongId Search handed out.
 */
export function findItem(
  mailbox: CloudMailbox,
  ids: {
    serverId?: string | undefined;
    collectionId?: string | undefined;
    longId?: string | undefined;
  },
): { folder: StoredFolder; stored: StoredItem } | undefined {
  const serverId = ids.serverId ?? (ids.longId ? serverIdOfSearchLongId(ids.longId) : undefined);
  if (serverId === undefined) return undefined;
  const inFolder = ids.serverId !== undefined ? ids.collectionId : undefined;
  for (const folder of mailbox.folders) {
    if (inFolder !== undefined && folder.serverId !== inFolder) continue;
    const stored = folder.items.find((s) => s.serverId === serverId);
    if (stored) return { folder, stored };
  }
  return undefined;
}

/** A sent or routed message as the store keeps mail: To, Cc, the text, its files, importance. */
export function cloudMail(mail: RoutedMail, receivedMs: number, read: boolean): MailItem {
  return {
    kind: 'mail',
    subject: mail.subject,
    from: mail.from,
    to: mail.to,
    ...(mail.cc && mail.cc.length > 0 ? { cc: mail.cc } : {}),
    ...(mail.attachments && mail.attachments.length > 0 ? { attachments: mail.attachments } : {}),
    receivedMs,
    bodyText: mail.bodyText,
    read,
    importance: mail.importance ?? 1,
    messageClass: 'IPM.Note',
  };
}

export interface CloudStore {
  /** The mailbox of a cloud user (seeded on first use); undefined for anyone else. */
  mailbox(upn: string): CloudMailbox | undefined;
  /** Delivers a message to the Inbox; returns its server id. */
  deliver(upn: string, mail: Partial<MailItem> & { subject: string }): string;
  /**
   * A message sent to `upn` (flow B's SendMail, or routed from on-premises)
   * into its Inbox, as the store keeps mail (To, the text, importance); false
   * when `upn` has no cloud mailbox.
   */
  accept: MailRoute;
}

export function createCloudStore(deps: { directory: Directory; now: () => number }): CloudStore {
  const mailboxes = new Map<string, CloudMailbox>();

  function mailbox(upn: string): CloudMailbox | undefined {
    const user = deps.directory.user(upn);
    if (!user || user.mailbox?.location !== 'exo') return undefined;
    const key = user.upn.toLowerCase();
    const existing = mailboxes.get(key);
    if (existing) return existing;
    const nowMs = deps.now();
    const seed = seedMailbox({ name: user.displayName, email: user.upn }, nowMs, user.mailbox.seed);
    const folders: StoredFolder[] = seed.folders.map((folder, i) => {
      const serverId = String(i + 1);
      return {
        serverId,
        parentId: '0',
        role: folder.role,
        displayName: folder.displayName,
        type: folder.type,
        itemClass: folder.itemClass,
        items: folder.items.map((item, n) => ({
          serverId: `${serverId}:${n + 1}`,
          item,
          addedAtMs: nowMs,
        })),
        nextItem: folder.items.length + 1,
      };
    });
    const created: CloudMailbox = { upn: user.upn, folders, oof: seed.oof, watchers: new Set() };
    mailboxes.set(key, created);
    return created;
  }

  function accept(upn: string, mail: RoutedMail): boolean {
    if (!mailbox(upn)) return false;
    deliver(upn, cloudMail(mail, deps.now(), false));
    return true;
  }

  function deliver(upn: string, mail: Partial<MailItem> & { subject: string }): string {
    checkMailInput(mail);
    const box = mailbox(upn);
    if (!box) throw new Error(`${upn} has no Exchange Online mailbox`);
    const inbox = box.folders.find((f) => f.role === 'inbox')!;
    const nowMs = deps.now();
    const serverId = `${inbox.serverId}:${inbox.nextItem++}`;
    inbox.items.push({
      serverId,
      addedAtMs: nowMs,
      item: {
        kind: 'mail',
        from: { name: 'Megan Bowen', email: 'megan@contoso.com' },
        to: [{ name: box.upn, email: box.upn }],
        receivedMs: nowMs,
        read: false,
        importance: 1,
        messageClass: 'IPM.Note',
        ...mail,
        // Served as WBXML text, which cannot hold NUL (docs/errors.md, "NUL in ActiveSync text").
        subject: withoutNul(mail.subject),
        bodyText: withoutNul(mail.bodyText ?? mail.subject),
        // As deliver() is given them (text content, no content type): as the store keeps files.
        ...(mail.attachments ? { attachments: mailAttachmentsFrom(mail.attachments) } : {}),
      },
    });
    mailboxChanged(box);
    return serverId;
  }

  return { mailbox, deliver, accept };
}
