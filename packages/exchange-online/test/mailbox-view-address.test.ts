import { afterTimers, randomText, seededRandom } from '@hma-lab/core/testing';
import { addressFromEas, addressListFromEas } from '../src/protocol/mailbox-view.js';

/** addressFromEas as it was written with a regular expression: the reference for what it gives. */
function addressByRegex(text: string): { name: string; address: string } {
  const value = text.trim();
  const angle = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(value);
  if (angle) return { name: angle[1]!.trim() || angle[2]!.trim(), address: angle[2]!.trim() };
  return { name: value, address: value };
}

const MiB = 1024 * 1024;

describe('addressFromEas: a name and an address from an EAS address', () => {
  it('splits them as the regular expression did, on random text', () => {
    const next = seededRandom(3);
    const alphabet = ['"', '"', '<', '>', ' ', '\n', '\t', '\u00a0', 'a', 'b', '@'];
    for (let i = 0; i < 50_000; i++) {
      const text = randomText(next, alphabet, Math.floor(next() * 14));
      const actual = addressFromEas(text);
      const expected = addressByRegex(text);
      if (actual.name !== expected.name || actual.address !== expected.address) {
        throw new Error(`${JSON.stringify(text)}: ${JSON.stringify(actual)}`);
      }
    }
  });

  it('reads the forms Exchange writes', () => {
    expect(addressFromEas('"Megan Bowen" <megan@contoso.com>')).toEqual({
      name: 'Megan Bowen',
      address: 'megan@contoso.com',
    });
    expect(addressFromEas('<megan@contoso.com>')).toEqual({
      name: 'megan@contoso.com',
      address: 'megan@contoso.com',
    });
    expect(addressFromEas('megan@contoso.com')).toEqual({
      name: 'megan@contoso.com',
      address: 'megan@contoso.com',
    });
  });

  /**
   * The regular expression was quadratic in a long address without `<`
   * (8 KB: 23 ms; 1 MiB, as a SendMail's To can carry: minutes, every party
   * of the lab frozen). It takes milliseconds now, so jest's 5 s timeout tells
   * the two apart; no wall-clock bound is asserted.
   */
  it('reads 1 MiB of spaces between two characters (linear, not quadratic)', async () => {
    const text = `a@${' '.repeat(MiB)}b`;
    expect(addressFromEas(text).address).toBe(text);
    expect(addressListFromEas(`"${' '.repeat(MiB)}b`)).toHaveLength(1);
    await afterTimers();
  }, 5_000);
});
