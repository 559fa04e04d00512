import {
  child,
  el,
  galSearch,
  readSearchRequest,
  searchAnswer,
  searchMailbox,
  searchLongId,
  searchPage,
  findAnswer,
  type EasElement,
  type SearchableMailbox,
} from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import { renderItem } from '../application-data.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import type { StoredItem } from '../mailbox-store.js';
import { seesQuarantineOnly } from '../sync-view.js';
import { mailboxItemClass, renderOptionsOf } from './item-lookup.js';

/**
 * Search (MS-ASCMD 2.2.1.16) of the `Mailbox` store (And / Or of Class,
 * CollectionId, FreeText, GreaterThan / LessThan on DateReceived; newest
 * first; Range; DeepTraversal) and of the `GAL` (the directory's users), as
 * @hma-lab/activesync's `searchMailbox` and `galSearch` read them.
 *
 * Store Status: 1 ok, 2 invalid request (bad range or query), 3 server
 * error, 8 query too complex (a condition the lab does not model, or more
 * than `MAX_SEARCH_TERMS` terms).
 */
export function searchCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const search = readSearchRequest(request);
  if (!search) throw new EasStatusError(103, 'Search without Store');
  const { query, options, range } = search;
  if (!query || !range) return { body: searchAnswer(2) };
  if (search.store === 'gal') {
    return { body: searchAnswer(1, ...galSearch(query, range, ctx.directory.users())) };
  }
  if (search.store !== 'mailbox') return { body: searchAnswer(2) };
  const deep = options !== undefined && child(options, 'Search:DeepTraversal') !== undefined;
  const matches = searchMailbox(query, deep, searchableMailbox(ctx));
  if (!matches) return { body: searchAnswer(8) };
  const render = renderOptionsOf(options, ctx.protocolVersion);
  const page = matches
    .slice(range.from, range.to + 1)
    .map((item) =>
      el(
        'Search:Result',
        el('AirSync:Class', mailboxItemClass(item)),
        el('Search:LongId', searchLongId(item.serverId)),
        el('AirSync:CollectionId', item.folderId),
        el('Search:Properties', renderItem(item, render)),
      ),
    );
  return { body: searchAnswer(1, ...searchPage(page, range, matches.length)) };
}

/** The user's mailbox as Search and Find query it (nothing while the device sees only its quarantine notice). */
export function searchableMailbox(ctx: CommandContext): SearchableMailbox<StoredItem> {
  const folders = ctx.mailbox.folders();
  return {
    items: seesQuarantineOnly(ctx) ? [] : folders.flatMap((f) => ctx.mailbox.items(f.serverId)),
    folders,
    folderOf: (item) => item.folderId,
    classOf: mailboxItemClass,
    dataOf: (item) => item.data,
  };
}

/**
 * Find (MS-ASCMD 2.2.1.2, 16.1) of the mailbox's mail or of the GAL, as
 * @hma-lab/activesync's `findAnswer` reads and answers it.
 */
export function findCommand(request: EasElement, ctx: CommandContext): CommandResult {
  return {
    body: findAnswer(request, {
      mailbox: searchableMailbox(ctx),
      mailOf: ({ serverId, folderId, data }) =>
        data.kind === 'mail' ? { serverId, collectionId: folderId, ...data } : undefined,
      people: ctx.directory.users(),
    }),
  };
}
