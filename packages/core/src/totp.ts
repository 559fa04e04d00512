import { createHmac } from 'node:crypto';

/**
 * Time-based one-time passwords (RFC 6238) over HOTP (RFC 4226), as an
 * authenticator app computes them: HMAC-SHA1, 30-second steps, 6 digits.
 * Entra's MFA page checks the code; the reference device computes it.
 */

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** Decodes RFC 4648 base32 (case-insensitive, padding and spaces ignored). */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new RangeError(`invalid base32 character "${char}"`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** HOTP value for a counter (RFC 4226 §5.3). */
export function hotp(secret: Buffer, counter: number, digits = 6): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = (mac.readUInt32BE(offset) & 0x7fffffff) % 10 ** digits;
  return binary.toString().padStart(digits, '0');
}

export interface TotpOptions {
  stepS?: number;
  digits?: number;
}

/** The TOTP code for a base32 secret at `atMs` (RFC 6238 §4). */
export function totp(secretBase32: string, atMs: number, options: TotpOptions = {}): string {
  const step = options.stepS ?? 30;
  return hotp(base32Decode(secretBase32), Math.floor(atMs / 1000 / step), options.digits ?? 6);
}

/**
 * Checks a code, accepting `window` steps either side of `atMs` for clock drift,
 * as authenticator-backed MFA services do.
 */
export function verifyTotp(
  secretBase32: string,
  code: string,
  atMs: number,
  options: TotpOptions & { window?: number } = {},
): boolean {
  if (!/^\d{6,8}$/.test(code)) return false;
  const step = options.stepS ?? 30;
  const secret = base32Decode(secretBase32);
  const counter = Math.floor(atMs / 1000 / step);
  const window = options.window ?? 1;
  for (let delta = -window; delta <= window; delta++) {
    // No step before the epoch (a lab clock started at 1970-01-01 has none).
    if (counter + delta < 0) continue;
    if (hotp(secret, counter + delta, options.digits ?? 6) === code) return true;
  }
  return false;
}
