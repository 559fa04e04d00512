/** Hands back one copy of each value it has seen (see {@link createTextSharer}). */
export interface TextSharer {
  (value: string): string;
  /** How many distinct values it remembers. */
  readonly size: number;
}

/**
 * One copy of each value many records repeat. A string decoded from the wire
 * or built by a template is a new string each time, so 10,000 mailboxes that
 * hold the same sender, message class or server id hold 10,000 copies of it.
 * A sharer belongs to one store (gone with its lab) and is bounded: it
 * remembers the first `maxEntries` distinct values of up to `maxChars`
 * characters, never evicts, and hands anything else back unchanged.
 */
export function createTextSharer(
  limits: { maxChars?: number; maxEntries?: number } = {},
): TextSharer {
  const maxChars = limits.maxChars ?? 1024;
  const maxEntries = limits.maxEntries ?? 20_000;
  const known = new Map<string, string>();
  const share = (value: string): string => {
    if (value.length > maxChars) return value;
    const copy = known.get(value);
    if (copy !== undefined) return copy;
    if (known.size < maxEntries) known.set(value, value);
    return value;
  };
  return Object.defineProperty(share, 'size', { get: () => known.size }) as TextSharer;
}
