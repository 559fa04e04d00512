import {
  applyClientContact,
  applyClientEvent,
  recurrenceElement,
  attachmentList,
  buildMime,
  categoriesElement,
  clientCategories,
  clientFlagStatus,
  flagElement,
  type BodySource,
  renderBody,
  ClientDataError,
  clientBody,
  newClientContact,
  newClientEvent,
  easCompactDateTime,
  easDateTime,
  el,
  formatAddressList,
  parseAddressList,
  parseEasDate,
  textOf,
  withoutNul,
  type EasElement,
} from '@hma-lab/activesync';
import type { Address } from '@hma-lab/core';
import type { CollectionOptions } from './devices.js';
import type {
  ItemClass,
  StoredCalendar,
  StoredContact,
  StoredData,
  StoredItem,
  StoredMail,
} from './mailbox-store.js';
import { atLeast } from './versions.js';

/**
 * Items as ActiveSync carries them: `ApplicationData` (Sync) and `Properties`
 * (ItemOperations, Search) for mail (MS-ASEMAIL), calendar (MS-ASCAL) and
 * contacts (MS-ASCNTC), with bodies per MS-ASAIRS `BodyPreference`; and the
 * other way, what a client sends in Sync Add/Change.
 */

export interface BodyOptions {
  preferences: CollectionOptions['bodyPreferences'];
  mimeSupport: number;
}

export interface RenderOptions {
  body: BodyOptions;
  protocolVersion: string;
}

/** A UTC TIME_ZONE_INFORMATION blob (MS-ASDTYPE 2.7): 172 zero bytes, base64. */
const UTC_TIMEZONE = Buffer.alloc(172).toString('base64');

/** Body type numbers of MS-ASAIRS 2.2.2.22.1 (NativeBodyType). */
const BODY_PLAIN = 1;
const BODY_HTML = 2;

/** Renders an item's properties (the children of ApplicationData / Properties). */
export function renderItem(item: StoredItem, options: RenderOptions): EasElement[] {
  const data = item.data;
  const own =
    data.kind === 'mail'
      ? renderMail(data, options, item.serverId)
      : data.kind === 'calendar'
        ? renderCalendar(data, options)
        : data.kind === 'contact'
          ? renderContact(data, options)
          : [el(`${data.itemClass}:Subject`, data.subject)];
  return mergeExtra(own, item.extra);
}

/** Elements a client set that the lab does not model replace the lab's own of the same tag. */
function mergeExtra(own: EasElement[], extra: readonly EasElement[]): EasElement[] {
  if (extra.length === 0) return own;
  const result = [...own];
  for (const element of extra) {
    const at = result.findIndex((e) => e.tag === element.tag);
    if (at >= 0) result[at] = element;
    else result.push(element);
  }
  return result;
}

function renderMail(mail: StoredMail, options: RenderOptions, serverId: string): EasElement[] {
  const v = options.protocolVersion;
  const bodySource: BodySource = {
    text: mail.bodyText,
    html: mail.bodyHtml,
    // The stored MIME is kept byte for byte; the text sent (AirSyncBase:Data) cannot hold NUL.
    mime: () => (mail.mime ? withoutNul(mail.mime.toString('utf8')) : buildMime(mail)),
  };
  const legacy = !atLeast(v, '12.0');
  return [
    el('Email:To', formatAddressList(mail.to)),
    mail.cc.length > 0 && el('Email:Cc', formatAddressList(mail.cc)),
    el('Email:From', formatAddressList([mail.from])),
    el('Email:Subject', mail.subject),
    el('Email:DateReceived', easDateTime(mail.receivedMs)),
    el('Email:DisplayTo', mail.to.map((a) => a.name || a.email).join('; ')),
    el('Email:ThreadTopic', mail.subject.replace(/^((re|fw|fwd):\s*)+/i, '')),
    el('Email:Importance', mail.importance),
    el('Email:Read', mail.read ? 1 : 0),
    legacy
      ? el('Email:Body', mail.bodyText)
      : renderBody(bodySource, options.body.preferences, Number(options.protocolVersion)),
    legacy && el('Email:BodyTruncated', 0),
    el('Email:MessageClass', mail.messageClass),
    !legacy && el('Email:InternetCPID', 65001),
    !legacy && flagElement(mail.flagStatus),
    !legacy && el('Email:ContentClass', 'urn:content-classes:message'),
    !legacy && el('AirSyncBase:NativeBodyType', mail.bodyHtml ? BODY_HTML : BODY_PLAIN),
    atLeast(v, '14.0') && categoriesElement('Email', mail.categories),
    !legacy &&
      mail.attachments &&
      mail.attachments.length > 0 &&
      attachmentList(mail.attachments, serverId),
  ].filter((e): e is EasElement => Boolean(e));
}

