import { parseEasDate } from '../format/eas-format.js';
import { child, children, el, textOf, type EasElement } from '../wbxml/element.js';

/**
 * What both lab servers' Search (MS-ASCMD 2.2.1.16) and ResolveRecipients
 * (2.2.1.15) share: reading the request, the `Mailbox` query over whatever
 * items a server keeps (through {@link SearchableMailbox}), the `GAL` over
 * the directory's people, and the answers' shapes.
 */

/** A person of the directory, as the GAL shows them. */
export interface GalPerson {
  displayName: string;
  upn: string;
  givenName?: string | undefined;
  surname?: string | undefined;
}

/** The part of a mail, event or contact a search looks at: its text and its dates. */
export type SearchableData =
  | {
      kind: 'mail';
      subject: string;
      bodyText: string;
      from: { name: string; email: string };
      to: ReadonlyArray<{ name: string; email: string }>;
      receivedMs: number;
    }
  | {
      kind: 'calendar';
      subject: string;
      location: string;
      bodyText: string;
      organizer: { name: string };
      startMs: number;
    }
  | {
      kind: 'contact';
      firstName: string;
      lastName: string;
      email: string;
      company: string;
      jobTitle: string;
    }
  | { kind: 'generic'; subject: string };

/** The text a FreeText search looks in: subject, body, people of an item. */
export function searchableText(data: SearchableData): string {
  switch (data.kind) {
    case 'mail':
      return [
        data.subject,
        data.bodyText,
        data.from.name,
        data.from.email,
        ...data.to.flatMap((a) => [a.name, a.email]),
      ].join('\n');
    case 'calendar':
      return [data.subject, data.location, data.bodyText, data.organizer.name].join('\n');
    case 'contact':
      return [data.firstName, data.lastName, data.email, data.company, data.jobTitle].join('\n');
    case 'generic':
      return data.subject;
  }
}

/** A server's mailbox as the Mailbox store's query sees it. */
export interface SearchableMailbox<T> {
  items: readonly T[];
  folders: ReadonlyArray<{ serverId: string; parentId: string }>;
  folderOf(item: T): string;
  /** `Email`, `Calendar`, `Contacts`...: what `AirSync:Class` matches. */
  classOf(item: T): string;
  /** What FreeText looks in ({@link searchableText}), DateReceived compares, and results are ordered by (newest first). */
  dataOf(item: T): SearchableData;
}

/** Which results a Search asks for: `Range` 0-99 by default, at most 1,000. */
export interface SearchRange {
  from: number;
  to: number;
}

/** A Search request as read: the store, its query and options, the range (undefined when malformed). */
export interface SearchRequest {
  store: string;
  query: EasElement | undefined;
  options: EasElement | undefined;
  range: SearchRange | undefined;
}

/** Reads a Search request; undefined when it has no Store (Status 103). */
export function readSearchRequest(request: EasElement): SearchRequest | undefined {
  const store = child(request, 'Search:Store');
  if (!store) return undefined;
  const options = child(store, 'Search:Options');
  return {
    store: (textOf(store, 'Search:Name') ?? '').toLowerCase(),
    query: child(store, 'Search:Query'),
    options,
    range: searchPageRange(options ? textOf(options, 'Search:Range') : undefined),
  };
}

/** A Range option (`0-9`): 0-99 when absent, undefined when malformed, reversed or over 1,000 wide. */
export function searchPageRange(text: string | undefined): SearchRange | undefined {
  if (text === undefined) return { from: 0, to: 99 };
  const match = /^(\d+)-(\d+)$/.exec(text.trim());
  if (!match) return undefined;
  const from = Number(match[1]);
  const to = Number(match[2]);
  return to >= from && to - from < 1000 ? { from, to } : undefined;
}

/** A Search answer with one store's Status and content (the command's own Status is 1). */
export function searchAnswer(status: number, ...content: EasElement[]): EasElement {
  return el(
    'Search:Search',
    el('Search:Status', 1),
    el('Search:Response', el('Search:Store', el('Search:Status', status), content)),
  );
}

/**
 * LongIds (MS-ASCMD 2.2.3.100): the opaque ids Search hands out and
 * ItemOperations / SmartReply accept. The lab's: base64 of `lab:<ServerId>`.
 */
export function searchLongId(serverId: string): string {
  return Buffer.from(`lab:${serverId}`, 'utf8').toString('base64');
}

