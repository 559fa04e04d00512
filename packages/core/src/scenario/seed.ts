/**
 * Seeded mailbox content, dated relative to the lab clock so that "four weeks
 * of mail" always means something: some messages are days old, some are just
 * inside 28 days, some are older (the cloud cache of an on-prem mailbox must not
 * hold those).
 */

import type { MailAttachment } from '../mail-input.js';

export interface Address {
  name: string;
  email: string;
}

export interface MailItem {
  kind: 'mail';
  subject: string;
  from: Address;
  to: Address[];
  /** Absent: none. */
  cc?: Address[];
  /** Files it carries (absent: none). */
  attachments?: MailAttachment[];
  receivedMs: number;
  bodyText: string;
  read: boolean;
  /** 0 low, 1 normal, 2 high. */
  importance: 0 | 1 | 2;
  messageClass: string;
}

/**
 * A recurring event's pattern (MS-ASCAL `Calendar:Recurrence`), the shape
 * @hma-lab/activesync's `Recurrence` reads and writes and documents field by
 * field (that package depends on nothing, so it keeps its own declaration).
 */
export interface Recurrence {
  type: 0 | 1 | 2 | 3 | 5 | 6;
  interval: number;
  occurrences?: number;
  untilMs?: number;
  dayOfWeek?: number;
  dayOfMonth?: number;
  weekOfMonth?: number;
  monthOfYear?: number;
  calendarType?: number;
  isLeapMonth?: boolean;
  firstDayOfWeek?: number;
}

export interface CalendarItem {
  kind: 'calendar';
  uid: string;
  subject: string;
  startMs: number;
  endMs: number;
  allDay: boolean;
  location: string;
  organizer: Address;
  attendees: Address[];
  bodyText: string;
  /** Absent: a single event. */
  recurrence?: Recurrence;
}

export interface ContactItem {
  kind: 'contact';
  firstName: string;
  lastName: string;
  email: string;
  company: string;
  jobTitle: string;
  mobilePhone: string;
}

export type MailboxItem = MailItem | CalendarItem | ContactItem;

/** Default folders, with the FolderHierarchy `Type` values of MS-ASCMD 2.2.3.186.3. */
export type FolderRole =
  | 'inbox'
  | 'drafts'
  | 'deleted'
  | 'sent'
  | 'outbox'
  | 'calendar'
  | 'contacts'
  | 'tasks'
  | 'notes'
  | 'journal';

export interface FolderSeed {
  role: FolderRole;
  displayName: string;
  /** EAS folder type: 2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent Items, 6 Outbox, 7 Tasks, 8 Calendar, 9 Contacts, 10 Notes, 11 Journal. */
  type: number;
  /** EAS class of its items. */
  itemClass: 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes';
  items: MailboxItem[];
}

export interface OofSeed {
  state: 'disabled' | 'enabled';
  internalReply: string;
  externalReply: string;
}

