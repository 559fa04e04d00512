import { children, el, textOf, type EasElement } from '../wbxml/element.js';
import { byteLength, htmlFromText, truncateUtf8 } from './eas-format.js';

/** One `AirSyncBase:BodyPreference` of a request (MS-ASAIRS 2.2.2.8). */
export interface BodyPreference {
  /** 1 plain text, 2 HTML, 3 RTF, 4 MIME. */
  type: number;
  truncationSize?: number;
  allOrNone?: boolean;
  /** Characters of plain-text preview wanted (14.0+). */
  preview?: number;
}

/** The BodyPreferences of an `Options` element (Sync, ItemOperations, Search), in order. */
export function readBodyPreferences(options: EasElement | undefined): BodyPreference[] {
  if (!options) return [];
  return children(options, 'AirSyncBase:BodyPreference').map((p) => {
    const truncation = textOf(p, 'AirSyncBase:TruncationSize');
    const preview = textOf(p, 'AirSyncBase:Preview');
    return {
      type: Number(textOf(p, 'AirSyncBase:Type') ?? 1),
      ...(truncation !== undefined ? { truncationSize: Number(truncation) } : {}),
      ...(textOf(p, 'AirSyncBase:AllOrNone') === '1' ? { allOrNone: true } : {}),
      ...(preview !== undefined ? { preview: Number(preview) } : {}),
    };
  });
}

/** What a body can be served as: its text, its HTML when it has one, its MIME when asked for. */
export interface BodySource {
  text: string;
  html?: string | undefined;
  mime?: () => string;
}

/** Body type numbers of MS-ASAIRS 2.2.2.22.1. */
const BODY_PLAIN = 1;
const BODY_HTML = 2;
const BODY_MIME = 4;

/**
 * The `AirSyncBase:Body` for a preference list. The lab takes the first
 * preference it can serve (plain, HTML or MIME; RTF is served as plain text),
 * truncates on UTF-8 boundaries to `TruncationSize`, and leaves the data out
 * when `AllOrNone` is set and it does not fit. A text body asked for as HTML
 * is served as the HTML Exchange makes of it; MIME only where the item has one.
 */
export function renderBody(
  source: BodySource,
  preferences: readonly BodyPreference[],
  protocolVersion: number,
): EasElement {
  const preference = preferences.find((p) => [BODY_PLAIN, BODY_HTML, BODY_MIME].includes(p.type)) ??
    preferences[0] ?? { type: BODY_PLAIN };
  const type =
    preference.type === BODY_MIME && source.mime
      ? BODY_MIME
      : preference.type === BODY_HTML
        ? BODY_HTML
        : BODY_PLAIN;
  const full =
    type === BODY_MIME
      ? source.mime!()
      : type === BODY_HTML
        ? (source.html ?? htmlFromText(source.text))
        : source.text;
  const size = byteLength(full);
  const limit = preference.truncationSize;
  let data: string | undefined = full;
  let truncated = false;
  if (limit !== undefined && size > limit) {
    truncated = true;
    data = preference.allOrNone ? undefined : truncateUtf8(full, limit).text;
  }
  const preview =
    preference.preview && protocolVersion >= 14
      ? source.text.replace(/\s+/g, ' ').trim().slice(0, Math.min(preference.preview, 255))
      : undefined;
  return el(
    'AirSyncBase:Body',
    el('AirSyncBase:Type', type),
    el('AirSyncBase:EstimatedDataSize', size),
    truncated && el('AirSyncBase:Truncated', 1),
    data !== undefined && el('AirSyncBase:Data', data),
    preview !== undefined && el('AirSyncBase:Preview', preview),
  );
}
