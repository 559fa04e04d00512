import { afterTimers } from '@hma-lab/core/testing';
import { decodeWbxml, WbxmlError } from '@hma-lab/activesync';

const MiB = 1024 * 1024;

/** `03 01 6A`, a string table of `table`, then `body`. */
function document(table: Uint8Array, body: Uint8Array): Buffer {
  return Buffer.concat([Uint8Array.of(0x03, 0x01, 0x6a), mbUInt32(table.length), table, body]);
}

function mbUInt32(n: number): Uint8Array {
  const bytes = [n & 0x7f];
  for (let rest = Math.floor(n / 128); rest > 0; rest = Math.floor(rest / 128)) {
    bytes.unshift((rest & 0x7f) | 0x80);
  }
  return Uint8Array.from(bytes);
}

/** `AirSync:Sync` with content, `unit` repeated `count` times, END. */
function syncOf(unit: number[], count: number): Uint8Array {
  const body = new Uint8Array(2 + unit.length * count);
  body[0] = 0x45;
  for (let i = 0; i < count; i++) body.set(unit, 1 + i * unit.length);
  body[body.length - 1] = 0x01;
  return body;
}

/**
 * Bodies on which decoding was quadratic or worse: one-byte OPAQUE blocks
 * were joined block by block (1 MiB: 4.7 s), and a string-table entry was
 * read again for every STR_T naming it (a 512 KB entry named 10,000 times ran
 * the process out of memory). Each takes milliseconds now, so jest's 5 s
 * timeout tells them apart; no wall-clock bound is asserted.
 */
describe('decodeWbxml on 1 MiB bodies built to be slow (linear, not quadratic)', () => {
  it('one element of one-byte OPAQUE blocks: their bytes joined in order', async () => {
    const count = Math.floor((MiB - 10) / 3);
    const blocks = syncOf([0xc3, 0x01, 0x41], count);
    blocks[blocks.length - 2] = 0x42; // the last block's byte
    const opaque = decodeWbxml(document(new Uint8Array(0), blocks)).opaque!;
    expect(opaque.length).toBe(count);
    expect(opaque[0]).toBe(0x41);
    expect(opaque[count - 1]).toBe(0x42);
    await afterTimers();
  }, 5_000);

  it('a 512 KB string-table entry named by every STR_T: refused past maxBytes', async () => {
    const table = new Uint8Array(MiB / 2).fill(0x61);
    table[table.length - 1] = 0;
    const bytes = document(table, syncOf([0x83, 0x00], MiB / 4));
    let error: unknown;
    try {
      decodeWbxml(bytes, { maxBytes: 2 * MiB });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WbxmlError);
    expect((error as WbxmlError).message).toMatch(
      /string table references add up to more than 2097152 bytes/,
    );
    await afterTimers();
  }, 5_000);

  it('an entry named again and again reads the same text each time', () => {
    // "x\0Inbox\0"; STR_T 2, STR_T 0, STR_T 2 in one FolderHierarchy:DisplayName
    const table = Uint8Array.from([0x78, 0x00, ...Buffer.from('Inbox'), 0x00]);
    const body = Uint8Array.of(
      0x00,
      0x07,
      0x56,
      0x47,
      0x83,
      0x02,
      0x83,
      0x00,
      0x83,
      0x02,
      0x01,
      0x01,
    );
    expect(decodeWbxml(document(table, body))).toEqual({
      tag: 'FolderHierarchy:FolderSync',
      children: [{ tag: 'FolderHierarchy:DisplayName', children: [], text: 'InboxxInbox' }],
    });
  });
});
