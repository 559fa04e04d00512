import {
  attachmentList,
  el,
  easCompactDateTime,
  easDateTime,
  formatAddress,
  formatAddressList,
  buildMime,
  categoriesElement,
  flagElement,
  recurrenceElement,
  renderBody,
  type BodyPreference,
  type EasElement,
} from '@hma-lab/activesync';
import type { CalendarItem, ContactItem, MailItem } from '@hma-lab/core';
import type { StoredItem } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';

/**
 * An item's properties for a device: bodies as its BodyPreferences ask
 * (@hma-lab/activesync's `renderBody`: plain text, HTML made from the text,
 * or for mail MIME; truncation, AllOrNone, preview), `Email:Body` /
 * `Calendar:Body` before 12.0.
 */
export function applicationData(
  stored: StoredItem,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  const item = stored.item;
  if (item.kind === 'mail') return mailData(item, stored, preferences, ctx);
  // Categories from 14.0 (MS-ASCAL, MS-ASCNTC), as on-premises: only when the item has some.
  const categories =
    ctx.protocolVersion >= 14 && stored.categories
      ? [categoriesElement(item.kind === 'calendar' ? 'Calendar' : 'Contacts', stored.categories)]
      : [];
  if (item.kind === 'calendar') {
    const data = calendarData(item, preferences, ctx);
    return [
      ...data,
      ...(stored.responseType ? [el('Calendar:ResponseType', stored.responseType)] : []),
      ...categories,
    ];
  }
  return [...contactData(item, ctx), ...categories];
}

function mailData(
  mail: MailItem,
  stored: StoredItem,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  const { serverId } = stored;
  const body =
    ctx.protocolVersion < 12
      ? el('Email:Body', mail.bodyText)
      : renderBody(
          {
            text: mail.bodyText,
            mime: () =>
              buildMime({ ...mail, messageId: `<${serverId}@${ctx.mailbox.upn.split('@')[1]}>` }),
          },
          preferences,
          ctx.protocolVersion,
        );
  return [
    el('Email:To', formatAddressList(mail.to)),
    ...(mail.cc && mail.cc.length > 0 ? [el('Email:Cc', formatAddressList(mail.cc))] : []),
    el('Email:From', formatAddress(mail.from)),
    el('Email:Subject', mail.subject),
    el('Email:DateReceived', easDateTime(mail.receivedMs)),
    el('Email:DisplayTo', mail.to.map((a) => a.name).join('; ')),
    el('Email:Importance', mail.importance),
    el('Email:Read', mail.read ? 1 : 0),
    body,
    el('Email:MessageClass', mail.messageClass),
    // The follow-up flag from 12.0, categories from 14.0 (MS-ASEMAIL), as on-premises sends them.
    ...(ctx.protocolVersion >= 12 ? [flagElement(stored.flagStatus ?? 0)] : []),
    ...(ctx.protocolVersion >= 14 ? [categoriesElement('Email', stored.categories ?? [])] : []),
    ...(ctx.protocolVersion >= 12 && mail.attachments && mail.attachments.length > 0
      ? [attachmentList(mail.attachments, serverId)]
      : []),
  ];
}

function calendarData(
  event: CalendarItem,
  preferences: readonly BodyPreference[],
  ctx: EasCommandContext,
): EasElement[] {
  return [
    el('Calendar:DtStamp', easCompactDateTime(event.startMs)),
    el('Calendar:StartTime', easCompactDateTime(event.startMs)),
    el('Calendar:EndTime', easCompactDateTime(event.endMs)),
    el('Calendar:Subject', event.subject),
    el('Calendar:UID', event.uid),
    el('Calendar:OrganizerName', event.organizer.name),
    el('Calendar:OrganizerEmail', event.organizer.email),
    el('Calendar:Location', event.location),
    el('Calendar:AllDayEvent', event.allDay ? 1 : 0),
    el(
      'Calendar:Attendees',
      event.attendees.map((a) =>
        el('Calendar:Attendee', el('Calendar:Email', a.email), el('Calendar:Name', a.name)),
      ),
    ),
    ctx.protocolVersion < 12
      ? el('Calendar:Body', event.bodyText)
      : renderBody({ text: event.bodyText }, preferences, ctx.protocolVersion),
    ...(event.recurrence ? [recurrenceElement(event.recurrence, ctx.protocolVersion)] : []),
  ];
}

function contactData(contact: ContactItem, _ctx: EasCommandContext): EasElement[] {
  return [
    el('Contacts:FirstName', contact.firstName),
    el('Contacts:LastName', contact.lastName),
    el('Contacts:Email1Address', `"${contact.firstName} ${contact.lastName}" <${contact.email}>`),
    el('Contacts:CompanyName', contact.company),
    el('Contacts:JobTitle', contact.jobTitle),
    el('Contacts:MobilePhoneNumber', contact.mobilePhone),
    el('Contacts:FileAs', `${contact.lastName}, ${contact.firstName}`),
  ];
}
