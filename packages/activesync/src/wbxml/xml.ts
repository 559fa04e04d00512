// A readable XML view of element trees, in the style of the MS-ASCMD examples:
// the root's code page is the default namespace, every other page used gets a prefix
// (`xmlns:airsyncbase="AirSyncBase"`). fromXml() reads that style, any other namespace-correct
// spelling, and libwbxml's (`xmlns="AirSync:"`, libwbxml tag names), for fixtures and tests.
import { WbxmlError } from '../errors.js';
import { pageForNamespace, tokenForTag } from './code-pages.js';
import type { EasElement } from './element.js';

/**
 * Renders an element tree as XML with one namespace per code page. Opaque content is written
 * as base64 with an `opaque="base64"` marker so that fromXml() restores it.
 *
 * @example toXml(decodeWbxml(body), { pretty: true })
 */
export function toXml(root: EasElement, options?: { pretty?: boolean }): string {
  const pretty = options?.pretty ?? false;
  const rootPage = pageOf(root.tag);
  const others: string[] = [];
  const visit = (node: EasElement): void => {
    const p = pageOf(node.tag);
    if (p !== rootPage && !others.includes(p)) others.push(p);
    node.children.forEach(visit);
  };
  visit(root);
  const declarations =
    ` xmlns="${escapeAttr(rootPage)}"` +
    others.map((p) => ` xmlns:${prefixOf(p)}="${escapeAttr(p)}"`).join('');

  const lines: string[] = [];
  const write = (node: EasElement, depth: number, extra: string): void => {
    const p = pageOf(node.tag);
    const local = node.tag.slice(p.length + 1);
    const name = p === rootPage ? local : `${prefixOf(p)}:${local}`;
    const indent = pretty ? '  '.repeat(depth) : '';
    let attrs = extra;
    let text = node.text !== undefined ? escapeText(node.text) : '';
    if (node.opaque !== undefined) {
      attrs += ' opaque="base64"';
      text += Buffer.from(node.opaque).toString('base64');
    }
    if (node.children.length === 0) {
      lines.push(
        text === '' && node.text === undefined && node.opaque === undefined
          ? `${indent}<${name}${attrs}/>`
          : `${indent}<${name}${attrs}>${text}</${name}>`,
      );
      return;
    }
    lines.push(`${indent}<${name}${attrs}>${text}`);
    for (const kid of node.children) write(kid, depth + 1, '');
    lines.push(`${indent}</${name}>`);
  };
  write(root, 0, declarations);
  const header = '<?xml version="1.0" encoding="utf-8"?>';
  return pretty ? `${header}\n${lines.join('\n')}\n` : header + lines.join('');
}

function pageOf(tag: string): string {
  const colon = tag.indexOf(':');
  return colon < 0 ? '' : tag.slice(0, colon);
}

