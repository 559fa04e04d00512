// WBXML decoder (MS-ASWBXML 2.1.2): bytes -> element tree. Written for hostile input:
// iterative (no recursion), every length checked against what is left, bounded depth,
// element count and string sizes, and every failure a WbxmlError with the byte offset.
import { WbxmlError } from '../errors.js';
import { CODE_PAGES, tagForToken } from './code-pages.js';
import type { EasElement } from './element.js';
import {
  ATTRIBUTE_FLAG,
  CHARSET_UTF8,
  CONTENT_FLAG,
  END,
  ENTITY,
  EXT_0,
  EXT_2,
  EXT_I_0,
  EXT_I_2,
  EXT_T_0,
  EXT_T_2,
  LITERAL,
  LITERAL_A,
  LITERAL_AC,
  LITERAL_C,
  OPAQUE,
  PI,
  STR_I,
  STR_T,
  SWITCH_PAGE,
} from './tokens.js';

/** Limits of decodeWbxml(); every one has a safe default. */
export interface WbxmlLimits {
  /** Largest accepted input in bytes (default 32 MiB). */
  maxBytes?: number;
  /** Deepest accepted nesting (default 64; real ActiveSync documents stay under 15). */
  maxDepth?: number;
  /** Most elements in one document (default 200,000). */
  maxElements?: number;
  /** Longest single inline string or opaque block in bytes (default: maxBytes). */
  maxStringBytes?: number;
}

export const DEFAULT_WBXML_LIMITS: Readonly<Required<Omit<WbxmlLimits, 'maxStringBytes'>>> = {
  maxBytes: 32 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 200_000,
};

const MAX_PAGE = CODE_PAGES.length - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true });

class Reader {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  byte(what: string): number {
    const b = this.bytes[this.pos];
    if (b === undefined) throw new WbxmlError(`truncated input: expected ${what}`, this.pos);
    this.pos++;
    return b;
  }

  /** mb_u_int32: at most 5 bytes and at most 2^32 - 1. */
  mbUInt32(what: string): number {
    const start = this.pos;
    let value = 0;
    for (let i = 0; i < 5; i++) {
      const b = this.byte(what);
      value = value * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        if (value > 0xffffffff) throw new WbxmlError(`${what} overflows mb_u_int32`, start);
        return value;
      }
    }
    throw new WbxmlError(`${what} overflows mb_u_int32 (more than 5 bytes)`, start);
  }
}

function decodeUtf8(bytes: Uint8Array, offset: number): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new WbxmlError('string is not valid UTF-8', offset);
  }
}

/**
 * The UTF-8 text of `bytes[start, end)`. ASCII (sync keys, ids, numbers: most
 * strings of a document) is read in place; anything else through a view and
 * the strict decoder. A view per string cost more than the rest of decoding.
 */
function textAt(bytes: Buffer, start: number, end: number): string {
  for (let i = start; i < end; i++) {
    if (bytes[i]! >= 0x80) return decodeUtf8(bytes.subarray(start, end), start);
  }
  return bytes.toString('latin1', start, end);
}

/**
 * Decodes an ActiveSync WBXML body into an element tree.
 *
 * Accepts WBXML 1.0-1.3 headers with the UTF-8 charset (a string table, as libwbxml's
 * xml2wbxml writes without `-n`, is read for STR_T). Rejects attributes, LITERAL and EXT
 * tokens, unknown code pages and tokens, unbalanced END, trailing bytes and anything past
 * the limits, each with a WbxmlError naming the byte offset.
 *
 * @example decodeWbxml(req.body).tag === 'FolderHierarchy:FolderSync'
 * @see MS-ASWBXML 2.1.2; WAP-192-WBXML §5
 */
