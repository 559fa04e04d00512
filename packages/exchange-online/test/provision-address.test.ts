import { afterTimers, randomText, seededRandom } from '@hma-lab/core/testing';
import { HmaApiError } from '../src/errors.js';
import { provisionRequestFromBody } from '../src/http/provision-endpoint.js';

/** The address check as it was written: the reference for what it accepts. */
const ADDRESS_BY_REGEX = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The field a provisioning body with `emailAddress` is refused for (undefined: accepted). */
function refusedField(emailAddress: string): string | undefined {
  try {
    provisionRequestFromBody({
      emailAddress,
      activeSyncUrl: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
      deviceId: 'phone1',
    });
  } catch (error) {
    if (error instanceof HmaApiError) return String(error.detail.field);
    throw error;
  }
  return undefined;
}

describe('provisioning API: the emailAddress check', () => {
  it('accepts what the regular expression accepted, on random text', () => {
    const next = seededRandom(11);
    const alphabet = ['a', 'b', '@', '.', '.', ' ', '\t', '\u00a0', '\u2028', '-'];
    for (let i = 0; i < 20_000; i++) {
      const email = randomText(next, alphabet, Math.floor(next() * 12));
      const refused = refusedField(email) === 'emailAddress';
      if (refused !== !ADDRESS_BY_REGEX.test(email)) {
        throw new Error(`${JSON.stringify(email)}: refused ${refused}`);
      }
    }
  });

  /**
   * The regular expression was quadratic in a domain of dots failing at its
   * end (64 KB: 2 s; a 1 MiB body minutes, every party of the lab frozen).
   * It takes milliseconds now, so jest's 5 s timeout tells the two apart; no
   * wall-clock bound is asserted.
   */
  it('refuses 1 MiB of dots after an @ (linear, not quadratic)', async () => {
    expect(refusedField(`x@${'.'.repeat(1024 * 1024)} `)).toBe('emailAddress');
    await afterTimers();
  }, 5_000);
});