function prefixOf(page: string): string {
  return page.toLowerCase();
}

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function escapeAttr(s: string): string {
  return escapeText(s).replace(/"/g, '&quot;');
}

// ---------------------------------------------------------------------------------------
// fromXml: a small namespace-aware XML reader (elements, attributes, text, CDATA, entities,
// comments, PIs and DOCTYPE skipped). Enough for ActiveSync documents; not a general parser.

interface OpenElement {
  node: EasElement;
  qname: string;
  scope: Map<string, string>;
  textParts: string[];
  base64: boolean;
  start: number;
}

const NAME = /[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/y;

/**
 * Parses XML (as written by toXml(), the MS-ASCMD examples or libwbxml's wbxml2xml) into an
 * element tree. Each element's code page comes from its XML namespace; tag names may be
 * canonical or a known alias (libwbxml spellings) and come out canonical. Whitespace-only
 * text between child elements is dropped; text of leaf elements is kept as written.
 *
 * @throws WbxmlError (offset = character offset) for malformed XML or unknown namespaces/tags.
 */
export function fromXml(xml: string): EasElement {
  let pos = 0;
  let root: EasElement | undefined;
  const stack: OpenElement[] = [];
  const fail = (message: string, at = pos): never => {
    throw new WbxmlError(`XML: ${message}`, at);
  };

  while (pos < xml.length) {
    const lt = xml.indexOf('<', pos);
    const textEnd = lt < 0 ? xml.length : lt;
    if (textEnd > pos) {
      const raw = xml.slice(pos, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.textParts.push(decodeEntities(raw, pos, fail));
      else if (raw.trim() !== '') fail('text outside the root element');
      pos = textEnd;
    }
    if (lt < 0) break;
    if (xml.startsWith('<!--', pos)) {
      const end = xml.indexOf('-->', pos + 4);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    } else if (xml.startsWith('<![CDATA[', pos)) {
      const end = xml.indexOf(']]>', pos + 9);
      if (end < 0) fail('unterminated CDATA section');
      const top = stack[stack.length - 1];
      if (!top) fail('CDATA outside the root element');
      top!.textParts.push(xml.slice(pos + 9, end));
      pos = end + 3;
    } else if (xml.startsWith('<?', pos)) {
      const end = xml.indexOf('?>', pos + 2);
      if (end < 0) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (xml.startsWith('<!', pos)) {
      pos = skipDeclaration(xml, pos, fail);
    } else if (xml.startsWith('</', pos)) {
      NAME.lastIndex = pos + 2;
      const m = NAME.exec(xml);
      if (!m) fail('bad closing tag');
      const close = xml.indexOf('>', NAME.lastIndex);
      if (close < 0 || xml.slice(NAME.lastIndex, close).trim() !== '') fail('bad closing tag');
      const top = stack.pop();
      if (!top) fail(`closing tag </${m![0]}> without an open element`);
      if (top!.qname !== m![0]) fail(`</${m![0]}> closes <${top!.qname}>`);
      finish(top!, fail);
      pos = close + 1;
    } else {
      const start = pos;
      NAME.lastIndex = pos + 1;
      const m = NAME.exec(xml);
      if (!m) fail('bad start tag');
      const qname = m![0];
      pos = NAME.lastIndex;
      const attrs: Array<[string, string]> = [];
      let selfClosing = false;
      for (;;) {
        const ws = /\s*/y;
        ws.lastIndex = pos;
        ws.exec(xml);
        pos = ws.lastIndex;
        if (xml.startsWith('/>', pos)) {
          selfClosing = true;
          pos += 2;
          break;
        }
        if (xml[pos] === '>') {
          pos += 1;
          break;
        }
        NAME.lastIndex = pos;
        const an = NAME.exec(xml);
        if (!an) fail(`bad attribute in <${qname}>`);
        pos = NAME.lastIndex;
        const eq = /\s*=\s*(["'])/y;
        eq.lastIndex = pos;
        const q = eq.exec(xml);
        if (!q) fail(`attribute ${an![0]} needs a quoted value`);
        const valueEnd = xml.indexOf(q![1]!, eq.lastIndex);
        if (valueEnd < 0) fail(`unterminated value of attribute ${an![0]}`);
        attrs.push([an![0], decodeEntities(xml.slice(eq.lastIndex, valueEnd), eq.lastIndex, fail)]);
        pos = valueEnd + 1;
      }
      if (root && stack.length === 0) fail('second root element', start);
      const parentScope = stack[stack.length - 1]?.scope ?? new Map<string, string>();
      let scope = parentScope;
      let base64 = false;
      for (const [name, value] of attrs) {
        if (name === 'xmlns' || name.startsWith('xmlns:')) {
          if (scope === parentScope) scope = new Map(parentScope);
          scope.set(name === 'xmlns' ? '' : name.slice(6), value);
        } else if (name === 'opaque' && value === 'base64') {
          base64 = true;
        } else {
          fail(`attribute ${name} on <${qname}> (ActiveSync elements have no attributes)`, start);
        }
      }
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const local = colon < 0 ? qname : qname.slice(colon + 1);
      const namespace = scope.get(prefix);
      if (namespace === undefined) {
        fail(
          prefix ? `undeclared namespace prefix ${prefix}` : `<${qname}> has no namespace`,
          start,
        );
      }
      const cp = pageForNamespace(namespace!);
      if (!cp) fail(`namespace "${namespace}" is not an ActiveSync code page`, start);
      const where = tokenForTag(`${cp!.name}:${local}`);
      if (!where) fail(`unknown element ${local} in code page ${cp!.name}`, start);
      const node: EasElement = { tag: where!.tag, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.node.children.push(node);
      else root = node;
      const open: OpenElement = { node, qname, scope, textParts: [], base64, start };
      if (selfClosing) finish(open, fail);
      else stack.push(open);
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]!.qname}>`);
  if (!root) fail('no root element', 0);
  return root!;
}

function finish(open: OpenElement, fail: (message: string, at?: number) => never): void {
  const text = open.textParts.join('');
  const { node } = open;
  if (open.base64) {
    const compact = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) fail('opaque content is not base64', open.start);
    node.opaque = new Uint8Array(Buffer.from(compact, 'base64'));
    return;
  }
  if (node.children.length > 0) {
    if (text.trim() !== '') node.text = text.trim();
  } else if (text !== '') {
    node.text = text;
  }
}

function skipDeclaration(
  xml: string,
  pos: number,
  fail: (m: string, at?: number) => never,
): number {
  // <!DOCTYPE ...> possibly with an internal subset in brackets.
  let depth = 0;
  for (let i = pos + 2; i < xml.length; i++) {
    const c = xml[i];
    if (c === '[') depth++;
    else if (c === ']') depth--;
    else if (c === '>' && depth <= 0) return i + 1;
  }
  return fail('unterminated declaration', pos);
}

const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(raw: string, at: number, fail: (m: string, at?: number) => never): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&([^;&\s]*);?/g, (whole, name: string, offset: number) => {
    if (!whole.endsWith(';')) fail('bare & in text (write &amp;)', at + offset);
    if (name.startsWith('#')) {
      const code =
        name[1] === 'x' || name[1] === 'X'
          ? parseInt(name.slice(2), 16)
          : parseInt(name.slice(1), 10);
      if (!Number.isInteger(code) || code < 0 || code > 0x10ffff)
        fail(`bad character reference &${name};`, at + offset);
      return String.fromCodePoint(code);
    }
    const value = NAMED_ENTITIES[name];
    if (value === undefined) fail(`unknown entity &${name};`, at + offset);
    return value!;
  });
}
