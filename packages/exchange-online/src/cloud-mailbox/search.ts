import {
  child,
  el,
  galSearch,
  findAnswer,
  readBodyPreferences,
  readSearchRequest,
  resolveRecipients,
  searchAnswer,
  searchLongId,
  searchMailbox,
  type SearchableMailbox,
  type EasElement,
  searchPage,
} from '@hma-lab/activesync';
import type { CloudMailbox, StoredFolder, StoredItem } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';
import { applicationData } from './item-data.js';

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
    dataOf: (entry) => entry.stored.item,
  };
}

/**
 * Search (MS-ASCMD 2.2.1.16) as on-premises answers it (@hma-lab/activesync's
 * `searchMailbox` and `galSearch`): the `Mailbox` store over every folder's
 * items (And / Or of Class, CollectionId, FreeText, DateReceived; newest
 * first; each result's LongId for ItemOperations and SmartReply), the `GAL`
 * over the directory. Store Status 2 for a bad range or another store, 8 for
 * a query too complex; 103 without a Store.
 */
export function search(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
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

/** Find (MS-ASCMD 2.2.1.2, 16.1) of the mailbox's mail or of the GAL, as on-premises answers it. */
export function find(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
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
export function resolveRecipientsOf(
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasElement {
  const contacts = ctx.mailbox.folders.flatMap((f) =>
    f.items.flatMap(({ item }) => (item.kind === 'contact' ? [item] : [])),
  );
  return (
    (request && resolveRecipients(request, ctx.people(), contacts)) ??
    el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:Status', 5))
  );
}
