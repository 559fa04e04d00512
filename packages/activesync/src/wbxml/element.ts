// The element tree shared by the codec, the XML view, servers and the client.

/** One element; tag is "<CodePageName>:<ElementName>", e.g. "AirSync:Sync", "AirSyncBase:Body". */
export interface EasElement {
  tag: string;
  children: EasElement[];
  /** Inline string content (STR_I). */
  text?: string;
  /** Binary content (OPAQUE). */
  opaque?: Uint8Array;
}

/** What el() accepts as a child. */
export type EasChild =
  EasElement | string | number | undefined | null | false | EasElement[] | Uint8Array;

/**
 * Builds an element. Elements (and arrays of them) become children; strings and numbers
 * become text (concatenated); a Uint8Array becomes opaque content; undefined/null/false are
 * skipped, so optional parts read naturally.
 *
 * @example el('AirSync:Sync', el('AirSync:Collections', el('AirSync:Collection', el('AirSync:SyncKey', 0))))
 */
export function el(tag: string, ...content: EasChild[]): EasElement {
  // Only elements given (the usual case): the rest array is the children,
  // exactly sized. Pushing onto an empty array gave every parent room for 16.
  if (content.length > 0 && content.every(isElement)) {
    return { tag, children: content as EasElement[] };
  }
  const node: EasElement = { tag, children: [] };
  for (const item of content) {
    if (item === undefined || item === null || item === false) continue;
    if (typeof item === 'string' || typeof item === 'number') {
      node.text = (node.text ?? '') + String(item);
    } else if (item instanceof Uint8Array) {
      node.opaque = concatBytes(node.opaque, item);
    } else if (Array.isArray(item)) {
      for (const sub of item) if (sub) node.children.push(sub);
    } else {
      node.children.push(item);
    }
  }
  return node;
}

function isElement(item: EasChild): boolean {
  return (
    typeof item === 'object' &&
    item !== null &&
    !Array.isArray(item) &&
    !(item instanceof Uint8Array)
  );
}

/** The first direct child with this tag. */
export function child(node: EasElement, tag: string): EasElement | undefined {
  return node.children.find((c) => c.tag === tag);
}

/** All direct children with this tag. */
export function children(node: EasElement, tag: string): EasElement[] {
  return node.children.filter((c) => c.tag === tag);
}

/**
 * Text at the end of a path of first-children, e.g.
 * textOf(root, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey').
 * Opaque content is read as UTF-8 text that WBXML can carry: a malformed sequence becomes
 * U+FFFD (as Buffer decodes it) and so does NUL, which an inline string (STR_I, NUL-terminated)
 * cannot hold. So whatever a server reads with textOf it can echo in its answer, and a NUL-bearing
 * id is simply an id no one has. Undefined when a step is missing or the element is empty.
 */
export function textOf(node: EasElement, ...path: string[]): string | undefined {
  let current: EasElement | undefined = node;
  for (const tag of path) {
    current = child(current, tag);
    if (!current) return undefined;
  }
  if (current.text !== undefined) return current.text;
  if (current.opaque !== undefined) return withoutNul(Buffer.from(current.opaque).toString('utf8'));
  return undefined;
}

/**
 * The text with every NUL (U+0000) replaced by U+FFFD: what a server keeps of client text,
 * since WBXML text cannot carry NUL (MS-ASWBXML: STR_I is NUL-terminated).
 *
 * @example withoutNul('A\0B') // 'A\uFFFDB'
 */
export function withoutNul(text: string): string {
  return text.includes('\0') ? text.replaceAll('\0', '\uFFFD') : text;
}

export function concatBytes(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (!a) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
