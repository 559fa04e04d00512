import { child, children, el, textOf, type EasElement } from '../wbxml/element.js';
import { parseAddressList } from './address-list.js';
import { parseEasDate, textFromHtml } from './eas-format.js';
import { readRecurrence, RecurrenceError, type Recurrence } from './recurrence.js';

/**
 * Reading what a client sends in a Sync Add or Change (`ApplicationData`)
 * into the properties both lab servers keep for events and contacts. A
 * Change merges: properties the client leaves out keep their values.
 */

/** Thrown when a client's ApplicationData cannot become an item (Sync Status 6). */
export class ClientDataError extends Error {
  override readonly name = 'ClientDataError';
}

const BODY_HTML = 2;

/** The text (and HTML, when the body is HTML) of a client's body: `AirSyncBase:Body`, or the legacy tag before 12.0. */
export function clientBody(
  appData: EasElement,
  legacyTag: string,
): { text?: string; html?: string } {
  const body = child(appData, 'AirSyncBase:Body');
  if (body) {
    const data = textOf(body, 'AirSyncBase:Data');
    if (data === undefined) return {};
    return textOf(body, 'AirSyncBase:Type') === String(BODY_HTML)
      ? { text: textFromHtml(data), html: data }
      : { text: data };
  }
  const legacy = textOf(appData, legacyTag);
  return legacy === undefined ? {} : { text: legacy };
}

/** What an event is made of, in either server's item model. */
export interface ClientEvent {
  uid: string;
  subject: string;
  startMs: number;
  endMs: number;
  allDay: boolean;
  location: string;
  organizer: { name: string; email: string };
  attendees: Array<{ name: string; email: string }>;
  bodyText: string;
  /** Absent: a single event. */
  recurrence?: Recurrence;
}

/** A new event's properties before the client's: an hour from now, organised by the owner. */
export function newClientEvent(owner: { name: string; email: string }, nowMs: number): ClientEvent {
  return {
    uid: '',
    subject: '',
    startMs: nowMs,
    endMs: nowMs + 3_600_000,
    allDay: false,
    location: '',
    organizer: owner,
    attendees: [],
    bodyText: '',
  };
}

/**
 * Sets on `event` the Calendar properties the client sent: Subject, StartTime
 * and EndTime, Location (or `AirSyncBase:Location`), UID (or ClientUid; one
 * is made when the event has none), organizer, Attendees, AllDayEvent, Body,
 * Recurrence (an empty one removes it).
 *
 * @throws ClientDataError for a StartTime or EndTime that is not a date, an end
 *   before the start, or a Recurrence {@link readRecurrence} refuses.
 */
export function applyClientEvent(
  event: ClientEvent,
  appData: EasElement,
  ctx: { owner: { email: string }; nowMs: number },
): void {
  const text = (tag: string): string | undefined => textOf(appData, tag);
  const subject = text('Calendar:Subject');
  if (subject !== undefined) event.subject = subject;
  for (const [tag, key] of [
    ['Calendar:StartTime', 'startMs'],
    ['Calendar:EndTime', 'endMs'],
  ] as const) {
    const raw = text(tag);
    if (raw === undefined) continue;
    const ms = parseEasDate(raw);
    if (ms === undefined) throw new ClientDataError(`${tag} '${raw}' is not a date`);
    event[key] = ms;
  }
  const location =
    text('Calendar:Location') ?? textOf(appData, 'AirSyncBase:Location', 'AirSyncBase:DisplayName');
  if (location !== undefined) event.location = location;
  const uid = text('Calendar:UID') ?? text('Calendar:ClientUid');
  if (uid) event.uid = uid;
  if (!event.uid) {
    event.uid = `${ctx.owner.email}-${ctx.nowMs}-${Math.random().toString(36).slice(2, 10)}`;
  }
  const organizerEmail = text('Calendar:OrganizerEmail');
  if (organizerEmail) {
    event.organizer = { name: text('Calendar:OrganizerName') ?? '', email: organizerEmail };
  }
  const attendees = child(appData, 'Calendar:Attendees');
  if (attendees) {
    event.attendees = children(attendees, 'Calendar:Attendee').map((a) => ({
      name: textOf(a, 'Calendar:Name') ?? '',
      email: textOf(a, 'Calendar:Email') ?? '',
    }));
  }
  const allDay = text('Calendar:AllDayEvent');
  if (allDay !== undefined) event.allDay = allDay === '1';
  const body = clientBody(appData, 'Calendar:Body');
  if (body.text !== undefined) event.bodyText = body.text;
  const recurrence = child(appData, 'Calendar:Recurrence');
  if (recurrence) {
    // An empty Recurrence makes the series a single event again.
    if (recurrence.children.length === 0) delete event.recurrence;
    else {
      try {
        event.recurrence = readRecurrence(recurrence);
      } catch (error) {
        if (error instanceof RecurrenceError) throw new ClientDataError(error.message);
        throw error;
      }
    }
  }
  if (event.endMs < event.startMs) throw new ClientDataError('EndTime is before StartTime');
}

