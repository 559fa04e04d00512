/** One address of an address list: the display name (empty when none was written) and the address. */
export interface ListedAddress {
  name: string;
  email: string;
}

/**
 * Reads an address list as ActiveSync items and mail headers carry it
 * (`Email:To`, `Email:Cc`, `Email:From`, a message's `To:`):
 * `"Name" <addr>, Name2 <addr2>, addr3`, with `;` also separating entries, as
 * some clients write. Separators inside quotes or angle brackets do not count;
 * an entry with neither `<addr>` nor an `@` is skipped.
 *
 * One pass over the text, each entry cut out by position: a SendMail's `To:`
 * may be megabytes long.
 */
export function parseAddressList(text: string | undefined): ListedAddress[] {
  if (!text) return [];
  const result: ListedAddress[] = [];
  const take = (part: string): void => {
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
  let quoted = false;
  let angle = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */ && !angle) quoted = !quoted;
    else if (c === 0x3c /* < */ && !quoted) angle = true;
    else if (c === 0x3e /* > */ && !quoted) angle = false;
    else if ((c === 0x2c /* , */ || c === 0x3b) /* ; */ && !quoted && !angle) {
      take(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  take(text.slice(start).trim());
  return result;
}
