import { randomText, seededRandom } from '@hma-lab/core/testing';
import { parseAddressList, type ListedAddress } from '@hma-lab/activesync';

/**
 * The address-list reader as it was in on-premises Exchange (and, copied, in
 * the Outlook service), before it cut entries out by position instead of
 * adding each character to a string (a 10 MiB `To:` of a SendMail took ~1.3 s,
 * every party of the lab frozen meanwhile): the reference for what it gives.
 */
function parseAddressListAsBefore(text: string | undefined): ListedAddress[] {
  if (!text) return [];
  const result: ListedAddress[] = [];
  let current = '';
  let quoted = false;
  let angle = false;
  const flush = (): void => {
    const part = current.trim();
    current = '';
    if (!part) return;
    const match = /^(.*?)<([^<>]+)>\s*$/.exec(part);
    if (match) {
      const name = match[1]!
        .trim()
        .replace(/^"(.*)"$/, '$1')
        .trim();
      result.push({ name, email: match[2]!.trim() });
    } else if (part.includes('@')) {
      result.push({ name: '', email: part.replace(/^"(.*)"$/, '$1') });
    }
  };
  for (const ch of text) {
    if (ch === '"' && !angle) quoted = !quoted;
    else if (ch === '<' && !quoted) angle = true;
    else if (ch === '>' && !quoted) angle = false;
    if ((ch === ',' || ch === ';') && !quoted && !angle) flush();
    else current += ch;
  }
  flush();
  return result;
}

describe('address lists', () => {
  it('reads address lists as the reader before it did, on random lists', () => {
    const random = seededRandom(5322);
    // Separators, quotes and brackets in every arrangement, with a surrogate pair and spaces.
    const alphabet = ['a', 'b', '@', '.', ',', ';', '"', '<', '>', ' ', 'é', '\u{1f600}', '\t'];
    const differing: string[] = [];
    for (let n = 0; n < 20_000; n++) {
      const text = randomText(random, alphabet, 1 + Math.floor(random() * 40));
      const [now, before] = [parseAddressList(text), parseAddressListAsBefore(text)];
      if (JSON.stringify(now) !== JSON.stringify(before)) differing.push(text);
    }
    expect(differing).toEqual([]);
    expect(parseAddressList('"Wong, Alice" <alice@contoso.com>; bob@contoso.com')).toEqual([
      { name: 'Wong, Alice', email: 'alice@contoso.com' },
      { name: '', email: 'bob@contoso.com' },
    ]);
  });
});
