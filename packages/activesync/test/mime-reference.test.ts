import { randomText, seededRandom } from '@hma-lab/core/testing';
import { parseMime } from '../src/format/mime.js';

/**
 * The quoted-printable decoder was rewritten to write bytes into one buffer (a
 * 10 MiB quoted-printable body took ~1 s, every party of the lab frozen
 * meanwhile). This is the decoder as it was, the reference for what the new
 * one gives. (The address-list reader: @hma-lab/activesync's address-list test.)
 */
function decodeQuotedPrintableAsBefore(text: string): Buffer {
  const soft = text.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < soft.length; i++) {
    const ch = soft[i]!;
    const hex = soft.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else bytes.push(soft.charCodeAt(i) & 0xff);
  }
  return Buffer.from(bytes);
}

/** A message whose text body is `body` in quoted-printable (Latin-1, so every decoded byte is one character). */
function quotedPrintableMessage(body: string): Buffer {
  return Buffer.from(
    'From: a@contoso.com\r\nSubject: qp\r\nContent-Type: text/plain; charset=iso-8859-1\r\n' +
      `Content-Transfer-Encoding: quoted-printable\r\n\r\n${body}`,
    'latin1',
  );
}

const MiB = 1024 * 1024;

describe('SendMail quoted-printable bodies and long address lists', () => {
  it('decodes quoted-printable bodies as the decoder before it did, on random bodies', () => {
    const random = seededRandom(2045);
    const alphabet = ['=', '3', 'D', 'a', 'F', 'g', '0', '\r', '\n', '=\r\n', '=\n', ' ', 'ÿ'];
    const differing: string[] = [];
    for (let n = 0; n < 5_000; n++) {
      const body = randomText(random, alphabet, 1 + Math.floor(random() * 30));
      const before = decodeQuotedPrintableAsBefore(body)
        .toString('latin1')
        .replace(/\0/g, '\ufffd');
      if (parseMime(quotedPrintableMessage(body)).text !== before) differing.push(body);
    }
    expect(differing).toEqual([]);
    expect(parseMime(quotedPrintableMessage('caf=E9 =3D=\r\nend')).text).toBe('café =end');
  });

  it('reads a 2 MiB To: header and a 2 MiB quoted-printable body whole', () => {
    const entry = '"User, Some" <someone@contoso.com>, ';
    const to = entry.repeat(Math.ceil((2 * MiB) / entry.length));
    const big = parseMime(Buffer.from(`From: a@contoso.com\r\nTo: ${to}\r\n\r\nbody`, 'latin1'));
    expect(big.to).toHaveLength(Math.ceil((2 * MiB) / entry.length));
    expect(big.to[0]).toEqual({ name: 'User, Some', email: 'someone@contoso.com' });
    const line = 'caf=E9 au lait =3D tea,=20coffee=\r\n';
    const qp = parseMime(quotedPrintableMessage(line.repeat(Math.ceil((2 * MiB) / line.length))));
    expect(qp.text.startsWith('café au lait = tea, coffeecafé')).toBe(true);
    expect(qp.text).toHaveLength(
      Math.ceil((2 * MiB) / line.length) * 'café au lait = tea, coffee'.length,
    );
  });
});