export function decodeWbxml(bytes: Uint8Array, limits?: WbxmlLimits): EasElement {
  const maxBytes = limits?.maxBytes ?? DEFAULT_WBXML_LIMITS.maxBytes;
  const maxDepth = limits?.maxDepth ?? DEFAULT_WBXML_LIMITS.maxDepth;
  const maxElements = limits?.maxElements ?? DEFAULT_WBXML_LIMITS.maxElements;
  const maxStringBytes = limits?.maxStringBytes ?? maxBytes;
  if (!(bytes instanceof Uint8Array)) throw new WbxmlError('input is not a byte array', 0);
  if (bytes.length > maxBytes) {
    throw new WbxmlError(`input of ${bytes.length} bytes exceeds the limit of ${maxBytes}`, 0);
  }
  if (bytes.length === 0) throw new WbxmlError('empty input: expected a WBXML header', 0);

  // One view of the input from here on: a Buffer reads its strings in place.
  const buffer = Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const r = new Reader(buffer);
  // Header (WAP-192 §5.4): version, publicid, charset, string table.
  const version = r.byte('WBXML version');
  if (version > 0x03) {
    throw new WbxmlError(`unsupported WBXML version byte 0x${hex(version)} (expected 0x03)`, 0);
  }
  const publicId = r.mbUInt32('public identifier');
  if (publicId === 0) r.mbUInt32('public identifier string index');
  const charsetAt = r.pos;
  const charset = r.mbUInt32('charset');
  if (charset !== CHARSET_UTF8 && charset !== 0) {
    throw new WbxmlError(`unsupported charset ${charset} (ActiveSync uses UTF-8, 106)`, charsetAt);
  }
  const tableAt = r.pos;
  const tableLength = r.mbUInt32('string table length');
  if (tableLength > r.remaining) {
    throw new WbxmlError(`string table of ${tableLength} bytes runs past the end`, tableAt);
  }
  const table = buffer.subarray(r.pos, r.pos + tableLength);
  r.pos += tableLength;

  let page = 0;
  let root: EasElement | undefined;
  let count = 0;
  const stack: EasElement[] = [];
  // The children of every open element, in one list: an element's own run
  // starts at its entry in `starts` and becomes its (exactly sized) children
  // array at its END. Pushing each child onto its parent's empty array gave
  // every parent room for 16.
  const pending: EasElement[] = [];
  const starts: number[] = [];
  // Where the OPAQUE blocks of each open element are in the input (start, end,
  // start, end...), copied out once at its END: joining them block by block
  // copied all the earlier ones again for every block, quadratic in a body of
  // one-byte blocks (1 MiB: 4.7 s).
  const opaqueRanges = new Map<EasElement, number[]>();
  // Each string-table entry read once, whatever the number of STR_T naming
  // it; and all they add up to at most maxBytes. Reading the entry again for
  // every reference was quadratic (a 512 KB entry named by 10,000 two-byte
  // STR_T ran the process out of memory), and the tree grown from them would
  // have been so for every reader after.
  const tableEntries = new Map<number, { text: string; bytes: number }>();
  let tableTextBytes = 0;

  const appendText = (text: string, at: number): void => {
    const open = stack[stack.length - 1];
    if (!open) throw new WbxmlError('content outside of any element', at);
    open.text = (open.text ?? '') + text;
  };

  while (!root || stack.length > 0) {
    const at = r.pos;
    if (r.remaining === 0) {
      if (!root) throw new WbxmlError('truncated input: no root element', at);
      throw new WbxmlError(`truncated input: ${stack.length} element(s) not closed`, at);
    }
    const token = r.byte('token');
    switch (token) {
      case SWITCH_PAGE: {
        const next = r.byte('code page after SWITCH_PAGE');
        if (next > MAX_PAGE) throw new WbxmlError(`unknown code page ${next}`, at);
        page = next;
        break;
      }
      case END: {
        const closed = stack.pop();
        if (!closed) throw new WbxmlError('END without an open element', at);
        const start = starts.pop()!;
        if (pending.length > start) {
          closed.children = pending.slice(start);
          pending.length = start;
        }
        const ranges = opaqueRanges.get(closed);
        if (ranges) {
          closed.opaque = copyRanges(buffer, ranges);
          opaqueRanges.delete(closed);
        }
        break;
      }
      case STR_I: {
        const end = buffer.indexOf(0, r.pos);
        if (end < 0) throw new WbxmlError('truncated input: inline string without terminator', at);
        if (end - r.pos > maxStringBytes) {
          throw new WbxmlError(`inline string longer than ${maxStringBytes} bytes`, at);
        }
        const text = textAt(buffer, r.pos, end);
        r.pos = end + 1;
        appendText(text, at);
        break;
      }
      case STR_T: {
        const index = r.mbUInt32('string table offset');
        if (index >= table.length)
          throw new WbxmlError(`string table offset ${index} out of range`, at);
        let entry = tableEntries.get(index);
        if (!entry) {
          const end = table.indexOf(0, index);
          if (end < 0) throw new WbxmlError('string table entry without terminator', at);
          entry = { text: decodeUtf8(table.subarray(index, end), at), bytes: end - index };
          tableEntries.set(index, entry);
        }
        tableTextBytes += entry.bytes;
        if (tableTextBytes > maxBytes) {
          throw new WbxmlError(`string table references add up to more than ${maxBytes} bytes`, at);
        }
        appendText(entry.text, at);
        break;
      }
      case ENTITY: {
        const code = r.mbUInt32('character entity');
        if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
          throw new WbxmlError(`invalid character entity ${code}`, at);
        }
        appendText(String.fromCodePoint(code), at);
        break;
      }
      case OPAQUE: {
        const length = r.mbUInt32('opaque length');
        if (length > r.remaining) {
          throw new WbxmlError(
            `truncated input: opaque data of ${length} bytes runs past the end`,
            at,
          );
        }
        if (length > maxStringBytes)
          throw new WbxmlError(`opaque data longer than ${maxStringBytes} bytes`, at);
        const open = stack[stack.length - 1];
        if (!open) throw new WbxmlError('content outside of any element', at);
        const ranges = opaqueRanges.get(open);
        if (ranges) ranges.push(r.pos, r.pos + length);
        else opaqueRanges.set(open, [r.pos, r.pos + length]);
        r.pos += length;
        break;
      }
      case LITERAL:
      case LITERAL_A:
      case LITERAL_C:
      case LITERAL_AC:
        throw new WbxmlError(
          `LITERAL token 0x${hex(token)} (tag named by string) is not used by ActiveSync`,
          at,
        );
      case PI:
        throw new WbxmlError('processing instructions are not used by ActiveSync', at);
      default: {
        if (
          (token >= EXT_I_0 && token <= EXT_I_2) ||
          (token >= EXT_T_0 && token <= EXT_T_2) ||
          (token >= EXT_0 && token <= EXT_2)
        ) {
          throw new WbxmlError(`extension token 0x${hex(token)} is not used by ActiveSync`, at);
        }
        if (token & ATTRIBUTE_FLAG) {
          throw new WbxmlError(
            `tag token 0x${hex(token)} has attributes, which ActiveSync does not use`,
            at,
          );
        }
        const tag = tagForToken(page, token & 0x3f);
        if (!tag) {
          throw new WbxmlError(
            `unknown tag token 0x${hex(token & 0x3f)} on code page ${page} (${CODE_PAGES[page]?.name})`,
            at,
          );
        }
        if (stack.length >= maxDepth) throw new WbxmlError(`nesting deeper than ${maxDepth}`, at);
        if (++count > maxElements) throw new WbxmlError(`more than ${maxElements} elements`, at);
        const node: EasElement = { tag, children: [] };
        if (stack.length > 0) pending.push(node);
        else root = node;
        if (token & CONTENT_FLAG) {
          stack.push(node);
          starts.push(pending.length);
        }
      }
    }
  }
  if (r.remaining > 0) {
    throw new WbxmlError(`${r.remaining} unexpected byte(s) after the root element`, r.pos);
  }
  return root;
}

/** The bytes of `ranges` (start, end, start, end...) one after the other, in a new array. */
function copyRanges(bytes: Uint8Array, ranges: readonly number[]): Uint8Array {
  let length = 0;
  for (let i = 0; i < ranges.length; i += 2) length += ranges[i + 1]! - ranges[i]!;
  const out = new Uint8Array(length);
  let at = 0;
  for (let i = 0; i < ranges.length; i += 2) {
    out.set(bytes.subarray(ranges[i]!, ranges[i + 1]!), at);
    at += ranges[i + 1]! - ranges[i]!;
  }
  return out;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0');
}
