/**
 * ActiveSync protocol versions (MS-ASHTTP 2.2.1.1.2.4) and what each Exchange
 * version offers: Exchange 2010 and 2013 stop at 14.1, 2016 and later add 16.0
 * and 16.1.
 */

/** `14.1` -> 141, `2.5` -> 25: comparable numbers. */
export function versionNumber(version: string): number {
  let number = VERSION_NUMBERS.get(version);
  if (number === undefined) {
    const [major, minor] = version.split('.');
    number = Number(major) * 10 + Number(minor ?? 0);
    // Remembered for the few versions there are (asked several times per request).
    if (VERSION_NUMBERS.size < 64) VERSION_NUMBERS.set(version, number);
  }
  return number;
}
const VERSION_NUMBERS = new Map<string, number>();

/** True when `version` is `min` or later. */
export function atLeast(version: string, min: string): boolean {
  return versionNumber(version) >= versionNumber(min);
}

/** The versions a mailbox's server offers, from the configured list. */
export function versionsForMailbox(
  exchangeVersion: string,
  configured: readonly string[],
): string[] {
  const cap = exchangeVersion === '2010' || exchangeVersion === '2013' ? 141 : Infinity;
  return configured.filter((v) => versionNumber(v) <= cap);
}

/** `MS-Server-ActiveSync` for a mailbox's server: the scenario's value from 2016 on. */
export function serverVersionFor(exchangeVersion: string, scenarioServerVersion: string): string {
  if (exchangeVersion === '2010') return '14.3';
  if (exchangeVersion === '2013') return '15.0';
  return scenarioServerVersion;
}
