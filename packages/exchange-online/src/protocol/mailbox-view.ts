import type { CalendarItem, ContactItem, MailItem, Recurrence } from '@hma-lab/core';
import { parseEasDate, recurrenceOfData } from '@hma-lab/activesync';
import type { CacheItem } from '../cache/cloud-cache.js';

/**
 * The client data API's JSON (docs/flow-map.md, "Exchange Online client data
 * API"): shaped like the Outlook REST API, collections in `value`. Built
 * either from cloud-cache items (hybrid accounts, EAS fields) or from
 * Exchange Online's own mailbox store (cloud mailboxes, flow B).
 */

export interface EmailAddressBody {
  name: string;
  address: string;
}

export interface MessageBody {
  id: string;
  subject: string;
  from: EmailAddressBody;
  toRecipients: EmailAddressBody[];
  /** Present when the message has Cc recipients. */
  ccRecipients?: EmailAddressBody[];
  receivedDateTime: string;
  isRead: boolean;
  importance: 'low' | 'normal' | 'high';
  bodyPreview: string;
  /** Whether it carries files (its AirSyncBase:Attachments; the cloud store's attachments). */
  hasAttachments: boolean;
  /** Present when a device flagged it (MS-ASEMAIL Flag/Status 2 flagged, 1 complete). */
  flag?: { flagStatus: 'flagged' | 'complete' };
  /** Present when it has categories. */
  categories?: string[];
}

/** The flag and categories of a message, present only when it has them. */
function markings(
  flagStatus: number | undefined,
  categories: readonly string[] | undefined,
): Pick<MessageBody, 'flag' | 'categories'> {
  return {
    ...(flagStatus === 1 || flagStatus === 2
      ? { flag: { flagStatus: flagStatus === 2 ? 'flagged' : 'complete' } }
      : {}),
    ...(categories && categories.length > 0 ? { categories: [...categories] } : {}),
  };
}

/** A repeated leaf of flattened EAS data, in order (`key`, `key[1]`, `key[2]`…). */
function repeated(data: Record<string, string>, key: string): string[] {
  const values: string[] = [];
  for (let n = 0; ; n++) {
    const value = data[n === 0 ? key : `${key}[${n}]`];
    if (value === undefined) return values;
    values.push(value);
  }
}

/**
 * One file of a message (the Outlook REST API's FileAttachment, without its
 * bytes): `id` is its place in the message's list, from 0.
 */
export interface AttachmentBody {
  id: string;
  name: string;
  contentType: string;
  size: number;
  isInline: boolean;
  contentId?: string;
}

/** An attachment with its bytes, base64 (`contentBytes`). */
export interface FileAttachmentBody extends AttachmentBody {
  contentBytes: string;
}

export interface EventBody {
  id: string;
  subject: string;
  start: string;
  end: string;
  isAllDay: boolean;
  location: string;
  organizer: EmailAddressBody;
  /** A recurring event's pattern and range (absent: a single event). */
  recurrence?: RecurrenceBody;
}

/** A series' pattern and range, named as the Outlook REST API names them. */
export interface RecurrenceBody {
  pattern: {
    type:
      | 'daily'
      | 'weekly'
      | 'absoluteMonthly'
      | 'relativeMonthly'
      | 'absoluteYearly'
      | 'relativeYearly';
    interval: number;
    daysOfWeek?: string[];
    dayOfMonth?: number;
    month?: number;
    index?: 'first' | 'second' | 'third' | 'fourth' | 'last';
    firstDayOfWeek?: string;
  };
  range:
    | { type: 'noEnd'; startDate: string }
    | { type: 'endDate'; startDate: string; endDate: string }
    | { type: 'numbered'; startDate: string; numberOfOccurrences: number };
}

export interface ContactBody {
  id: string;
  givenName: string;
  surname: string;
  emailAddress: string;
  companyName: string;
  jobTitle: string;
  mobilePhone: string;
}

const IMPORTANCE = ['low', 'normal', 'high'] as const;
const PREVIEW_CHARS = 255;

/** `"Megan Bowen" <megan@contoso.com>` (or a bare address) as `{name, address}`. */
export function addressFromEas(text: string | undefined): EmailAddressBody {
  const value = (text ?? '').trim();
  const angle = nameAndAddress(value);
  if (angle)
    return { name: angle.name.trim() || angle.address.trim(), address: angle.address.trim() };
  return { name: value, address: value };
}

