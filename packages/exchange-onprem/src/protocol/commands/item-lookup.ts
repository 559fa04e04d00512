import {
  readBodyPreferences,
  serverIdOfSearchLongId,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import type { RenderOptions } from '../application-data.js';
import type { ItemClass, Mailbox, StoredItem } from '../mailbox-store.js';

/** An item by ServerId (optionally required to be in a folder) or by LongId. */
export function findItem(
  mailbox: Mailbox,
  ids: {
    serverId?: string | undefined;
    collectionId?: string | undefined;
    longId?: string | undefined;
  },
): StoredItem | undefined {
  const serverId = ids.serverId ?? (ids.longId ? serverIdOfSearchLongId(ids.longId) : undefined);
  if (!serverId) return undefined;
  const item = mailbox.item(serverId);
  if (!item) return undefined;
  if (
    ids.collectionId !== undefined &&
    ids.serverId !== undefined &&
    item.folderId !== ids.collectionId
  ) {
    return undefined;
  }
  return item;
}

/** Body options of ItemOperations / Search `Options` (same shape as Sync's). */
export function renderOptionsOf(
  options: EasElement | undefined,
  protocolVersion: string,
): RenderOptions {
  return {
    body: {
      preferences: readBodyPreferences(options),
      mimeSupport: Number((options && textOf(options, 'AirSync:MIMESupport')) ?? 0),
    },
    protocolVersion,
  };
}

/** The AirSync Class of a stored item. */
export function mailboxItemClass(item: StoredItem): ItemClass {
  switch (item.data.kind) {
    case 'mail':
      return 'Email';
    case 'calendar':
      return 'Calendar';
    case 'contact':
      return 'Contacts';
    case 'generic':
      return item.data.itemClass;
  }
}
