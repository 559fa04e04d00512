/**
 * How deep an XML document from outside the lab may nest before it is parsed.
 * WCF, which AD FS's WS-Trust endpoints run on, reads 32 levels by default
 * (`XmlDictionaryReaderQuotas.MaxDepth`); 64 leaves room for every document a
 * client or AD FS sends (a SAML assertion inside a WS-Trust answer nests about
 * ten deep), as `MAX_JSON_DEPTH` does for JSON. The DOM parser the lab
 * uses, @xmldom/xmldom, is quadratic in the depth of elements that each
 * declare a namespace (32,768 of them, 600 KB: 24 s), so depth is checked
 * first, in linear time.
 */
export const MAX_XML_DEPTH = 64;

/**
 * The markup whose text may hold `<`, `>` and what looks like tags without
 * being any: comments, CDATA sections and processing instructions, each with
 * the marker that starts it and the one that ends it. Read by the depth check
 * here and by the trace's redaction of XML secrets.
 */
export const XML_SECTIONS: ReadonlyArray<{ start: string; end: string }> = [
  { start: '<!--', end: '-->' },
  { start: '<![CDATA[', end: ']]>' },
  { start: '<?', end: '?>' },
];

/**
 * True when elements nest more than `max` deep in `xml`. One pass: comments,
 * CDATA sections, processing instructions and declarations are skipped, and
 * quoted attribute values are stepped over (they may hold `>`). Exact for a
 * well-formed document; for a malformed one it may stop early and answer
 * false, leaving the parser to say what is wrong.
 *
 * @example
 * xmlNestsDeeperThan('<a><b/></a>', 1) // true: b is at depth 2
 */
export function xmlNestsDeeperThan(xml: string, max: number): boolean {
  let depth = 0;
  for (let lt = xml.indexOf('<'); lt >= 0;) {
    let end: number;
    const section = XML_SECTIONS.find((s) => xml.startsWith(s.start, lt));
    if (section) {
      const found = xml.indexOf(section.end, lt + section.start.length);
      end = found < 0 ? -1 : found + section.end.length - 1;
    } else if (xml.startsWith('<!', lt)) end = xml.indexOf('>', lt + 2);
    else if (xml.startsWith('</', lt)) {
      end = xml.indexOf('>', lt + 2);
      depth--;
    } else {
      end = startTagEnd(xml, lt + 1);
      if (end > 0 && depth + 1 > max) return true;
      // An empty element (`<a/>`) is as deep, but holds nothing deeper.
      if (end > 0 && xml.charCodeAt(end - 1) !== 0x2f /* '/' */) depth++;
    }
    if (end < 0) return false;
    lt = xml.indexOf('<', end + 1);
  }
  return false;
}

/** The index of the `>` closing a start tag whose name begins at `from`, or -1. */
function startTagEnd(xml: string, from: number): number {
  for (let i = from; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (c === 0x3e /* '>' */) return i;
    if (c === 0x22 /* '"' */ || c === 0x27 /* "'" */) {
      i = xml.indexOf(xml[i]!, i + 1);
      if (i < 0) return -1;
    }
  }
  return -1;
}