/** The ServerId a LongId of {@link searchLongId} stands for; undefined for any other text. */
export function serverIdOfSearchLongId(longId: string): string | undefined {
  const text = Buffer.from(longId, 'base64').toString('utf8');
  return text.startsWith('lab:') ? text.slice(4) : undefined;
}

/** A page of results: each result, then Range and Total; an empty Result and Total 0 when none. */
export function searchPage(
  results: readonly EasElement[],
  range: SearchRange,
  total: number,
): EasElement[] {
  if (results.length === 0) return [el('Search:Result'), el('Search:Total', 0)];
  return [
    ...results,
    el('Search:Range', `${range.from}-${range.from + results.length - 1}`),
    el('Search:Total', total),
  ];
}

/**
 * Most terms one Search may hold: every FreeText word and every other
 * condition counts one. Each FreeText word is looked for in the text of every
 * item, so a query costs its terms times the mailbox's text: 500,000 words
 * fit in a request, and over a mailbox holding a few large mails that was
 * hours with every party of the lab frozen. Beyond this the store answers
 * Status 8 (too complex). [unconfirmed] what limit Exchange sets; a client's
 * search box sends a handful.
 */
export const MAX_SEARCH_TERMS = 256;

/**
 * The Mailbox store's query (And / Or of Class, CollectionId, FreeText,
 * GreaterThan / LessThan on DateReceived; DeepTraversal), newest first.
 * Undefined when it is too complex (Status 8): a condition not modelled, or
 * more than {@link MAX_SEARCH_TERMS} terms.
 */
export function searchMailbox<T>(
  query: EasElement,
  deep: boolean,
  mailbox: SearchableMailbox<T>,
): T[] | undefined {
  let predicate: (item: T) => boolean;
  try {
    predicate = compile(
      query.children.length === 1 ? query.children[0]! : el('Search:And', query.children),
      { mailbox, deep, textOfItem: textOnce(mailbox), terms: 0 },
    );
  } catch (error) {
    if (error instanceof TooComplex) return undefined;
    throw error;
  }
  const sortMs = (item: T): number => {
    const data = mailbox.dataOf(item);
    return data.kind === 'mail' ? data.receivedMs : data.kind === 'calendar' ? data.startMs : 0;
  };
  return mailbox.items.filter(predicate).sort((a, b) => sortMs(b) - sortMs(a));
}

class TooComplex extends Error {}

interface Compiling<T> {
  mailbox: SearchableMailbox<T>;
  deep: boolean;
  textOfItem: (item: T) => string;
  /** Terms compiled so far (see {@link MAX_SEARCH_TERMS}). */
  terms: number;
}

function countTerms(compiling: { terms: number }, n: number): void {
  compiling.terms += n;
  if (compiling.terms > MAX_SEARCH_TERMS) throw new TooComplex();
}

/**
 * Each item's searchable text, lower-cased, made once per Search. Made again
 * by every FreeText of the query, it cost the query's size times the
 * mailbox's: 50,000 FreeText (600 KB) took 1 s over the seeded mailbox, 60,000
 * over one holding a 200 KB mail a minute, every party of the lab frozen.
 */
function textOnce<T>(mailbox: SearchableMailbox<T>): (item: T) => string {
  const made = new Map<T, string>();
  return (item) => {
    let text = made.get(item);
    if (text === undefined) {
      text = searchableText(mailbox.dataOf(item)).toLowerCase();
      made.set(item, text);
    }
    return text;
  };
}

