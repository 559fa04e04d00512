// WBXML encoder (MS-ASWBXML 2.1.2): element tree -> bytes.
import { WbxmlError, WbxmlNulTextError } from '../errors.js';
import { tokenForTag } from './code-pages.js';
import type { EasElement } from './element.js';
import { CONTENT_FLAG, EAS_WBXML_HEADER, END, OPAQUE, STR_I, SWITCH_PAGE } from './tokens.js';

/** Deeper trees than this are refused (it also stops cycles in a hand-built tree). */
const MAX_ENCODE_DEPTH = 256;

class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.length++] = b;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.length);
    this.length += data.length;
  }

  /** `text` as UTF-8, written in place (no Buffer of its own per string). */
  utf8(text: string): void {
    // A UTF-16 code unit is at most 3 bytes of UTF-8; a long text is measured
    // instead, so that it does not reserve three times its size.
    this.reserve(text.length <= 4096 ? text.length * 3 : Buffer.byteLength(text));
    this.length += this.buf.write(text, this.length, 'utf8');
  }

  /** mb_u_int32 (WAP-192 §5.1): big-endian groups of 7 bits, high bit = more follow. */
  mbUInt32(value: number): void {
    const groups = [value & 0x7f];
    let rest = Math.floor(value / 128);
    while (rest > 0) {
      groups.unshift((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    for (const g of groups) this.byte(g);
  }

  /** `standalone`: in memory of its own, not a slice of node's shared 8 KB pool. */
  result(standalone = false): Buffer {
    const out = standalone ? Buffer.allocUnsafeSlow(this.length) : Buffer.allocUnsafe(this.length);
    this.buf.copy(out, 0, 0, this.length);
    return out;
  }
}

/**
 * Encodes an element tree as an ActiveSync WBXML body (header `03 01 6A 00`, inline strings,
 * opaque data, SWITCH_PAGE whenever the code page changes).
 *
 * @example encodeWbxml(el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')))
 * @throws WbxmlError for an unknown tag or a tree deeper than 256; WbxmlNulTextError (a
 *   WbxmlError) for a NUL character in text.
 * @see MS-ASWBXML 2.1.2
 */
export function encodeWbxml(root: EasElement, options: EncodeOptions = {}): Buffer {
  const out = new ByteWriter();
  out.bytes(EAS_WBXML_HEADER);
  const state = { page: 0 };
  writeElement(out, root, state, 0);
  return out.result(options.standalone);
}

export interface EncodeOptions {
  /**
   * Bytes in memory of their own. A small result is otherwise a slice of
   * node's shared 8 KB buffer pool, and a request a server holds (a Ping
   * waiting for changes) keeps that whole pool alive for as long as it waits.
   * Allocating apart costs ~1.5 µs more, so only for such requests.
   */
  standalone?: boolean;
}

function writeElement(
  out: ByteWriter,
  node: EasElement,
  state: { page: number },
  depth: number,
): void {
  if (depth >= MAX_ENCODE_DEPTH) {
    throw new WbxmlError(`element tree deeper than ${MAX_ENCODE_DEPTH} levels`, out.length);
  }
  if (!node || typeof node.tag !== 'string') {
    throw new WbxmlError('not an element (missing tag)', out.length);
  }
  const where = tokenForTag(node.tag);
  if (!where) throw new WbxmlError(`unknown tag "${node.tag}"`, out.length);
  if (where.page !== state.page) {
    out.byte(SWITCH_PAGE);
    out.byte(where.page);
    state.page = where.page;
  }
  const kids = node.children ?? [];
  const hasContent = kids.length > 0 || node.text !== undefined || node.opaque !== undefined;
  out.byte(where.token | (hasContent ? CONTENT_FLAG : 0));
  if (!hasContent) return;
  if (node.text !== undefined) {
    const text = String(node.text);
    if (text.includes('\0')) {
      throw new WbxmlNulTextError(node.tag, out.length);
    }
    out.byte(STR_I);
    out.utf8(text);
    out.byte(0);
  }
  if (node.opaque !== undefined) {
    out.byte(OPAQUE);
    out.mbUInt32(node.opaque.length);
    out.bytes(node.opaque);
  }
  for (const kid of kids) writeElement(out, kid, state, depth + 1);
  out.byte(END);
}