export interface MailboxSeed {
  folders: FolderSeed[];
  oof: OofSeed;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Ages (days) of seeded inbox mail: eight within four weeks, three beyond. */
export const SEEDED_MAIL_AGES_DAYS = [0.1, 1, 2, 5, 9, 14, 20, 26, 33, 45, 70] as const;

const SUBJECTS = [
  'Welcome to the hybrid lab',
  'Quarterly numbers',
  'Lunch on Thursday?',
  'Re: Exchange hybrid migration plan',
  'Conditional access rollout',
  'Team offsite agenda',
  'Expense report approved',
  'Security training reminder',
  'Old thread: printer fleet',
  'Archive: 2nd floor move',
  'Archive: holiday schedule',
];

/**
 * Seeded text that does not depend on the owner, built once: a lab of 10,000
 * mailboxes shares one copy of each instead of holding 10,000.
 */
const SEEDED_MAIL_BODIES = SEEDED_MAIL_AGES_DAYS.map(
  (ageDays, i) => `${SUBJECTS[i]}\n\nThis message is ${ageDays} day(s) old in the lab's time.`,
);
const COLLEAGUE: Readonly<Address> = Object.freeze({
  name: 'Megan Bowen',
  email: 'megan@contoso.com',
});
const CONTOSO_IT: Readonly<Address> = Object.freeze({
  name: 'Contoso IT',
  email: 'it@contoso.com',
});
const SEEDED_EVENTS = (
  [
    ['Weekly sync', 1, 10, 'Teams'],
    ['Hybrid cutover review', 3, 14, 'Room 4.12'],
    ['1:1 with Megan', 7, 9, 'Room 2.01'],
    ['Offsite', 20, 9, 'Lakeside'],
    ['Last month retro', -25, 15, 'Room 1.10'],
  ] as const
).map(([subject, dayOffset, hour, location]) => ({
  subject,
  dayOffset,
  hour,
  location,
  bodyText: `${subject} (${location})`,
  uidSuffix: subject.replace(/\W+/g, '-').toLowerCase(),
  weekly: subject === 'Weekly sync',
}));
/** A weekly series on each day of the week (one object each: every mailbox's series shares it). */
const WEEKLY_ON: readonly Recurrence[] = Array.from({ length: 7 }, (_, day) =>
  Object.freeze({ type: 1, interval: 1, dayOfWeek: 1 << day }),
);
const SEEDED_CONTACTS = (
  [
    ['Megan', 'Bowen', 'megan@contoso.com', 'Marketing Manager'],
    ['Adele', 'Vance', 'adele@contoso.com', 'Retail Manager'],
    ['Lee', 'Gu', 'lee@fabrikam.com', 'Director'],
    ['Nestor', 'Wilke', 'nestor@contoso.com', 'Director of Operations'],
  ] as const
).map(([firstName, lastName, email, jobTitle], i) => ({
  firstName,
  lastName,
  email,
  jobTitle,
  company: email.endsWith('fabrikam.com') ? 'Fabrikam' : 'Contoso',
  mobilePhone: `+1 425 555 01${10 + i}`,
}));

/** The content every "default" mailbox starts with. Deterministic for a given owner and time. */
export function seedMailbox(
  owner: Address,
  nowMs: number,
  seed: 'default' | 'empty' = 'default',
): MailboxSeed {
  const folders: FolderSeed[] = [
    { role: 'inbox', displayName: 'Inbox', type: 2, itemClass: 'Email', items: [] },
    { role: 'drafts', displayName: 'Drafts', type: 3, itemClass: 'Email', items: [] },
    { role: 'deleted', displayName: 'Deleted Items', type: 4, itemClass: 'Email', items: [] },
    { role: 'sent', displayName: 'Sent Items', type: 5, itemClass: 'Email', items: [] },
    { role: 'outbox', displayName: 'Outbox', type: 6, itemClass: 'Email', items: [] },
    { role: 'calendar', displayName: 'Calendar', type: 8, itemClass: 'Calendar', items: [] },
    { role: 'contacts', displayName: 'Contacts', type: 9, itemClass: 'Contacts', items: [] },
    { role: 'tasks', displayName: 'Tasks', type: 7, itemClass: 'Tasks', items: [] },
    { role: 'notes', displayName: 'Notes', type: 10, itemClass: 'Notes', items: [] },
  ];
  const oof: OofSeed = {
    state: 'disabled',
    internalReply: `${owner.name} is out of the office.`,
    externalReply: `${owner.name} is out of the office and will reply on return.`,
  };
  if (seed === 'empty') return { folders, oof };
  const byRole = (role: FolderRole): FolderSeed => folders.find((f) => f.role === role)!;

  // One recipient list for the whole inbox, frozen like the shared addresses.
  const toOwner = Object.freeze([owner]) as unknown as Address[];
  SEEDED_MAIL_AGES_DAYS.forEach((ageDays, i) => {
    byRole('inbox').items.push({
      kind: 'mail',
      subject: SUBJECTS[i]!,
      from: i % 3 === 0 ? COLLEAGUE : CONTOSO_IT,
      to: toOwner,
      receivedMs: Math.round(nowMs - ageDays * DAY),
      bodyText: SEEDED_MAIL_BODIES[i]!,
      read: ageDays > 3,
      importance: i === 4 ? 2 : 1,
      messageClass: 'IPM.Note',
    });
  });
  byRole('sent').items.push({
    kind: 'mail',
    subject: 'Re: Lunch on Thursday?',
    from: owner,
    to: [COLLEAGUE],
    receivedMs: nowMs - 2 * DAY + HOUR,
    bodyText: 'Thursday works. See you at noon.',
    read: true,
    importance: 1,
    messageClass: 'IPM.Note',
  });
  const startOfDay = Math.floor(nowMs / DAY) * DAY;
  for (const event of SEEDED_EVENTS) {
    const startMs = startOfDay + event.dayOffset * DAY + event.hour * HOUR;
    const item: CalendarItem = {
      kind: 'calendar',
      // Joined, not a template: a template leaves a chain of pieces behind
      // each of the thousands of uids a large lab keeps.
      uid: [owner.email, event.uidSuffix].join('-'),
      subject: event.subject,
      startMs,
      endMs: startMs + HOUR,
      allDay: false,
      location: event.location,
      organizer: COLLEAGUE,
      attendees: [owner, COLLEAGUE],
      bodyText: event.bodyText,
    };
    // Set after the literal, on the series only (a conditional spread in it makes every event bigger).
    if (event.weekly) item.recurrence = WEEKLY_ON[new Date(startMs).getUTCDay()]!;
    byRole('calendar').items.push(item);
  }
  for (const contact of SEEDED_CONTACTS) {
    byRole('contacts').items.push({ kind: 'contact', ...contact });
  }
  return { folders, oof };
}
