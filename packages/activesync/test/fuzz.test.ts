// Property test: 100,000 random and mutated inputs. The decoder never crashes, hangs or
// throws anything but a WbxmlError; whatever it accepts re-encodes to the same tree.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { decodeWbxml, encodeWbxml, WbxmlError } from '@hma-lab/activesync';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');
const seeds = readdirSync(dir)
  .filter((f) => f.endsWith('.wbxml'))
  .sort()
  .map((f) => new Uint8Array(readFileSync(join(dir, f))));

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [
  0x00, 0x01, 0x02, 0x03, 0x04, 0x40, 0x43, 0x45, 0x80, 0x83, 0x85, 0xc3, 0xff, 0x7f, 0x19, 0x3f,
];

function generate(rand: () => number): Uint8Array {
  const int = (n: number): number => Math.floor(rand() * n);
  const byte = (): number => (rand() < 0.5 ? INTERESTING[int(INTERESTING.length)]! : int(256));
  const mode = int(4);
  if (mode === 0) {
    // random bytes, half of them behind a valid header
    const body = Array.from({ length: int(48) }, byte);
    return Uint8Array.from(rand() < 0.5 ? [0x03, 0x01, 0x6a, 0x00, ...body] : body);
  }
  if (mode === 1) {
    // token soup: plausible tags, switches, strings and lengths
    const out = [0x03, 0x01, 0x6a, 0x00];
    for (let i = int(40); i > 0; i--) {
      const r = rand();
      if (r < 0.1) out.push(0x00, int(30));
      else if (r < 0.2)
        out.push(0x03, ...Array.from({ length: int(5) }, () => 0x41 + int(26)), 0x00);
      else if (r < 0.25) out.push(0xc3, int(8), ...Array.from({ length: int(8) }, byte));
      else if (r < 0.4) out.push(0x01);
      else out.push(0x05 + int(59) + (rand() < 0.6 ? 0x40 : 0));
    }
    return Uint8Array.from(out);
  }
  // mutations of a real document
  const seed = seeds[int(seeds.length)]!;
  const bytes = Array.from(seed);
  const edits = 1 + int(4);
  for (let i = 0; i < edits; i++) {
    const at = int(bytes.length + 1);
    const r = rand();
    if (r < 0.35) bytes[Math.min(at, bytes.length - 1)] = byte();
    else if (r < 0.55) bytes.splice(at, 0, ...Array.from({ length: 1 + int(4) }, byte));
    else if (r < 0.75) bytes.splice(at, 1 + int(8));
    else if (r < 0.9) bytes.length = Math.min(bytes.length, at);
    else bytes.splice(at, 0, ...bytes.slice(int(bytes.length), int(bytes.length) + 16));
  }
  return Uint8Array.from(bytes);
}

describe('decoder fuzzing', () => {
  const afterTest: Array<() => void> = [];
  afterEach(() => afterTest.splice(0).forEach((undo) => undo()));

  it('survives 100,000 random and mutated inputs: a tree or a WbxmlError, nothing else', () => {
    const rand = prng(0x5eed);
    // Stack traces (source-mapped under jest) would dominate the run; no rejection needs one here.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    afterTest.push(() => (Error.stackTraceLimit = stackTraceLimit));
    let accepted = 0;
    let rejected = 0;
    for (let i = 0; i < 100_000; i++) {
      const input = generate(rand);
      let tree;
      try {
        tree = decodeWbxml(input, { maxDepth: 32, maxElements: 10_000 });
      } catch (err) {
        if (!(err instanceof WbxmlError)) {
          throw new Error(`input ${Buffer.from(input).toString('hex')} threw ${String(err)}`, {
            cause: err,
          });
        }
        // plain checks, not expect(): this loop runs 100,000 times
        if (!Number.isInteger(err.offset) || err.offset < 0 || err.offset > input.length) {
          throw new Error(
            `offset ${err.offset} outside input ${Buffer.from(input).toString('hex')}`,
            { cause: err },
          );
        }
        rejected++;
        continue;
      }
      accepted++;
      if (!isDeepStrictEqual(decodeWbxml(encodeWbxml(tree)), tree)) {
        throw new Error(`re-encoding changed the tree of ${Buffer.from(input).toString('hex')}`);
      }
    }
    Error.stackTraceLimit = stackTraceLimit;
    expect(accepted + rejected).toBe(100_000);
    expect(accepted).toBeGreaterThan(1_000); // the mutations do reach the accepting paths
    expect(rejected).toBeGreaterThan(50_000);
  });

  it('stops a large hostile input at its limit, not at its end', () => {
    // 4 MiB of "open element" tokens under a depth limit: rejected where the limit
    // is crossed, without reading on (or recursing) through the rest.
    const big = new Uint8Array(4 * 1024 * 1024).fill(0x45);
    big.set([0x03, 0x01, 0x6a, 0x00]);
    const deep = rejection(big);
    expect(deep.message).toMatch(/nesting deeper than 64/);
    expect(deep.offset).toBeLessThan(100);
    // many empty elements: stopped by the element limit
    const flat = new Uint8Array(2 * 1024 * 1024).fill(0x13);
    flat.set([0x03, 0x01, 0x6a, 0x00, 0x45]);
    const many = rejection(flat);
    expect(many.message).toMatch(/more than 200000 elements/);
    expect(many.offset).toBeLessThan(200_100);
  });
});

function rejection(input: Uint8Array): WbxmlError {
  try {
    decodeWbxml(input);
  } catch (error) {
    if (error instanceof WbxmlError) return error;
    throw error;
  }
  throw new Error('the input was accepted');
}