function renderCalendar(event: StoredCalendar, options: RenderOptions): EasElement[] {
  const v = options.protocolVersion;
  const legacy = !atLeast(v, '12.0');
  const modernLocation = atLeast(v, '16.0');
  return [
    el('Calendar:Timezone', UTC_TIMEZONE),
    el('Calendar:AllDayEvent', event.allDay ? 1 : 0),
    legacy
      ? el('Calendar:Body', event.bodyText)
      : renderBody(
          { text: event.bodyText },
          options.body.preferences,
          Number(options.protocolVersion),
        ),
    el('Calendar:BusyStatus', 2),
    el('Calendar:OrganizerName', event.organizer.name),
    el('Calendar:OrganizerEmail', event.organizer.email),
    el('Calendar:DtStamp', easCompactDateTime(event.startMs)),
    el('Calendar:EndTime', easCompactDateTime(event.endMs)),
    modernLocation
      ? el('AirSyncBase:Location', el('AirSyncBase:DisplayName', event.location))
      : el('Calendar:Location', event.location),
    el('Calendar:Reminder', 15),
    el('Calendar:Sensitivity', 0),
    el('Calendar:Subject', event.subject),
    el('Calendar:StartTime', easCompactDateTime(event.startMs)),
    el('Calendar:UID', event.uid),
    el('Calendar:MeetingStatus', event.attendees.length > 0 ? 1 : 0),
    event.attendees.length > 0 &&
      el(
        'Calendar:Attendees',
        event.attendees.map((a) =>
          el(
            'Calendar:Attendee',
            el('Calendar:Email', a.email),
            el('Calendar:Name', a.name),
            !legacy && el('Calendar:AttendeeStatus', 0),
            !legacy && el('Calendar:AttendeeType', 1),
          ),
        ),
      ),
    event.categories.length > 0 && categoriesElement('Calendar', event.categories),
    event.recurrence && recurrenceElement(event.recurrence, Number(v)),
    !legacy && el('AirSyncBase:NativeBodyType', BODY_PLAIN),
  ].filter((e): e is EasElement => Boolean(e));
}

function renderContact(contact: StoredContact, _options: RenderOptions): EasElement[] {
  const fileAs = [contact.lastName, contact.firstName].filter(Boolean).join(', ');
  const display = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return [
    el('Contacts:FileAs', fileAs),
    contact.firstName && el('Contacts:FirstName', contact.firstName),
    contact.lastName && el('Contacts:LastName', contact.lastName),
    contact.email &&
      el('Contacts:Email1Address', formatAddressList([{ name: display, email: contact.email }])),
    contact.company && el('Contacts:CompanyName', contact.company),
    contact.jobTitle && el('Contacts:JobTitle', contact.jobTitle),
    contact.mobilePhone && el('Contacts:MobilePhoneNumber', contact.mobilePhone),
    contact.categories.length > 0 && categoriesElement('Contacts', contact.categories),
  ].filter((e): e is EasElement => Boolean(e));
}

/** The text of an AirSyncBase:Body (or a 2.5 `<Class>:Body`) in a client's ApplicationData. */
/** Tags each class models; everything else a client sends is kept verbatim in `extra`. */
const MODELLED: Record<ItemClass, ReadonlySet<string>> = {
  Email: new Set([
    'Email:To',
    'Email:Cc',
    'Email:From',
    'Email:Subject',
    'Email:DateReceived',
    'Email:Importance',
    'Email:Read',
    'Email:MessageClass',
    'Email:Flag',
    'Email:Categories',
    'Email:Body',
    'AirSyncBase:Body',
  ]),
  Calendar: new Set([
    'Calendar:Subject',
    'Calendar:StartTime',
    'Calendar:EndTime',
    'Calendar:Location',
    'AirSyncBase:Location',
    'Calendar:UID',
    'Calendar:OrganizerName',
    'Calendar:OrganizerEmail',
    'Calendar:Attendees',
    'Calendar:AllDayEvent',
    'Calendar:Categories',
    'Calendar:Recurrence',
    'Calendar:Body',
    'AirSyncBase:Body',
  ]),
  Contacts: new Set([
    'Contacts:FirstName',
    'Contacts:LastName',
    'Contacts:Email1Address',
    'Contacts:CompanyName',
    'Contacts:JobTitle',
    'Contacts:MobilePhoneNumber',
    'Contacts:Categories',
  ]),
  Tasks: new Set(['Tasks:Subject']),
  Notes: new Set(['Notes:Subject']),
};

