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
}

/**
 * Puts a message in the Inbox of `recipient`'s mailbox when the service
 * holds it; false when it holds none. The lab gives each Exchange the other's
 * (`routeMail`), so mail between on-premises and cloud mailboxes arrives as it
 * would through a hybrid organisation's connectors.
 */
export type MailRoute = (recipient: string, mail: RoutedMail) => boolean;