/**
 * `"Name" <address>` split as `/^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/` splits
 * it, in linear time: the address is between the first `<` and a `>` that ends
 * the text, and what comes before the `<` is a name with a quote at its start,
 * its end or both, or none. The regular expression tried every end of the
 * name with every run of spaces after it: quadratic in a long text without
 * `<` (an address of 8 KB: 23 ms; of 1 MiB, minutes).
 */
function nameAndAddress(value: string): { name: string; address: string } | undefined {
  const text = value.trimEnd();
  const close = text.length - 1;
  const open = text.indexOf('<');
  if (!text.endsWith('>') || open < 0 || open + 1 >= close) return undefined;
  if (text.indexOf('>', open + 1) !== close) return undefined;
  const address = text.slice(open + 1, close);
  const before = text.slice(0, open).trim();
  const first = before.indexOf('"');
  if (first < 0) return { name: before, address };
  const second = before.indexOf('"', first + 1);
  if (second < 0) {
    if (first === 0) return { name: before.slice(1), address };
    return first === before.length - 1 ? { name: before.slice(0, -1), address } : undefined;
  }
  if (first !== 0 || second !== before.length - 1) return undefined;
  return { name: before.slice(1, -1), address };
}

/** A comma-separated EAS address list (`Email:To`), quoted commas kept. */
export function addressListFromEas(text: string | undefined): EmailAddressBody[] {
  if (!text) return [];
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts
    .map((p) => p.trim())
    .filter(Boolean)
    .map(addressFromEas);
}

function preview(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, ' ').trim().slice(0, PREVIEW_CHARS);
}

const iso = (ms: number | undefined): string => new Date(ms ?? 0).toISOString();

/** A cached EAS mail item as a message. */
export function messageFromCache(item: CacheItem): MessageBody {
  const d = item.data;
  const importance = Number(d['Email:Importance'] ?? 1);
  return {
    id: item.serverId,
    subject: d['Email:Subject'] ?? '',
    from: addressFromEas(d['Email:From']),
    toRecipients: addressListFromEas(d['Email:To']),
    ...(d['Email:Cc'] ? { ccRecipients: addressListFromEas(d['Email:Cc']) } : {}),
    receivedDateTime: iso(item.receivedMs ?? parseEasDate(d['Email:DateReceived'])),
    isRead: d['Email:Read'] === '1',
    importance: IMPORTANCE[importance] ?? 'normal',
    bodyPreview: preview(item.body ?? d['AirSyncBase:Body/AirSyncBase:Data'] ?? d['Email:Body']),
    hasAttachments:
      (item.attachments?.length ?? 0) > 0 ||
      d['AirSyncBase:Attachments/AirSyncBase:Attachment/AirSyncBase:FileReference'] !== undefined,
    ...markings(
      Number(d['Email:Flag/Email:Status'] ?? 0),
      repeated(d, 'Email:Categories/Email:Category'),
    ),
  };
}

/**
 * The files on-premises listed for a cached message. Their content type is
 * not listed in ActiveSync: the name's extension gives one here, and the
 * attachment itself carries what on-premises answers when fetched.
 */
export function attachmentsFromCache(item: CacheItem): AttachmentBody[] {
  return (item.attachments ?? []).map((a, index) => ({
    id: String(index),
    name: a.name,
    contentType: contentTypeByName(a.name),
    size: a.size,
    isInline: a.isInline,
    ...(a.contentId !== undefined ? { contentId: a.contentId } : {}),
  }));
}

/** The files of a message of Exchange Online's own store. */
export function attachmentsFromSeed(item: MailItem): AttachmentBody[] {
  return (item.attachments ?? []).map((a, index) => ({
    id: String(index),
    name: a.name,
    contentType: a.contentType,
    size: a.content.length,
    isInline: a.inline === true,
    ...(a.contentId !== undefined ? { contentId: a.contentId } : {}),
  }));
}

const TYPES_BY_EXTENSION: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  htm: 'text/html',
  html: 'text/html',
  csv: 'text/csv',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  ics: 'text/calendar',
  eml: 'message/rfc822',
  zip: 'application/zip',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};

function contentTypeByName(name: string): string {
  const dot = name.lastIndexOf('.');
  const extension = dot >= 0 ? name.slice(dot + 1).toLowerCase() : '';
  return TYPES_BY_EXTENSION[extension] ?? 'application/octet-stream';
}

