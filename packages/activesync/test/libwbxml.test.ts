// Cross-check with libwbxml (Debian libwbxml2-utils), the reference of the acceptance test:
// its token tables, its decoding of every fixture, and our decoding of its encoding.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_PAGES, decodeWbxml, fromXml, tagForToken, tokenForTag } from '@hma-lab/activesync';
import {
  HAVE_LIBWBXML,
  libwbxmlFromXml,
  libwbxmlToXml,
  probeLibwbxmlTables,
  toLibwbxmlXml,
  treeDifference,
  type LibwbxmlPage,
} from './support/libwbxml.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => f.slice(0, -4))
  .sort();
// libwbxml 0.11 has no Find code page (25, added with protocol 16.1).
const withoutFind = fixtures.filter((f) => !f.startsWith('find-'));

// Tokens of MS-ASWBXML that libwbxml 0.11 does not know (all from protocol 16.0/16.1).
const ONLY_IN_SPEC = [
  'MeetingResponse:ProposedStartTime',
  'MeetingResponse:ProposedEndTime',
  'Provision:AccountOnlyRemoteWipe',
  ...Object.values(CODE_PAGES[25]!.tags).map((name) => `Find:${name}`),
].sort();

const maybe = HAVE_LIBWBXML ? describe : describe.skip;
if (!HAVE_LIBWBXML)
  console.warn('libwbxml2-utils is not installed: the libwbxml cross-check is skipped');

maybe('libwbxml cross-check', () => {
  let tables: LibwbxmlPage[];
  beforeAll(() => {
    tables = probeLibwbxmlTables();
  });

  it('every token libwbxml knows is the same element in our tables (canonical name or alias)', () => {
    const mismatches: string[] = [];
    for (const cp of CODE_PAGES) {
      for (const [token, libName] of tables[cp.page]!.names) {
        const ours = tagForToken(cp.page, token);
        const viaLib = tokenForTag(`${cp.name}:${libName}`);
        if (!ours || viaLib?.token !== token || viaLib.tag !== ours) {
          mismatches.push(
            `page ${cp.page} token 0x${token.toString(16)}: libwbxml ${libName}, ours ${ours}`,
          );
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('the tokens libwbxml lacks are exactly the 16.x additions', () => {
    const extra: string[] = [];
    for (const cp of CODE_PAGES) {
      for (const [token, name] of Object.entries(cp.tags)) {
        if (!tables[cp.page]!.names.has(Number(token))) extra.push(`${cp.name}:${name}`);
      }
    }
    expect(extra.sort()).toEqual(ONLY_IN_SPEC);
  });

  it('the probe sees which elements libwbxml treats as binary (shown as base64)', () => {
    expect(tables[21]!.base64.has(tokenForTag('ComposeMail:Mime')!.token)).toBe(true);
    expect(tables[0]!.base64.has(tokenForTag('AirSync:SyncKey')!.token)).toBe(false);
  });

  it('libwbxml names the same namespaces (Gal for GAL)', () => {
    for (const cp of CODE_PAGES.filter((p) => p.page !== 25)) {
      const ns = tables[cp.page]!.namespace!;
      expect([cp.name, ...(cp.namespaceAliases ?? [])]).toContain(ns);
    }
  });

  it.each(withoutFind)('wbxml2xml decodes %s.wbxml to the same tree as ours', (name) => {
    const bytes = readFileSync(join(dir, `${name}.wbxml`));
    const ours = decodeWbxml(bytes);
    const theirs = fromXml(libwbxmlToXml(bytes));
    expect(treeDifference(ours, theirs)).toBeUndefined();
  });

  it.each(withoutFind)('we decode what xml2wbxml -n -a encodes for %s', (name) => {
    const tree = fromXml(readFileSync(join(dir, `${name}.xml`), 'utf8'));
    const xml = toLibwbxmlXml(tree, tables, (tag) => tokenForTag(tag)!);
    const bytes = libwbxmlFromXml(xml);
    expect([...bytes.subarray(0, 4)]).toEqual([0x03, 0x01, 0x6a, 0x00]);
    expect(treeDifference(tree, decodeWbxml(bytes))).toBeUndefined();
  });

  it('we decode xml2wbxml output with a string table and a public id string (no -n, no -a)', () => {
    // Without -n/-a libwbxml writes public id 0 + a string-table reference to the DTD name.
    const tree = fromXml(readFileSync(join(dir, 'foldersync-response.xml'), 'utf8'));
    const xml = toLibwbxmlXml(tree, tables, (tag) => tokenForTag(tag)!);
    const bytes = libwbxmlFromXml(xml, { stringTable: true });
    expect(bytes[1]).toBe(0x00); // public id 0: named by a string-table entry
    expect(treeDifference(tree, decodeWbxml(bytes))).toBeUndefined();
  });
});
