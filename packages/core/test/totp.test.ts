import { base32Decode, hotp, totp, verifyTotp } from '@hma-lab/core';

// RFC 6238 Appendix B, SHA-1 with the 20-byte ASCII secret "12345678901234567890".
const RFC_SECRET_B32 = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('TOTP (RFC 6238)', () => {
  it.each([
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
  ])('matches the RFC test vector at T=%i', (seconds, code) => {
    expect(totp(RFC_SECRET_B32, seconds * 1000, { digits: 8 })).toBe(code);
  });

  it('matches RFC 4226 HOTP vectors', () => {
    const secret = Buffer.from('12345678901234567890');
    expect([0, 1, 2, 9].map((c) => hotp(secret, c))).toEqual([
      '755224',
      '287082',
      '359152',
      '520489',
    ]);
  });

  it('decodes base32 as authenticator apps write it', () => {
    expect(base32Decode('JBSWY3DPEHPK3PXP').toString('hex')).toBe('48656c6c6f21deadbeef');
    expect(() => base32Decode('JBSW1')).toThrow(/invalid base32/);
  });

  it('accepts one step of drift either side and nothing further', () => {
    const now = 1_700_000_000_000;
    const secret = 'JBSWY3DPEHPK3PXP';
    expect(verifyTotp(secret, totp(secret, now - 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totp(secret, now + 30_000), now)).toBe(true);
    expect(verifyTotp(secret, totp(secret, now - 90_000), now)).toBe(false);
    expect(verifyTotp(secret, 'abcdef', now)).toBe(false);
  });

  it('checks a code at the epoch itself (a lab clock started at 1970-01-01): no step before it', () => {
    const secret = 'JBSWY3DPEHPK3PXP';
    expect(verifyTotp(secret, totp(secret, 0), 0)).toBe(true);
    expect(verifyTotp(secret, totp(secret, 30_000), 0)).toBe(true);
    expect(verifyTotp(secret, '000000', 0)).toBe(totp(secret, 0) === '000000');
  });
});