/** What a contact is made of, in either server's item model. */
export interface ClientContact {
  firstName: string;
  lastName: string;
  email: string;
  company: string;
  jobTitle: string;
  mobilePhone: string;
}

export function newClientContact(): ClientContact {
  return { firstName: '', lastName: '', email: '', company: '', jobTitle: '', mobilePhone: '' };
}

const CONTACT_FIELDS = [
  ['Contacts:FirstName', 'firstName'],
  ['Contacts:LastName', 'lastName'],
  ['Contacts:CompanyName', 'company'],
  ['Contacts:JobTitle', 'jobTitle'],
  ['Contacts:MobilePhoneNumber', 'mobilePhone'],
] as const;

/** Sets on `contact` the Contacts properties the client sent (Email1Address read as an address). */
export function applyClientContact(contact: ClientContact, appData: EasElement): void {
  for (const [tag, key] of CONTACT_FIELDS) {
    const value = textOf(appData, tag);
    if (value !== undefined) contact[key] = value;
  }
  const email = textOf(appData, 'Contacts:Email1Address');
  if (email !== undefined) contact.email = parseAddressList(email)[0]?.email ?? email;
}

/** A follow-up flag (MS-ASEMAIL Flag/Status): 0 none, 1 complete, 2 active. */
export type FlagStatus = 0 | 1 | 2;

/**
 * The flag a client set on a mail (`Email:Flag`): its Status, 0 for an empty
 * Flag (cleared) or a Status other than 1 or 2; undefined without a Flag (unchanged).
 */
export function clientFlagStatus(appData: EasElement): FlagStatus | undefined {
  const flag = child(appData, 'Email:Flag');
  if (!flag) return undefined;
  const status = Number(textOf(flag, 'Email:Status') ?? 0);
  return status === 1 || status === 2 ? status : 0;
}

/** `<ns>:Categories` a client sent (`Email`, `Calendar`, `Contacts`); undefined when absent (unchanged). */
export function clientCategories(appData: EasElement, ns: string): string[] | undefined {
  const list = child(appData, `${ns}:Categories`);
  return list ? children(list, `${ns}:Category`).map((c) => c.text ?? '') : undefined;
}

/** `Email:Flag` as a server sends it: empty when none, else Status and a "Follow up" FlagType. */
export function flagElement(status: FlagStatus): EasElement {
  return el(
    'Email:Flag',
    status !== 0 && el('Email:Status', status),
    status !== 0 && el('Email:FlagType', 'Follow up'),
  );
}

/** `<ns>:Categories` as a server sends it (from 14.0). */
export function categoriesElement(ns: string, categories: readonly string[]): EasElement {
  return el(
    `${ns}:Categories`,
    categories.map((c) => el(`${ns}:Category`, c)),
  );
}
