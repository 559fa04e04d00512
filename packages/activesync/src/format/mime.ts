import { withoutNul } from '../wbxml/element.js';
import { parseAddressList, type ListedAddress as Address } from './address-list.js';
import { formatAddressList, textFromHtml } from './eas-format.js';

/**
 * Just enough RFC 5322 / MIME (RFC 2045-2047) for SendMail and the MIME body
 * type: headers (folded, encoded-words), multipart bodies, base64 and
 * quoted-printable, UTF-8 and Latin-1 text, and the files a message carries
 * (parts with `Content-Disposition: attachment` or a file name; RFC 2231
 * continued or charset-tagged names are not read). Decoded text never holds NUL (U+FFFD instead): it is
 * stored and later sent as WBXML text, which cannot carry NUL.
 */

export interface ParsedMessage {
  headers: Map<string, string>;
  subject: string;
  from: Address | undefined;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  dateMs: number | undefined;
  messageId: string | undefined;
  importance: 0 | 1 | 2;
  text: string;
  html: string | undefined;
  /** The message's attachments, in order (parts with `Content-Disposition: attachment`, or a file name). */
  attachments: MimeAttachment[];
}

/** A file a message carries. */
export interface MimeAttachment {
  /** The part's file name (`filename` of Content-Disposition, else `name` of Content-Type), encoded-words decoded. */
  name: string;
  contentType: string;
  content: Buffer;
  /** `Content-Disposition: inline` with a Content-ID: shown in the body (an image), not listed. */
  inline: boolean;
  contentId?: string;
}

/** Thrown when the bytes are not a message at all (no header block). */
export class MimeError extends Error {
  override readonly name = 'MimeError';
}

interface Part {
  headers: Map<string, string>;
  body: Buffer;
}

function splitPart(raw: Buffer): Part {
  const text = raw.toString('latin1');
  const match = /\r?\n\r?\n/.exec(text);
  const headerText = match ? text.slice(0, match.index) : text;
  const bodyStart = match ? match.index + match[0].length : text.length;
  const headers = new Map<string, string>();
  const unfolded = headerText.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, withoutNul(line.slice(colon + 1).trim()));
  }
  return { headers, body: raw.subarray(Buffer.byteLength(text.slice(0, bodyStart), 'latin1')) };
}

function parameter(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  const match = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i').exec(header);
  return match ? (match[2] ?? match[1]) : undefined;
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  const cs = (charset ?? 'utf-8').toLowerCase();
  if (cs === 'iso-8859-1' || cs === 'latin1' || cs === 'us-ascii' || cs === 'windows-1252') {
    return withoutNul(bytes.toString('latin1'));
  }
  return withoutNul(bytes.toString('utf8'));
}

function decodeTransfer(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '7bit').toLowerCase();
  if (enc === 'base64')
    return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body.toString('latin1'));
  return body;
}

/**
 * Quoted-printable (RFC 2045 §6.7): soft line breaks (`=` before a line
 * break) are dropped first, then each `=XX` is a byte; one pass into one buffer.
 */
function decodeQuotedPrintable(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes = Buffer.allocUnsafe(soft.length);
  let length = 0;
  for (let i = 0; i < soft.length; i++) {
    const c = soft.charCodeAt(i);
    if (c === 0x3d /* = */) {
      const high = hexValue(soft.charCodeAt(i + 1));
      const low = hexValue(soft.charCodeAt(i + 2));
      if (high >= 0 && low >= 0) {
        bytes[length++] = high * 16 + low;
        i += 2;
        continue;
      }
    }
    bytes[length++] = c & 0xff;
  }
  return bytes.subarray(0, length);
}

