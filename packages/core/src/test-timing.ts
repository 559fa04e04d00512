/**
 * Helpers for tests that check a scan is linear, or compare a rewrite with the
 * code it replaced on random inputs, without asserting wall-clock time.
 * Imported as `@hma-lab/core/testing`, apart from the library's main entry.
 */

/**
 * Lets jest's timeout fail a test whose synchronous work ran past it: jest
 * cannot interrupt that work, but its timer, due meanwhile, fires before the
 * one this waits for. Await it right after the work under test.
 */
export function afterTimers(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** A small deterministic generator (mulberry32) of numbers in [0, 1), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `length` units drawn from `alphabet` with `random` (a {@link seededRandom}),
 * joined: random inputs for comparing a rewrite with the code it replaced.
 */
export function randomText(
  random: () => number,
  alphabet: readonly string[],
  length: number,
): string {
  let text = '';
  for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)]!;
  return text;
}