function compile<T>(node: EasElement, compiling: Compiling<T>): (item: T) => boolean {
  const { mailbox, deep, textOfItem } = compiling;
  switch (node.tag) {
    case 'Search:And': {
      const parts = node.children.map((c) => compile(c, compiling));
      return (item) => parts.every((p) => p(item));
    }
    case 'Search:Or': {
      const parts = node.children.map((c) => compile(c, compiling));
      return (item) => parts.some((p) => p(item));
    }
    case 'AirSync:Class': {
      countTerms(compiling, 1);
      const className = node.text ?? '';
      return (item) => mailbox.classOf(item) === className;
    }
    case 'AirSync:CollectionId': {
      countTerms(compiling, 1);
      const ids = new Set([node.text ?? '']);
      if (deep) {
        for (let grew = true; grew;) {
          grew = false;
          for (const f of mailbox.folders) {
            if (ids.has(f.parentId) && !ids.has(f.serverId)) {
              ids.add(f.serverId);
              grew = true;
            }
          }
        }
      }
      return (item) => ids.has(mailbox.folderOf(item));
    }
    case 'Search:FreeText':
    case 'Find:FreeText': {
      const words = (node.text ?? '').toLowerCase().split(/\s+/).filter(Boolean);
      countTerms(compiling, words.length);
      return (item) => {
        const haystack = textOfItem(item);
        return words.every((w) => haystack.includes(w));
      };
    }
    case 'Search:GreaterThan':
    case 'Search:LessThan': {
      countTerms(compiling, 1);
      const field = node.children.find((c) => c.tag !== 'Search:Value');
      const value = parseEasDate(textOf(node, 'Search:Value'));
      if (field?.tag !== 'Email:DateReceived' || value === undefined) throw new TooComplex();
      const greater = node.tag === 'Search:GreaterThan';
      return (item) => {
        const data = mailbox.dataOf(item);
        return (
          data.kind === 'mail' && (greater ? data.receivedMs > value : data.receivedMs < value)
        );
      };
    }
    default:
      throw new TooComplex();
  }
}

/** The GAL store's page: people whose name, first or last name, or UPN starts with the query's text, by name. */
export function galSearch(
  query: EasElement,
  range: SearchRange,
  people: readonly GalPerson[],
): EasElement[] {
  const text = (query.text ?? '').trim().toLowerCase();
  const found = text ? galProperties(text, people) : [];
  const page = found
    .slice(range.from, range.to + 1)
    .map((properties) => el('Search:Result', el('Search:Properties', properties)));
  return searchPage(page, range, found.length);
}

/**
 * The GAL entries (their `GAL:` properties) of the people whose name, first
 * or last name, or UPN starts with `text` (lower case), by display name.
 */
export function galProperties(text: string, people: readonly GalPerson[]): EasElement[][] {
  return people
    .filter((u) =>
      [u.displayName, u.upn, u.givenName ?? '', u.surname ?? ''].some((v) =>
        v.toLowerCase().startsWith(text),
      ),
    )
    .sort((a, b) => a.displayName.localeCompare(b.displayName))
    .map((u) =>
      [
        el('GAL:DisplayName', u.displayName),
        el('GAL:Alias', u.upn.split('@')[0]!),
        u.givenName ? el('GAL:FirstName', u.givenName) : undefined,
        u.surname ? el('GAL:LastName', u.surname) : undefined,
        el('GAL:EmailAddress', u.upn),
      ].filter((e): e is EasElement => e !== undefined),
    );
}

/**
 * ResolveRecipients (MS-ASCMD 2.2.1.15) against the directory (Type 1, GAL)
 * and the user's contacts (Type 2). Certificates and availability are not
 * modelled. Status per `To`: 1 resolved, 2 ambiguous (several), 4 not found.
 * Undefined when the request names no `To` (Status 5).
 */
export function resolveRecipients(
  request: EasElement,
  people: readonly GalPerson[],
  contacts: ReadonlyArray<{ firstName: string; lastName: string; email: string }>,
): EasElement | undefined {
  const names = children(request, 'ResolveRecipients:To').map((t) => t.text ?? '');
  if (names.length === 0) return undefined;
  const responses = names.map((name) => {
    const q = name.trim().toLowerCase();
    const gal = people
      .filter((u) => u.upn.toLowerCase() === q || u.displayName.toLowerCase().startsWith(q))
      .map((u) => ({ type: 1, name: u.displayName, email: u.upn }));
    const own = contacts
      .filter(
        (c) =>
          c.email.toLowerCase() === q || `${c.firstName} ${c.lastName}`.toLowerCase().startsWith(q),
      )
      .map((c) => ({ type: 2, name: `${c.firstName} ${c.lastName}`.trim(), email: c.email }));
    const found = [...gal, ...own];
    const status = found.length === 0 ? 4 : found.length === 1 ? 1 : 2;
    return el(
      'ResolveRecipients:Response',
      el('ResolveRecipients:To', name),
      el('ResolveRecipients:Status', status),
      el('ResolveRecipients:RecipientCount', found.length),
      found.map((r) =>
        el(
          'ResolveRecipients:Recipient',
          el('ResolveRecipients:Type', r.type),
          el('ResolveRecipients:DisplayName', r.name),
          el('ResolveRecipients:EmailAddress', r.email),
        ),
      ),
    );
  });
  return el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:Status', 1), responses);
}
