import { randomBytes } from 'node:crypto';

/** AES-128: the device key is 16 random bytes (seeds 000/001). */
export const DEVICE_KEY_BYTES = 16;

/**
 * Generates the device key Outlook creates the first time it runs against an
 * on-premises Exchange. It is kept only on the device; the cloud service sees
 * it in transit and wipes it after each use.
 */
export function generateDeviceKey(random: (size: number) => Buffer = randomBytes): Buffer {
  const key = random(DEVICE_KEY_BYTES);
  if (key.length !== DEVICE_KEY_BYTES) {
    throw new RangeError(`a device key is ${DEVICE_KEY_BYTES} bytes, got ${key.length}`);
  }
  return Buffer.from(key);
}
