import { parseAddressList as readAddressList, type EasItem } from '@hma-lab/activesync';
import type { CachedMailbox } from './stores.js';

/**
 * The synced mailbox as the device API returns it: the same JSON shapes as
 * Exchange Online's client data API of flow A (docs/flow-map.md), so a
 * trainer can lay the two side by side.
 */

export interface AddressBody {
  name: string;
  address: string;
}

export interface MessageBody {
  id: string;
  subject: string;
  from: AddressBody | null;
  toRecipients: AddressBody[];
  receivedDateTime: string | null;
  isRead: boolean;
  importance: 'low' | 'normal' | 'high';
  bodyPreview: string;
}

export interface EventBody {
  id: string;
  subject: string;
  start: string | null;
  end: string | null;
  location: string;
  organizer: AddressBody | null;
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

export interface MailboxViewBody {
  messages: MessageBody[];
  events: EventBody[];
  contacts: ContactBody[];
}

/** Folder types (MS-ASCMD 2.2.3.186.3) the service syncs: Inbox, Calendar, Contacts. */
export const SYNCED_FOLDER_TYPES = { inbox: 2, calendar: 8, contacts: 9 } as const;

const IMPORTANCE = ['low', 'normal', 'high'] as const;

export function mailboxView(cache: CachedMailbox | undefined): MailboxViewBody {
  const itemsOfType = (type: number): EasItem[] => {
    const folder = cache?.folders.find((f) => f.type === type);
    return folder ? [...(cache!.items.get(folder.serverId)?.values() ?? [])] : [];
  };
  const messages = itemsOfType(SYNCED_FOLDER_TYPES.inbox)
    .map(messageOf)
    .sort((a, b) => (b.receivedDateTime ?? '').localeCompare(a.receivedDateTime ?? ''));
  const events = itemsOfType(SYNCED_FOLDER_TYPES.calendar)
    .map(eventOf)
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
  const contacts = itemsOfType(SYNCED_FOLDER_TYPES.contacts)
    .map(contactOf)
    .sort((a, b) => `${a.surname} ${a.givenName}`.localeCompare(`${b.surname} ${b.givenName}`));
  return { messages, events, contacts };
}

function messageOf(item: EasItem): MessageBody {
  const d = item.data;
  const importance = Number(d['Email:Importance'] ?? 1);
  return {
    id: item.serverId,
    subject: d['Email:Subject'] ?? '',
    from: parseAddressList(d['Email:From'])[0] ?? null,
    toRecipients: parseAddressList(d['Email:To']),
    receivedDateTime: isoDate(d['Email:DateReceived']),
    isRead: d['Email:Read'] === '1',
    importance: IMPORTANCE[importance] ?? 'normal',
    bodyPreview: (item.body ?? '').replace(/\s+/g, ' ').trim().slice(0, 255),
  };
}

function eventOf(item: EasItem): EventBody {
  const d = item.data;
  const organizerEmail = d['Calendar:OrganizerEmail'];
  return {
    id: item.serverId,
    subject: d['Calendar:Subject'] ?? '',
    start: isoDate(d['Calendar:StartTime']),
    end: isoDate(d['Calendar:EndTime']),
    location: d['AirSyncBase:Location/AirSyncBase:DisplayName'] ?? d['Calendar:Location'] ?? '',
    organizer: organizerEmail
      ? { name: d['Calendar:OrganizerName'] ?? '', address: organizerEmail }
      : null,
  };
}

function contactOf(item: EasItem): ContactBody {
  const d = item.data;
  return {
    id: item.serverId,
    givenName: d['Contacts:FirstName'] ?? '',
    surname: d['Contacts:LastName'] ?? '',
    emailAddress: parseAddressList(d['Contacts:Email1Address'])[0]?.address ?? '',
    companyName: d['Contacts:CompanyName'] ?? '',
    jobTitle: d['Contacts:JobTitle'] ?? '',
    mobilePhone: d['Contacts:MobilePhoneNumber'] ?? '',
  };
}

/** ISO 8601 from either ActiveSync date form (`2026-01-05T09:00:00.000Z`, `20260105T090000Z`). */
export function isoDate(text: string | undefined): string | null {
  if (!text) return null;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text.trim());
  const ms = Date.parse(
    compact
      ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z`
      : text.trim(),
  );
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}

/** Reads `"Name" <addr>, addr2` as Exchange writes address lists (@hma-lab/activesync's reader). */
export function parseAddressList(text: string | undefined): AddressBody[] {
  return readAddressList(text).map(({ name, email }) => ({ name, address: email }));
}