/** The value of a hexadecimal digit's character code; -1 for anything else (NaN too). */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** Decodes RFC 2047 encoded-words (`=?utf-8?B?...?=`, `=?iso-8859-1?Q?...?=`) in a header value. */
export function decodeHeaderWords(value: string): string {
  return value
    .replace(/(=\?[^?]+\?[bqBQ]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g,
      (_all, charset: string, kind: string, data: string) => {
        const bytes =
          kind.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64')
            : decodeQuotedPrintable(data.replace(/_/g, ' '));
        return decodeCharset(bytes, charset);
      },
    );
}

interface Collected {
  text?: string;
  html?: string;
  attachments: MimeAttachment[];
}

function collectBodies(part: Part, out: Collected, depth: number): void {
  if (depth > 20) return;
  const type = (part.headers.get('content-type') ?? 'text/plain').toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = parameter(part.headers.get('content-type'), 'boundary');
    if (!boundary) return;
    const text = part.body.toString('latin1');
    const pieces = text.split(`--${boundary}`);
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      // The line break before a delimiter belongs to the delimiter (RFC 2046 5.1.1), not the part.
      const content = piece.replace(/^\r?\n/, '').replace(/\r?\n$/, '');
      collectBodies(splitPart(Buffer.from(content, 'latin1')), out, depth + 1);
    }
    return;
  }
  const disposition = part.headers.get('content-disposition') ?? '';
  const fileName =
    parameter(disposition, 'filename') ?? parameter(part.headers.get('content-type'), 'name');
  const isText =
    type.startsWith('text/plain') || type.startsWith('text/html') || !type.includes('/');
  if (
    disposition.toLowerCase().startsWith('attachment') ||
    (fileName && !isText) ||
    (fileName && disposition)
  ) {
    const contentId = part.headers.get('content-id')?.trim().replace(/^<|>$/g, '');
    out.attachments.push({
      name: withoutNul(decodeHeaderWords(fileName ?? 'attachment')),
      contentType: type.split(';')[0]!.trim() || 'application/octet-stream',
      content: decodeTransfer(part.body, part.headers.get('content-transfer-encoding')),
      inline: disposition.toLowerCase().startsWith('inline') && contentId !== undefined,
      ...(contentId ? { contentId } : {}),
    });
    return;
  }
  const decoded = decodeCharset(
    decodeTransfer(part.body, part.headers.get('content-transfer-encoding')),
    parameter(part.headers.get('content-type'), 'charset'),
  );
  if (type.startsWith('text/html')) out.html ??= decoded;
  else if (type.startsWith('text/plain') || !type.includes('/')) out.text ??= decoded;
}

/**
 * Parses a message as SendMail carries it.
 *
 * @throws MimeError when there is no header block with at least one header.
 */
export function parseMime(raw: Buffer): ParsedMessage {
  const root = splitPart(raw);
  if (root.headers.size === 0) throw new MimeError('the message has no headers');
  const bodies: Collected = { attachments: [] };
  collectBodies(root, bodies, 0);
  const header = (name: string): string | undefined => {
    const value = root.headers.get(name);
    return value === undefined ? undefined : decodeHeaderWords(value);
  };
  const importanceHeader = (header('importance') ?? header('x-priority') ?? '').toLowerCase();
  const importance: 0 | 1 | 2 = /high|^1|^2/.test(importanceHeader)
    ? 2
    : /low|^4|^5/.test(importanceHeader)
      ? 0
      : 1;
  const date = header('date');
  const parsedDate = date ? Date.parse(date) : NaN;
  return {
    headers: root.headers,
    subject: header('subject') ?? '',
    from: parseAddressList(header('from'))[0],
    to: parseAddressList(header('to')),
    cc: parseAddressList(header('cc')),
    bcc: parseAddressList(header('bcc')),
    dateMs: Number.isNaN(parsedDate) ? undefined : parsedDate,
    messageId: header('message-id'),
    importance,
    text: bodies.text ?? (bodies.html ? textFromHtml(bodies.html) : ''),
    html: bodies.html,
    attachments: bodies.attachments,
  };
}

function encodeHeaderWord(value: string): string {
  return /^[\x20-\x7e]*$/.test(value)
    ? value
    : `=?utf-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

/** A MIME rendering of a stored message (the MIME body type, MS-ASAIRS Type 4). */
export function buildMime(message: {
  subject: string;
  from: Address;
  to: readonly Address[];
  cc?: readonly Address[];
  receivedMs: number;
  messageId: string;
  importance: 0 | 1 | 2;
  bodyText: string;
  bodyHtml?: string;
}): string {
  const lines = [
    `From: ${formatAddressList([message.from])}`,
    `To: ${formatAddressList(message.to)}`,
    ...(message.cc && message.cc.length > 0 ? [`Cc: ${formatAddressList(message.cc)}`] : []),
    `Subject: ${encodeHeaderWord(message.subject)}`,
    `Date: ${new Date(message.receivedMs).toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: ${message.messageId}`,
    ...(message.importance !== 1
      ? [`Importance: ${message.importance === 2 ? 'high' : 'low'}`]
      : []),
    'MIME-Version: 1.0',
  ];
  const text = Buffer.from(message.bodyText, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  if (!message.bodyHtml) {
    lines.push(
      'Content-Type: text/plain; charset="utf-8"',
      'Content-Transfer-Encoding: base64',
      '',
      text,
    );
    return lines.join('\r\n');
  }
  const boundary = `_lab_${message.messageId.replace(/[^A-Za-z0-9]/g, '')}_`;
  const html = Buffer.from(message.bodyHtml, 'utf8').toString('base64').replace(/.{76}/g, '$&\r\n');
  lines.push(
    `Content-Type: multipart/alternative; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset="utf-8"',
    'Content-Transfer-Encoding: base64',
    '',
    text,
    `--${boundary}`,
    'Content-Type: text/html; charset="utf-8"',
    'Content-Transfer-Encoding: base64',
    '',
    html,
    `--${boundary}--`,
    '',
  );
  return lines.join('\r\n');
}
