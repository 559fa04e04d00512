import type { EasRequestLine } from '../ashttp/request-line.js';
import type { ListedAddress } from '../format/address-list.js';
import { formatAddressList } from '../format/eas-format.js';
import type { ListedAttachment } from '../format/attachments.js';
import { MimeError, parseMime, type MimeAttachment, type ParsedMessage } from '../format/mime.js';
import { child, textOf, type EasElement } from '../wbxml/element.js';

/** The mail commands (MS-ASCMD 2.2.1.17 SendMail, 2.2.1.19 SmartForward, 2.2.1.20 SmartReply). */
export type ComposeKind = 'SendMail' | 'SmartReply' | 'SmartForward';

const COMPOSE_KINDS: readonly string[] = ['SendMail', 'SmartReply', 'SmartForward'];

export function isComposeCommand(command: string): command is ComposeKind {
  return COMPOSE_KINDS.includes(command);
}

/**
 * Whether a request's body is WBXML: not GetAttachment's (it has none: a
 * query in, the file out), nor the mail commands' before 14.0 (the MIME
 * message itself).
 */
export function commandBodyIsWbxml(command: string, protocolVersion: number): boolean {
  if (command === 'GetAttachment') return false;
  return !(isComposeCommand(command) && protocolVersion < 14);
}

/** The item a SmartReply or SmartForward answers, as the request names it. */
export interface ComposeSource {
  itemId?: string;
  collectionId?: string;
  longId?: string;
}

/** What a mail command asks, read from its WBXML (14.0+) or its body and query (before). */
export interface ComposeRequest {
  kind: ComposeKind;
  mime: Buffer;
  /** The client's token against sending twice (14.0+; Status 118 when reused). */
  clientId?: string;
  saveInSent: boolean;
  /** The MIME replaces the reply or forward whole: the original is not quoted under it. */
  replaceMime: boolean;
  source?: ComposeSource;
}

/** Why a mail command is refused: its Status (MS-ASCMD 2.2.3.177.1) and what was wrong. */
export interface ComposeRefusal {
  refused: number;
  message: string;
}

/** The query parameters the mail commands take before 14.0. */
export type ComposeQuery = Pick<
  EasRequestLine,
  'saveInSent' | 'itemId' | 'collectionId' | 'longId'
>;

/**
 * Reads a SendMail, SmartReply or SmartForward. From 14.0 the request is
 * WBXML (`ClientId`, `SaveInSentItems`, `ReplaceMime`, `Source`, `Mime`);
 * before, the body is the MIME message and `SaveInSent=T`, `ItemId`,
 * `CollectionId`, `LongId` come in the query. Refused with 103 when the
 * request has no body or Mime, or a reply or forward no source.
 */
export function readComposeRequest(
  kind: ComposeKind,
  request: EasElement | undefined,
  rawBody: Buffer,
  query: ComposeQuery,
  protocolVersion: number,
): ComposeRequest | ComposeRefusal {
  let read: ComposeRequest;
  if (protocolVersion >= 14) {
    if (!request) return { refused: 103, message: `${kind} without a body` };
    const mime = child(request, 'ComposeMail:Mime');
    if (!mime) return { refused: 103, message: `${kind} without Mime` };
    read = {
      kind,
      mime: mime.opaque ? Buffer.from(mime.opaque) : Buffer.from(mime.text ?? '', 'utf8'),
      saveInSent: child(request, 'ComposeMail:SaveInSentItems') !== undefined,
      replaceMime: child(request, 'ComposeMail:ReplaceMime') !== undefined,
    };
    const clientId = textOf(request, 'ComposeMail:ClientId');
    if (clientId !== undefined) read.clientId = clientId;
    const source = child(request, 'ComposeMail:Source');
    if (source) {
      read.source = sourceOf({
        itemId: textOf(source, 'ComposeMail:ItemId'),
        collectionId: textOf(source, 'ComposeMail:FolderId'),
        longId: textOf(source, 'ComposeMail:LongId'),
      });
    }
  } else {
    read = { kind, mime: rawBody, saveInSent: query.saveInSent === true, replaceMime: false };
    if (kind !== 'SendMail') read.source = sourceOf(query);
  }
  if (kind !== 'SendMail' && !read.source) {
    return { refused: 103, message: `${kind} without Source` };
  }
  return read;
}

function sourceOf(ids: {
  itemId?: string | undefined;
  collectionId?: string | undefined;
  longId?: string | undefined;
}): ComposeSource {
  const source: ComposeSource = {};
  if (ids.itemId !== undefined) source.itemId = ids.itemId;
  if (ids.collectionId !== undefined) source.collectionId = ids.collectionId;
  if (ids.longId !== undefined) source.longId = ids.longId;
  return source;
}

/** A message a mail command sends, and to whom (To, Cc and Bcc, each address once). */
export interface ComposedMessage {
  message: ParsedMessage;
  recipients: ListedAddress[];
}

/** Parses the MIME a mail command sends: Status 107 when it is not a message, 119 without a recipient. */
export function readComposedMessage(mime: Buffer): ComposedMessage | ComposeRefusal {
  let message: ParsedMessage;
  try {
    message = parseMime(mime);
  } catch (error) {
    if (error instanceof MimeError) return { refused: 107, message: error.message };
    throw error;
  }
  const seen = new Set<string>();
  const recipients = [...message.to, ...message.cc, ...message.bcc].filter((address) => {
    const key = address.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  if (recipients.length === 0) return { refused: 119, message: 'the message has no recipient' };
  return { message, recipients };
}

/** The mail a reply or forward answers, as far as its quote shows it. */
export interface QuotedMail {
  from: ListedAddress;
  to: readonly ListedAddress[];
  receivedMs: number;
  subject: string;
  bodyText: string;
}

/**
 * What the message a mail command sends holds: the client's text, with the
 * original quoted under it for a reply or forward (unless `ReplaceMime`); the
 * client's HTML only when nothing is quoted; the files of the client's MIME,
 * and for a forward (unless `ReplaceMime`) the original's files after them.
 */
export function composedContent<A extends ListedAttachment>(
  kind: ComposeKind,
  message: ParsedMessage,
  original: (QuotedMail & { attachments?: readonly A[] | undefined }) | undefined,
  replaceMime: boolean,
): { bodyText: string; bodyHtml?: string; attachments?: Array<MimeAttachment | A> } {
  const quoting = original !== undefined && !replaceMime;
  const attachments = [
    ...message.attachments,
    ...(quoting && kind === 'SmartForward' ? (original.attachments ?? []) : []),
  ];
  return {
    bodyText: quoting ? `${message.text}\r\n\r\n${quotedOriginal(original)}` : message.text,
    ...(message.html && !quoting ? { bodyHtml: message.html } : {}),
    ...(attachments.length > 0 ? { attachments } : {}),
  };
}

/** How many ClientIds of sent messages a device's state remembers (Status 118 on reuse). */
const REMEMBERED_CLIENT_IDS = 500;

/** Remembers a sent message's ClientId in a device's list, the oldest forgotten past {@link REMEMBERED_CLIENT_IDS}. */
export function rememberClientId(sent: string[], clientId: string): void {
  sent.push(clientId);
  if (sent.length > REMEMBERED_CLIENT_IDS) sent.shift();
}

function quotedOriginal(mail: QuotedMail): string {
  return [
    '-----Original Message-----',
    `From: ${formatAddressList([mail.from])}`,
    `Sent: ${new Date(mail.receivedMs).toUTCString()}`,
    `To: ${formatAddressList(mail.to)}`,
    `Subject: ${mail.subject}`,
    '',
    mail.bodyText,
  ].join('\r\n');
}
