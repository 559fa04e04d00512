import { createTestContext } from '@hma-lab/core';
import { afterTimers, randomText, seededRandom } from '@hma-lab/core/testing';
import { resolveAutodiscoverConfig } from '../src/config.js';
import { answerAutodiscover } from '../src/protocol/autodiscover.js';
import { AutodiscoverError } from '../src/errors.js';

/** The address check as it was written: the reference for what it accepts. */
const ADDRESS_BY_REGEX = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function setup() {
  const deps = createTestContext().depsFor('onprem-autodiscover');
  const ctx = {
    directory: deps.directory,
    hosts: deps.hosts,
    config: resolveAutodiscoverConfig(deps),
  };
  /** The error code answered for `email` (undefined: not an address error). */
  return (email: string): string | undefined => {
    try {
      answerAutodiscover({ email, protocol: 'ActiveSync', redirectCount: undefined }, ctx);
    } catch (error) {
      if (error instanceof AutodiscoverError) return error.code;
      throw error;
    }
    return undefined;
  };
}

describe('on-prem AutoDiscover: the address check', () => {
  it('accepts what the regular expression accepted, on random text', () => {
    const codeFor = setup();
    const next = seededRandom(7);
    const alphabet = ['a', 'b', '@', '.', '.', ' ', '\t', '\u00a0', '\u2028', '-'];
    for (let i = 0; i < 20_000; i++) {
      const email = randomText(next, alphabet, Math.floor(next() * 12));
      const trimmed = email.trim();
      const invalid = codeFor(email) === 'InvalidUser';
      if (invalid !== !ADDRESS_BY_REGEX.test(trimmed)) {
        throw new Error(`${JSON.stringify(email)}: InvalidUser ${invalid}`);
      }
    }
  });

  /**
   * The regular expression was quadratic in a domain of dots failing at its
   * end (16 KB, what a URL can carry: 0.14 s; 64 KB: 2 s). 1 MiB takes
   * milliseconds now, so jest's 5 s timeout tells the two apart; no
   * wall-clock bound is asserted.
   */
  it('answers 1 MiB of dots after an @ (linear, not quadratic)', async () => {
    const codeFor = setup();
    expect(codeFor(`x@${'.'.repeat(1024 * 1024)} x`)).toBe('InvalidUser');
    expect(codeFor(`x@${'.'.repeat(1024 * 1024)}@`)).toBe('InvalidUser');
    await afterTimers();
  }, 5_000);
});
