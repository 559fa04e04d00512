// Helpers around Debian's libwbxml tools (wbxml2xml / xml2wbxml, libwbxml 0.11), the
// reference the codec is checked against. Facts only: names and tokens are read from the
// tools at test time, nothing is copied from libwbxml's sources.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CODE_PAGES, type EasElement } from '@hma-lab/activesync';

export const HAVE_LIBWBXML = spawnSync('wbxml2xml', [], { encoding: 'utf8' }).error === undefined;

export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'hma-lab-wbxml-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `wbxml2xml -l ACTIVESYNC -m 0` of some bytes. */
export function libwbxmlToXml(bytes: Uint8Array): string {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'in.wbxml'), bytes);
    execFileSync(
      'wbxml2xml',
      ['-l', 'ACTIVESYNC', '-m', '0', '-o', join(dir, 'out.xml'), join(dir, 'in.wbxml')],
      {
        stdio: 'pipe',
      },
    );
    return readFileSync(join(dir, 'out.xml'), 'utf8');
  });
}

/** `xml2wbxml -n -a` (no string table, anonymous) of some XML; neither flag with stringTable. */
export function libwbxmlFromXml(xml: string, options: { stringTable?: boolean } = {}): Buffer {
  return withTempDir((dir) => {
    writeFileSync(join(dir, 'in.xml'), xml);
    const flags = options.stringTable ? [] : ['-n', '-a'];
    execFileSync('xml2wbxml', [...flags, '-o', join(dir, 'out.wbxml'), join(dir, 'in.xml')], {
      stdio: 'pipe',
    });
    return readFileSync(join(dir, 'out.wbxml'));
  });
}

export interface LibwbxmlPage {
  /** libwbxml's namespace name, without the trailing colon ('Gal' for page 16). */
  namespace?: string;
  /** token -> libwbxml's element name, for the tokens libwbxml knows. */
  names: Map<number, string>;
  /** Tokens whose content libwbxml treats as binary: shown (and read back) as base64. */
  base64: Set<number>;
}

/**
 * libwbxml's table for every page, read by decoding one probe document per page whose root
 * (token 0x05) holds every token 0x05-0x3F as an empty child.
 */
export function probeLibwbxmlTables(): LibwbxmlPage[] {
  return CODE_PAGES.map((cp) => {
    const tokens = Array.from({ length: 0x3f - 0x05 + 1 }, (_, i) => 0x05 + i);
    const bytes = Uint8Array.from([0x03, 0x01, 0x6a, 0x00, 0x00, cp.page, 0x45, ...tokens, 0x01]);
    const xml = libwbxmlToXml(bytes);
    const rootAt = xml.indexOf('<', xml.indexOf('<!DOCTYPE') + 1);
    const root = /<([\w-]+) xmlns="([^"]*)">/y;
    root.lastIndex = rootAt;
    const rootMatch = root.exec(xml);
    const names = new Map<number, string>();
    const empty = /<([\w-]+)\/>/g;
    empty.lastIndex = root.lastIndex;
    for (const token of tokens) {
      const m = empty.exec(xml);
      if (!m) throw new Error(`libwbxml probe of page ${cp.page}: no element for token ${token}`);
      if (m[1] !== 'unknown') names.set(token, m[1]!);
    }
    // Second probe: every token holding the inline string "abc"; binary elements show "YWJj".
    const withText = tokens.flatMap((t) => [t | 0x40, 0x03, 0x61, 0x62, 0x63, 0x00, 0x01]);
    const xml2 = libwbxmlToXml(
      Uint8Array.from([0x03, 0x01, 0x6a, 0x00, 0x00, cp.page, 0x45, ...withText, 0x01]),
    );
    const base64 = new Set<number>();
    const filled = /<([\w-]+)>([^<]*)<\/\1>/g;
    filled.lastIndex = xml2.indexOf('>', xml2.indexOf('<', xml2.indexOf('<!DOCTYPE') + 1));
    for (const token of tokens) {
      const m = filled.exec(xml2);
      if (!m)
        throw new Error(`libwbxml text probe of page ${cp.page}: no element for token ${token}`);
      if (m[2] === 'YWJj') base64.add(token);
    }
    const known = rootMatch && rootMatch[1] !== 'unknown';
    return known
      ? { namespace: rootMatch[2]!.replace(/:$/, ''), names, base64 }
      : { names, base64 };
  });
}

/** The strings a leaf's content may be shown as: its text, or its opaque bytes as UTF-8 or base64. */
function renderings(node: EasElement): string[] {
  if (node.opaque !== undefined) {
    const bytes = Buffer.from(node.opaque);
    return [
      bytes.toString('utf8'),
      bytes.toString('base64'),
      (node.text ?? '') + bytes.toString('utf8'),
    ];
  }
  // libwbxml shows the content of elements it types as binary as base64, inline string or not.
  const text = node.text ?? '';
  return [text, Buffer.from(text, 'utf8').toString('base64')];
}

/**
 * Compares two trees by element identity and content; opaque data matches a text rendering
 * of it (libwbxml shows some opaque elements as base64, others as raw text). Returns the
 * path of the first difference, or undefined.
 */
export function treeDifference(a: EasElement, b: EasElement, path = ''): string | undefined {
  const here = `${path}/${a.tag}`;
  if (a.tag !== b.tag) return `${here}: tag ${a.tag} vs ${b.tag}`;
  if (a.children.length !== b.children.length) {
    return `${here}: ${a.children.length} vs ${b.children.length} children`;
  }
  if (a.children.length === 0) {
    const ra = renderings(a);
    const rb = renderings(b);
    if (!ra.some((x) => rb.includes(x)))
      return `${here}: content ${JSON.stringify(ra[0])} vs ${JSON.stringify(rb[0])}`;
  }
  for (let i = 0; i < a.children.length; i++) {
    const diff = treeDifference(a.children[i]!, b.children[i]!, here);
    if (diff) return diff;
  }
  return undefined;
}

/** Writes a tree in libwbxml's XML dialect (its names, `xmlns="Page:"` where the page changes). */
export function toLibwbxmlXml(
  root: EasElement,
  tables: LibwbxmlPage[],
  tokenOf: (tag: string) => { page: number; token: number },
): string {
  const escape = (s: string): string =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;');
  const write = (node: EasElement, parentPage: number | undefined): string => {
    const { page, token } = tokenOf(node.tag);
    const table = tables[page]!;
    const name = table.names.get(token) ?? node.tag.slice(node.tag.indexOf(':') + 1);
    const ns = page !== parentPage ? ` xmlns="${table.namespace ?? CODE_PAGES[page]!.name}:"` : '';
    const binary = node.opaque !== undefined || table.base64.has(token);
    const content =
      node.opaque !== undefined ? Buffer.from(node.opaque) : Buffer.from(node.text ?? '', 'utf8');
    const text = binary ? content.toString('base64') : escape(node.text ?? '');
    const inner = text + node.children.map((c) => write(c, page)).join('');
    return inner === '' ? `<${name}${ns}/>` : `<${name}${ns}>${inner}</${name}>`;
  };
  return (
    '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n' +
    write(root, undefined)
  );
}
