import { LabError } from './errors.js';

/**
 * What is wrong with a message a lab control delivers (`deliver(upn, mail)`
 * of on-premises Exchange and of Exchange Online), field by field. Checked
 * before anything is stored: a message with `to: 'a@b.c'` or `from: null` was
 * stored, and then every Sync of that mailbox failed (a 500) for good, the
 * mail delivered after it never reaching a device.
 */
export function mailInputProblems(mail: unknown, required: string[] = ['subject']): string[] {
  if (mail === null || typeof mail !== 'object' || Array.isArray(mail)) {
    return ['the message must be an object'];
  }
  const m = mail as Record<string, unknown>;
  const problems: string[] = [];
  const text = (field: string, required: boolean): void => {
    const value = m[field];
    if (value === undefined ? required : typeof value !== 'string') {
      problems.push(`${field} must be a text`);
    }
  };
  for (const field of ['subject', 'bodyText', 'bodyHtml', 'messageClass']) {
    text(field, required.includes(field));
  }
  if (
    m.from === undefined
      ? required.includes('from')
      : typeof m.from !== 'string' && !isAddress(m.from)
  ) {
    problems.push('from must be an address text or { name, email }');
  }
  for (const field of ['to', 'cc']) {
    const list = m[field];
    if (list !== undefined && !(Array.isArray(list) && list.every(isAddress))) {
      problems.push(`${field} must be a list of { name, email }`);
    }
  }
  if (
    m.attachments !== undefined &&
    !(Array.isArray(m.attachments) && m.attachments.every(isAttachmentInput))
  ) {
    problems.push(
      'attachments must be a list of { name, content (text or bytes), contentType? (text) }',
    );
  }
  if (m.importance !== undefined && ![0, 1, 2].includes(m.importance as number)) {
    problems.push('importance must be 0, 1 or 2');
  }
  if (m.read !== undefined && typeof m.read !== 'boolean')
    problems.push('read must be true or false');
  if (
    m.receivedMs !== undefined &&
    !(typeof m.receivedMs === 'number' && Math.abs(m.receivedMs) <= 8.64e15)
  ) {
    // A date, or every answer that shows the message fails ("Invalid time value").
    problems.push('receivedMs must be a time in ms since 1970 that a date can hold');
  }
  return problems;
}

/** Throws a 400 `invalid_message` {@link LabError} naming every problem of {@link mailInputProblems}. */
export function checkMailInput(mail: unknown, required?: string[]): void {
  const problems = mailInputProblems(mail, required);
  if (problems.length > 0) {
    throw new LabError(400, 'invalid_message', `deliver: ${problems.join('; ')}`);
  }
}

function isAttachmentInput(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { name, content, contentType } = value as Record<string, unknown>;
  return (
    typeof name === 'string' &&
    (typeof content === 'string' || content instanceof Uint8Array) &&
    (contentType === undefined || typeof contentType === 'string')
  );
}

/** The attachments a lab control was given, as a store keeps them (text content as UTF-8). */
export function mailAttachmentsFrom(
  input: ReadonlyArray<{
    name: string;
    content: string | Uint8Array;
    contentType?: string;
    inline?: boolean;
    contentId?: string;
  }>,
): MailAttachment[] {
  return input.map((a) => ({
    name: a.name,
    contentType: a.contentType ?? 'application/octet-stream',
    content:
      typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : Buffer.from(a.content),
    ...(a.inline ? { inline: true } : {}),
    ...(a.contentId !== undefined ? { contentId: a.contentId } : {}),
  }));
}

function isAddress(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const { name, email } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof email === 'string';
}

/** A message one Exchange sends to a recipient whose mailbox the other holds (hybrid mail flow). */
export interface RoutedMail {
  subject: string;
  from: { name: string; email: string };
  to: Array<{ name: string; email: string }>;
  cc?: Array<{ name: string; email: string }>;
  bodyText: string;
  bodyHtml?: string;
  importance?: 0 | 1 | 2;
  /** The message as the client sent it (SendMail's MIME). */
  mime?: Buffer;
  messageId?: string;
  attachments?: MailAttachment[];
}

/** A file a message carries (SendMail's MIME parts, or the lab's `deliver()`). */
export interface MailAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  /** Shown in the body (an image the HTML refers to by Content-ID), not listed. */
  inline?: boolean;
  contentId?: string;
}

/**
 * Puts a message in the Inbox of `recipient`'s mailbox when the service
 * holds it; false when it holds none. The lab gives each Exchange the other's
 * (`routeMail`), so mail between on-premises and cloud mailboxes arrives as it
 * would through a hybrid organisation's connectors.
 */
export type MailRoute = (recipient: string, mail: RoutedMail) => boolean;
