import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * The password at rest: encrypted with the user's device key (AES-128, seeds
 * 000/001). The seeds name AES-128 and nothing more; the lab uses
 * authenticated encryption (GCM), so a wrong key is detected instead of
 * yielding garbage, and binds the ciphertext to its account with associated
 * data, so a ciphertext copied to another account does not open.
 *
 * Secrets are Buffers so they can be overwritten ({@link wipe}) when no longer
 * needed. What node:crypto copies internally (the key schedule inside OpenSSL)
 * is freed with the cipher object; JavaScript gives no handle on it.
 */

/** AES-128: 16-byte keys. */
export const DEVICE_KEY_BYTES = 16;
/** GCM's recommended 96-bit nonce. */
const IV_BYTES = 12;
const TAG_BYTES = 16;
const ALGORITHM = 'aes-128-gcm';

export interface SealedPassword {
  readonly algorithm: 'AES-128-GCM';
  readonly iv: Buffer;
  readonly tag: Buffer;
  readonly ciphertext: Buffer;
}

/** The key does not open the ciphertext (wrong key, or the ciphertext or its context was altered). */
export class SealOpenError extends Error {
  override readonly name = 'SealOpenError';
  constructor() {
    super('the ciphertext does not open with this key');
  }
}

/**
 * Encrypts a password with a device key. Neither input is kept or changed;
 * the caller wipes them.
 *
 * @example
 * const sealed = sealPassword(Buffer.from('Passw0rd!'), deviceKey, Buffer.from(accountId));
 */
export function sealPassword(password: Buffer, deviceKey: Buffer, context: Buffer): SealedPassword {
  assertKey(deviceKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, deviceKey, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(context);
  const ciphertext = Buffer.concat([cipher.update(password), cipher.final()]);
  return { algorithm: 'AES-128-GCM', iv, tag: cipher.getAuthTag(), ciphertext };
}

/**
 * Decrypts a sealed password into a fresh Buffer (the caller wipes it).
 *
 * @throws SealOpenError when the key (or the context) is not the one it was sealed with.
 */
export function openSealedPassword(
  sealed: SealedPassword,
  deviceKey: Buffer,
  context: Buffer,
): Buffer {
  assertKey(deviceKey);
  const decipher = createDecipheriv(ALGORITHM, deviceKey, sealed.iv, {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(context);
  decipher.setAuthTag(sealed.tag);
  const head = decipher.update(sealed.ciphertext);
  try {
    const tail = decipher.final();
    const plain = Buffer.concat([head, tail]);
    wipe(head, tail);
    return plain;
  } catch {
    // GCM released unauthenticated bytes from update(): they must not linger.
    wipe(head);
    throw new SealOpenError();
  }
}

/** Overwrites secrets in place (zeros). Undefined entries are skipped. */
export function wipe(...buffers: Array<Buffer | undefined>): void {
  for (const buffer of buffers) buffer?.fill(0);
}

function assertKey(key: Buffer): void {
  if (key.length !== DEVICE_KEY_BYTES) {
    throw new RangeError(`a device key is ${DEVICE_KEY_BYTES} bytes, not ${key.length}`);
  }
}
