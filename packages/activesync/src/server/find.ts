import { formatAddressList } from '../format/eas-format.js';
import { child, el, textOf, type EasElement } from '../wbxml/element.js';
import {
  galProperties,
  searchMailbox,
  searchPageRange,
  type GalPerson,
  type SearchableMailbox,
} from './search.js';

/**
 * Find (MS-ASCMD 2.2.1.2, protocol 16.1): the search 16.x clients send, of
 * the mailbox (`MailBoxSearchCriterion`: FreeText, airsync:Class and
 * airsync:CollectionId, all of which must match; DeepTraversal) or of the GAL
 * (`GALSearchCriterion`). Both lab servers answer it from the same query as
 * Search. FreeText is read as words that must all appear, as Search's
 * FreeText; KQL property restrictions (`subject:...`) are not modelled, their
 * text is taken as words. [unconfirmed] how Exchange ranks: newest first here.
 *
 * Status 1, or 2 for a request that cannot be run (no ExecuteSearch, neither
 * criterion, a bad Range, a query too complex).
 */

/** A mail a mailbox Find lists, with where it lives. */
export interface FoundMail {
  serverId: string;
  collectionId: string;
  subject: string;
  from: { name: string; email: string };
  to: ReadonlyArray<{ name: string; email: string }>;
  cc: ReadonlyArray<{ name: string; email: string }>;
  receivedMs: number;
  importance: number;
  read: boolean;
  bodyText: string;
  attachments?: readonly unknown[];
}

/** What a server lends Find: its mailbox as Search queries it, each item's listing (undefined: not mail), the directory. */
export interface FindSources<T> {
  mailbox: SearchableMailbox<T>;
  mailOf(item: T): FoundMail | undefined;
  people: readonly GalPerson[];
}

/** Characters of a result's Preview (MS-ASCMD: up to 255). */
const PREVIEW_CHARS = 255;

export function findAnswer<T>(
  request: EasElement | undefined,
  sources: FindSources<T>,
): EasElement {
  const fail = (): EasElement => el('Find:Find', el('Find:Status', 2));
  const execute = request && child(request, 'Find:ExecuteSearch');
  const mailboxCriterion = execute && child(execute, 'Find:MailBoxSearchCriterion');
  const galCriterion = execute && child(execute, 'Find:GalSearchCriterion');
  const criterion = mailboxCriterion ?? galCriterion;
  const query = criterion && child(criterion, 'Find:Query');
  if (!criterion || !query) return fail();
  const options = child(criterion, 'Find:Options');
  const range = searchPageRange(options ? textOf(options, 'Find:Range') : undefined);
  if (!range) return fail();
  const response = (store: string, results: EasElement[], total: number): EasElement =>
    el(
      'Find:Find',
      el('Find:Status', 1),
      el(
        'Find:Response',
        el('ItemOperations:Store', store),
        el('Find:Status', 1),
        results,
        results.length > 0 && el('Find:Range', `${range.from}-${range.from + results.length - 1}`),
        el('Find:Total', total),
      ),
    );
  if (galCriterion) {
    const text = (query.text ?? '').trim().toLowerCase();
    const found = text ? galProperties(text, sources.people) : [];
    const page = found.slice(range.from, range.to + 1);
    return response(
      'GAL',
      page.map((properties) => el('Find:Result', el('Find:Properties', properties))),
      found.length,
    );
  }
  const deep = options !== undefined && child(options, 'Find:DeepTraversal') !== undefined;
  const matches = searchMailbox(el('Search:And', query.children), deep, sources.mailbox);
  if (!matches) return fail();
  const mail = matches.flatMap((item) => {
    const found = sources.mailOf(item);
    return found ? [found] : [];
  });
  const page = mail
    .slice(range.from, range.to + 1)
    .map((m) =>
      el(
        'Find:Result',
        el('AirSync:Class', 'Email'),
        el('AirSync:ServerId', m.serverId),
        el('AirSync:CollectionId', m.collectionId),
        el(
          'Find:Properties',
          el('Email:Subject', m.subject),
          el('Email:DateReceived', new Date(m.receivedMs).toISOString()),
          el('Email:DisplayTo', m.to.map((a) => a.name || a.email).join('; ')),
          el('Find:DisplayCc', m.cc.map((a) => a.name || a.email).join('; ')),
          el('Find:DisplayBcc', ''),
          el('Email:Importance', m.importance),
          el('Email:Read', m.read ? 1 : 0),
          el('Find:Preview', m.bodyText.replace(/\s+/g, ' ').trim().slice(0, PREVIEW_CHARS)),
          el('Find:HasAttachments', m.attachments && m.attachments.length > 0 ? 1 : 0),
          el('Email:From', formatAddressList([m.from])),
        ),
      ),
    );
  return response('Mailbox', page, mail.length);
}