/** Thrown when a client's ApplicationData cannot become an item (Sync Status 6). */
export { ClientDataError as ConversionError };

/**
 * Builds (Add) or updates (Change) an item from a client's ApplicationData.
 * A Change merges: properties the client leaves out keep their values.
 *
 * @throws ConversionError when required values are unusable (e.g. a bad StartTime).
 */
export function applyApplicationData(
  itemClass: ItemClass,
  appData: EasElement,
  existing: { data: StoredData; extra: EasElement[] } | undefined,
  ctx: { owner: Address; nowMs: number },
): { data: StoredData; extra: EasElement[] } {
  const modelled = MODELLED[itemClass];
  const extra = [...(existing?.extra ?? [])];
  for (const element of appData.children) {
    if (modelled.has(element.tag)) continue;
    const at = extra.findIndex((e) => e.tag === element.tag);
    if (at >= 0) extra[at] = element;
    else extra.push(element);
  }
  const text = (tag: string): string | undefined => textOf(appData, tag);
  switch (itemClass) {
    case 'Email': {
      const base: StoredMail =
        existing?.data.kind === 'mail'
          ? { ...existing.data }
          : {
              kind: 'mail',
              subject: '',
              from: ctx.owner,
              to: [],
              cc: [],
              receivedMs: ctx.nowMs,
              bodyText: '',
              read: true,
              importance: 1,
              messageClass: 'IPM.Note',
              flagStatus: 0,
              categories: [],
              messageId: '',
            };
      if (text('Email:To') !== undefined) base.to = parseAddressList(text('Email:To'));
      if (text('Email:Cc') !== undefined) base.cc = parseAddressList(text('Email:Cc'));
      const from = parseAddressList(text('Email:From'))[0];
      if (from) base.from = from;
      if (text('Email:Subject') !== undefined) base.subject = text('Email:Subject')!;
      const received = parseEasDate(text('Email:DateReceived'));
      if (received !== undefined) base.receivedMs = received;
      const importance = Number(text('Email:Importance'));
      if (importance === 0 || importance === 1 || importance === 2) base.importance = importance;
      if (text('Email:Read') !== undefined) base.read = text('Email:Read') === '1';
      if (text('Email:MessageClass')) base.messageClass = text('Email:MessageClass')!;
      base.flagStatus = clientFlagStatus(appData) ?? base.flagStatus;
      base.categories = clientCategories(appData, 'Email') ?? base.categories;
      const body = clientBody(appData, 'Email:Body');
      if (body.text !== undefined) base.bodyText = body.text;
      if (body.html !== undefined) base.bodyHtml = body.html;
      return { data: base, extra };
    }
    case 'Calendar': {
      const base: StoredCalendar =
        existing?.data.kind === 'calendar'
          ? { ...existing.data }
          : { kind: 'calendar', ...newClientEvent(ctx.owner, ctx.nowMs), categories: [] };
      applyClientEvent(base, appData, ctx);
      base.categories = clientCategories(appData, 'Calendar') ?? base.categories;
      return { data: base, extra };
    }
    case 'Contacts': {
      const base: StoredContact =
        existing?.data.kind === 'contact'
          ? { ...existing.data }
          : { kind: 'contact', ...newClientContact(), categories: [] };
      applyClientContact(base, appData);
      base.categories = clientCategories(appData, 'Contacts') ?? base.categories;
      return { data: base, extra };
    }
    case 'Tasks':
    case 'Notes': {
      const subject = text(`${itemClass}:Subject`);
      const base =
        existing?.data.kind === 'generic'
          ? { ...existing.data }
          : { kind: 'generic' as const, itemClass, subject: '' };
      if (subject !== undefined) base.subject = subject;
      return { data: base, extra };
    }
  }
}
