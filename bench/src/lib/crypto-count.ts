import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

/**
 * Counts the RSA signatures and verifications made while `fn` runs, by
 * wrapping node:crypto's entry points (every JWT and XML signature of the lab
 * goes through them: core's signJwt / verifyJwtSignature, xml-crypto). Named
 * ESM imports of node:crypto see the wrappers through syncBuiltinESMExports.
 * Only for a counting pass: the wrappers are removed afterwards.
 */
export async function countCrypto<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; signs: number; verifies: number }> {
  const original = {
    createSign: crypto.createSign,
    createVerify: crypto.createVerify,
    sign: crypto.sign,
    verify: crypto.verify,
  };
  let signs = 0;
  let verifies = 0;
  const mutable = crypto as unknown as Record<string, unknown>;
  mutable.createSign = (...args: Parameters<typeof crypto.createSign>) => {
    signs++;
    return original.createSign(...args);
  };
  mutable.createVerify = (...args: Parameters<typeof crypto.createVerify>) => {
    verifies++;
    return original.createVerify(...args);
  };
  mutable.sign = (...args: unknown[]) => {
    signs++;
    return (original.sign as (...a: unknown[]) => unknown)(...args);
  };
  mutable.verify = (...args: unknown[]) => {
    verifies++;
    return (original.verify as (...a: unknown[]) => unknown)(...args);
  };
  syncBuiltinESMExports();
  try {
    const result = await fn();
    return { result, signs, verifies };
  } finally {
    Object.assign(mutable, original);
    syncBuiltinESMExports();
  }
}
