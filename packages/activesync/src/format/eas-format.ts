import type { ListedAddress as Address } from './address-list.js';

/**
 * Value formats of ActiveSync item properties: dates (MS-ASDTYPE 2.3),
 * address lists as Exchange writes them (`"Name" <addr>, ...`), bodies.
 */

/** `2026-01-05T09:00:00.000Z`: Email:DateReceived and most date elements. */
export function easDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** `20260105T090000Z`: the compact form of Calendar StartTime, EndTime and DtStamp. */
export function easCompactDateTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Parses either date form; undefined when neither matches. */
export function parseEasDate(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text.trim());
  const iso = compact
    ? `${compact[1]}-${compact[2]}-${compact[3]}T${compact[4]}:${compact[5]}:${compact[6]}Z`
    : text.trim();
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}

/** `"Alice Wong" <alice@contoso.com>` */
export function formatAddress(address: Address): string {
  return address.name ? `"${address.name.replace(/"/g, '')}" <${address.email}>` : address.email;
}

export function formatAddressList(addresses: readonly Address[]): string {
  return addresses.map(formatAddress).join(', ');
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
};

/** A plain-text body as the HTML Exchange would serve for it. */
export function htmlFromText(text: string): string {
  const escaped = text.replace(/[&<>"]/g, (c) => HTML_ESCAPES[c]!).replace(/\r?\n/g, '<br>\r\n');
  return `<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div>${escaped}</div></body></html>`;
}

/**
 * The text of an HTML body (tags dropped, entities and line breaks restored).
 * Linear in the body's length: the tag scans are written out
 * ({@link dropScriptsAndStyles}, {@link dropTags}), as `<[^>]+>` and
 * `<(script|style)[^>]*>[\s\S]*?<\/\1>` looked for a missing closing `>` or
 * end tag again from every later `<`: a body of `<` repeated, 200 KB, took 13 s.
 */
export function textFromHtml(html: string): string {
  return dropTags(
    dropScriptsAndStyles(html)
      .replace(/<br\s*\/?>/gi, '\n')
      .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n'),
  )
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * What `html.replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')` leaves, in
 * linear time: each element's `>` and end tag are looked for once, the scan
 * ends when no `>` is left, and a name whose end tag is not found is not
 * looked for again (no later element of that name can have one).
 */
function dropScriptsAndStyles(html: string): string {
  const start = /<(script|style)/gi;
  const endTags = { script: /<\/script>/gi, style: /<\/style>/gi };
  /** Where each name's next end tag was found (-1: none is left). */
  const endAt = { script: 0, style: 0 };
  let out = '';
  let copiedUpTo = 0;
  for (let match = start.exec(html); match; match = start.exec(html)) {
    const name = match[1]!.toLowerCase() as keyof typeof endTags;
    if (endAt[name] < 0) continue;
    const open = html.indexOf('>', start.lastIndex);
    if (open < 0) break;
    if (endAt[name] <= open) {
      const endTag = endTags[name];
      endTag.lastIndex = open + 1;
      endAt[name] = endTag.exec(html)?.index ?? -1;
    }
    if (endAt[name] < 0) {
      start.lastIndex = match.index + 1;
      continue;
    }
    out += html.slice(copiedUpTo, match.index);
    copiedUpTo = endAt[name] + `</${name}>`.length;
    start.lastIndex = copiedUpTo;
  }
  return copiedUpTo === 0 ? html : out + html.slice(copiedUpTo);
}

/** What `html.replace(/<[^>]+>/g, '')` leaves, in linear time. */
function dropTags(html: string): string {
  let out = '';
  let copiedUpTo = 0;
  for (let open = html.indexOf('<'); open >= 0; open = html.indexOf('<', open + 1)) {
    if (html[open + 1] === '>') continue;
    const close = html.indexOf('>', open + 1);
    // No '>' is left: no tag from here on.
    if (close < 0) break;
    out += html.slice(copiedUpTo, open);
    copiedUpTo = close + 1;
    open = close;
  }
  return copiedUpTo === 0 ? html : out + html.slice(copiedUpTo);
}

/**
 * The first `maxBytes` bytes of a UTF-8 text, never splitting a character.
 * Returns the text unchanged when it fits.
 */
export function truncateUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = Math.max(0, maxBytes);
  // Step back over continuation bytes (10xxxxxx) so the cut falls between characters.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end -= 1;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

/** UTF-8 size of a text. */
export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
