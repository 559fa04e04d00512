// Every command's request and response (fixtures written from the MS-ASCMD examples) survives
// XML -> WBXML -> tree -> XML, and the committed .wbxml files are exactly what the encoder
// produces. Regenerate the .wbxml files with UPDATE_FIXTURES=1 after changing an .xml file.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeWbxml, encodeWbxml, fromXml, toXml } from '@hma-lab/activesync';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const FIXTURES = readdirSync(dir)
  .filter((f) => f.endsWith('.xml'))
  .map((f) => f.slice(0, -4))
  .sort();

describe('command fixtures', () => {
  it('cover a request and a response for every command', () => {
    for (const cmd of [
      'sync',
      'foldersync',
      'foldercreate',
      'folderupdate',
      'folderdelete',
      'getitemestimate',
      'moveitems',
      'meetingresponse',
      'search-mailbox',
      'settings',
      'ping',
      'itemoperations',
      'provision',
      'provision-ack',
      'resolverecipients',
      'validatecert',
      'sendmail',
      'smartforward',
      'find',
    ]) {
      expect(FIXTURES).toContain(`${cmd}-request`);
      expect(FIXTURES).toContain(`${cmd}-response`);
    }
    expect(FIXTURES).toContain('smartreply-request'); // success is an empty answer
  });

  it.each(FIXTURES)('%s round-trips and matches its committed .wbxml', (name) => {
    const tree = fromXml(readFileSync(join(dir, `${name}.xml`), 'utf8'));
    const bytes = encodeWbxml(tree);
    const file = join(dir, `${name}.wbxml`);
    if (process.env.UPDATE_FIXTURES === '1' || !existsSync(file)) writeFileSync(file, bytes);
    expect(bytes.equals(readFileSync(file))).toBe(true);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x03, 0x01, 0x6a, 0x00]));
    const decoded = decodeWbxml(bytes);
    expect(decoded).toEqual(tree);
    expect(fromXml(toXml(decoded, { pretty: true }))).toEqual(tree);
    expect(encodeWbxml(fromXml(toXml(decoded)))).toEqual(bytes);
  });
});
