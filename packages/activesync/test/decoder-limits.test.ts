import { decodeWbxml, WbxmlError } from '@hma-lab/activesync';

const HEADER = [0x03, 0x01, 0x6a, 0x00];
const doc = (...body: number[]): Uint8Array => Uint8Array.from([...HEADER, ...body]);
const str = (s: string): number[] => [0x03, ...Buffer.from(s, 'utf8'), 0x00];

function rejection(bytes: Uint8Array, limits?: Parameters<typeof decodeWbxml>[1]): WbxmlError {
  try {
    decodeWbxml(bytes, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(WbxmlError);
    return err as WbxmlError;
  }
  throw new Error('decodeWbxml accepted the input');
}

describe('decodeWbxml rejects malformed input with a WbxmlError naming the offset', () => {
  it.each([
    ['empty input', Uint8Array.of(), /empty input/, 0],
    ['a header only', doc(), /no root element/, 4],
    [
      'WBXML version 2.0',
      Uint8Array.of(0x10, 0x01, 0x6a, 0x00, 0x45, 0x01),
      /unsupported WBXML version/,
      0,
    ],
    [
      'a Latin-1 charset',
      Uint8Array.of(0x03, 0x01, 0x04, 0x00, 0x45, 0x01),
      /unsupported charset 4/,
      2,
    ],
    [
      'a string table longer than the input',
      Uint8Array.of(0x03, 0x01, 0x6a, 0x10, 0x00),
      /string table/,
      3,
    ],
    [
      'an unterminated inline string',
      doc(0x45, 0x4b, 0x03, 0x41, 0x42),
      /inline string without terminator/,
      6,
    ],
    ['invalid UTF-8', doc(0x45, 0x4b, 0x03, 0xc3, 0x28, 0x00, 0x01, 0x01), /not valid UTF-8/, 7],
    ['opaque data past the end', doc(0x45, 0x4b, 0xc3, 0x10, 0x41), /opaque data of 16 bytes/, 6],
    [
      'an mb_u_int32 over 32 bits',
      doc(0x45, 0x4b, 0xc3, 0x9f, 0xff, 0xff, 0xff, 0x7f),
      /overflows mb_u_int32/,
      7,
    ],
    [
      'an mb_u_int32 of 6 bytes',
      doc(0x45, 0x4b, 0xc3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
      /more than 5 bytes/,
      7,
    ],
    ['a tag with attributes', doc(0x85), /attributes/, 4],
    ['a LITERAL tag', doc(0x04, 0x00), /LITERAL/, 4],
    ['an extension token', doc(0x45, 0xc0, 0x01), /extension token 0xC0/, 5],
    ['a processing instruction', doc(0x43), /processing instructions/, 4],
    ['code page 26', doc(0x00, 26, 0x45), /unknown code page 26/, 4],
    [
      'an unknown token',
      doc(0x00, 0x05, 0x7f),
      /unknown tag token 0x3F on code page 5 \(Move\)/,
      6,
    ],
    ['END without an element', doc(0x01), /END without an open element/, 4],
    ['bytes after the root', doc(0x45, 0x01, 0x01), /1 unexpected byte/, 6],
    ['a second root', doc(0x05, 0x05), /1 unexpected byte\(s\) after the root element/, 5],
    ['an unclosed element', doc(0x45, 0x5c), /2 element\(s\) not closed/, 6],
    ['text before the root', doc(...str('x'), 0x05), /content outside of any element/, 4],
    [
      'a NUL character entity',
      doc(0x45, 0x4b, 0x02, 0x00, 0x01, 0x01),
      /invalid character entity 0/,
      6,
    ],
    [
      'a string-table reference out of range',
      doc(0x45, 0x4b, 0x83, 0x05, 0x01, 0x01),
      /string table offset 5/,
      6,
    ],
  ])('%s', (_name, bytes, message, offset) => {
    const err = rejection(bytes);
    expect(err.message).toMatch(message);
    expect(err.offset).toBe(offset);
    expect(err.message).toContain(`(at offset ${offset})`);
  });

  it('limits the nesting depth (default 64)', () => {
    const deep = (n: number): Uint8Array =>
      doc(...new Array<number>(n).fill(0x45), ...new Array<number>(n).fill(0x01));
    expect(() => decodeWbxml(deep(64))).not.toThrow();
    expect(rejection(deep(65)).message).toMatch(/nesting deeper than 64/);
    expect(rejection(deep(11), { maxDepth: 10 }).message).toMatch(/nesting deeper than 10/);
  });

  it('limits the number of elements, the input size and single strings', () => {
    const many = doc(0x45, ...new Array<number>(50).fill(0x13), 0x01);
    expect(rejection(many, { maxElements: 20 }).message).toMatch(/more than 20 elements/);
    expect(rejection(many, { maxBytes: 16 }).message).toMatch(/exceeds the limit of 16/);
    const long = doc(0x45, 0x4b, ...str('x'.repeat(100)), 0x01, 0x01);
    expect(rejection(long, { maxStringBytes: 64 }).message).toMatch(/inline string longer than 64/);
    const blob = doc(0x45, 0x4b, 0xc3, 100, ...new Array<number>(100).fill(7), 0x01, 0x01);
    expect(rejection(blob, { maxStringBytes: 64 }).message).toMatch(/opaque data longer than 64/);
  });

  it('reads what other encoders may legally write: entities, string tables, public id strings', () => {
    // publicid 0 + index 0 into a string table holding "x\0" and "Inbox\0"; STR_T 2 = "Inbox"
    const bytes = Uint8Array.from([
      0x03,
      0x00,
      0x00,
      0x6a,
      0x08,
      0x78,
      0x00,
      ...Buffer.from('Inbox'),
      0x00,
      0x00,
      0x07,
      0x56,
      0x47,
      0x83,
      0x02,
      0x02,
      0x41,
      0x01,
      0x01,
    ]);
    expect(decodeWbxml(bytes)).toEqual({
      tag: 'FolderHierarchy:FolderSync',
      children: [{ tag: 'FolderHierarchy:DisplayName', children: [], text: 'InboxA' }],
    });
  });
});