/** A cached EAS calendar item as an event. */
export function eventFromCache(item: CacheItem): EventBody {
  const d = item.data;
  const email = d['Calendar:OrganizerEmail'] ?? '';
  const startMs = parseEasDate(d['Calendar:StartTime']);
  const event: EventBody = {
    id: item.serverId,
    subject: d['Calendar:Subject'] ?? '',
    start: iso(startMs),
    end: iso(parseEasDate(d['Calendar:EndTime'])),
    isAllDay: d['Calendar:AllDayEvent'] === '1',
    location: d['Calendar:Location'] ?? d['AirSyncBase:Location/AirSyncBase:DisplayName'] ?? '',
    organizer: { name: d['Calendar:OrganizerName'] ?? email, address: email },
  };
  const recurrence = recurrenceOfData(d);
  if (recurrence) event.recurrence = recurrenceBody(recurrence, startMs ?? 0);
  return event;
}

const PATTERNS = {
  0: 'daily',
  1: 'weekly',
  2: 'absoluteMonthly',
  3: 'relativeMonthly',
  5: 'absoluteYearly',
  6: 'relativeYearly',
} as const;
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const INDEXES = ['first', 'second', 'third', 'fourth', 'last'] as const;

/** An ActiveSync recurrence as the REST API's pattern and range; dates as `YYYY-MM-DD` (UTC). */
export function recurrenceBody(recurrence: Recurrence, startMs: number): RecurrenceBody {
  const r = recurrence;
  const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);
  const pattern: RecurrenceBody['pattern'] = { type: PATTERNS[r.type], interval: r.interval };
  if (r.dayOfWeek !== undefined) {
    pattern.daysOfWeek = DAYS.filter((_, i) => (r.dayOfWeek! & (1 << i)) !== 0);
  }
  if (r.dayOfMonth !== undefined) pattern.dayOfMonth = r.dayOfMonth;
  if (r.monthOfYear !== undefined) pattern.month = r.monthOfYear;
  if (r.weekOfMonth !== undefined) pattern.index = INDEXES[r.weekOfMonth - 1];
  if (r.firstDayOfWeek !== undefined) pattern.firstDayOfWeek = DAYS[r.firstDayOfWeek];
  const startDate = day(startMs);
  const range: RecurrenceBody['range'] =
    r.untilMs !== undefined
      ? { type: 'endDate', startDate, endDate: day(r.untilMs) }
      : r.occurrences !== undefined
        ? { type: 'numbered', startDate, numberOfOccurrences: r.occurrences }
        : { type: 'noEnd', startDate };
  return { pattern, range };
}

/** A cached EAS contact as a contact. */
export function contactFromCache(item: CacheItem): ContactBody {
  const d = item.data;
  return {
    id: item.serverId,
    givenName: d['Contacts:FirstName'] ?? '',
    surname: d['Contacts:LastName'] ?? '',
    emailAddress: addressFromEas(d['Contacts:Email1Address']).address,
    companyName: d['Contacts:CompanyName'] ?? '',
    jobTitle: d['Contacts:JobTitle'] ?? '',
    mobilePhone: d['Contacts:MobilePhoneNumber'] ?? '',
  };
}

/** A message of Exchange Online's own store, with the flag and categories a device gave it. */
export function messageFromSeed(
  id: string,
  item: MailItem,
  marked: { flagStatus?: number; categories?: readonly string[] } = {},
): MessageBody {
  return {
    id,
    subject: item.subject,
    from: { name: item.from.name, address: item.from.email },
    toRecipients: item.to.map((a) => ({ name: a.name, address: a.email })),
    ...(item.cc && item.cc.length > 0
      ? { ccRecipients: item.cc.map((a) => ({ name: a.name, address: a.email })) }
      : {}),
    receivedDateTime: iso(item.receivedMs),
    isRead: item.read,
    importance: IMPORTANCE[item.importance],
    bodyPreview: preview(item.bodyText),
    hasAttachments: (item.attachments?.length ?? 0) > 0,
    ...markings(marked.flagStatus, marked.categories),
  };
}

export function eventFromSeed(id: string, item: CalendarItem): EventBody {
  return {
    id,
    subject: item.subject,
    start: iso(item.startMs),
    end: iso(item.endMs),
    isAllDay: item.allDay,
    location: item.location,
    organizer: { name: item.organizer.name, address: item.organizer.email },
    ...(item.recurrence ? { recurrence: recurrenceBody(item.recurrence, item.startMs) } : {}),
  };
}

export function contactFromSeed(id: string, item: ContactItem): ContactBody {
  return {
    id,
    givenName: item.firstName,
    surname: item.lastName,
    emailAddress: item.email,
    companyName: item.company,
    jobTitle: item.jobTitle,
    mobilePhone: item.mobilePhone,
  };
}

/** Newest first. */
export function byReceivedDesc(a: MessageBody, b: MessageBody): number {
  return b.receivedDateTime.localeCompare(a.receivedDateTime);
}
