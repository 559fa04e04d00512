import { createHash, randomBytes, randomUUID } from 'node:crypto';

/**
 * Identifiers Entra puts in tokens and responses. Random ones use node:crypto;
 * stable ones (pairwise `sub`, `puid`, service principal object ids) are
 * derived from the directory so they do not change between runs.
 */

/** A random GUID (trace ids, session ids, correlation ids). */
export function newGuid(): string {
  return randomUUID();
}

/**
 * Random bytes drawn from a pool refilled 8 KiB at a time: a token request
 * draws several small random values (aio, uti, grants), and one large read
 * costs much less than many small ones. The pool holds no lab state.
 */
const RANDOM_POOL_BYTES = 8192;
let randomPool = Buffer.alloc(0);
let randomOffset = 0;

/** Random base64url text of `bytes` random bytes. */
export function randomToken(bytes: number): string {
  if (bytes > RANDOM_POOL_BYTES) return randomBytes(bytes).toString('base64url');
  if (randomOffset + bytes > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomOffset = 0;
  }
  const text = randomPool.toString('base64url', randomOffset, randomOffset + bytes);
  randomOffset += bytes;
  return text;
}

/** An opaque grant in Entra's visible shape (`1.A` + base64url): codes and refresh tokens. */
export function newOpaqueGrant(): string {
  return `1.A${randomToken(96)}`;
}

/** True when `text` could be a grant this lab issued (shape only). */
export function looksLikeGrant(text: string): boolean {
  return /^1\.A[A-Za-z0-9_-]{20,}$/.test(text);
}

function digest(...parts: string[]): Buffer {
  return createHash('sha256').update(parts.join('|')).digest();
}

/**
 * The derived identifiers are pure functions of directory ids, asked for on
 * every token: remembered (a bounded cache of results, not lab state).
 */
function remembered<A extends string[]>(fn: (...args: A) => string): (...args: A) => string {
  const cache = new Map<string, string>();
  return (...args: A) => {
    const key = args.join('\u0000');
    let value = cache.get(key);
    if (value === undefined) {
      if (cache.size >= 50_000) cache.clear();
      value = fn(...args);
      cache.set(key, value);
    }
    return value;
  };
}

/** The pairwise `sub` of a user for one app (43 base64url characters, as Entra's). */
export const pairwiseSubject = remembered((userObjectId: string, appId: string): string =>
  digest('sub', userObjectId.toLowerCase(), appId.toLowerCase()).toString('base64url'),
);

/** A stable 16-hex-digit `puid` for a user. */
export const puidFor = remembered((userObjectId: string): string =>
  digest('puid', userObjectId.toLowerCase()).subarray(0, 8).toString('hex').toUpperCase(),
);

/** A stable GUID derived from `parts` (service principal ids, policy ids). */
export const stableGuid = remembered((...parts: string[]): string => {
  const hex = digest('guid', ...parts)
    .subarray(0, 16)
    .toString('hex');
  // Version 5-like layout so it parses as a GUID everywhere.
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16) + hex.slice(18, 20),
    hex.slice(20, 32),
  ].join('-');
});

/** `rh`: an opaque internal claim Entra adds; stable per tenant and app here. */
export const rhFor = remembered(
  (tenantId: string, appId: string): string =>
    `0.A${digest('rh', tenantId, appId).toString('base64url').slice(0, 40)}.`,
);

/** `aio`: an opaque internal claim; random. */
export function newAio(): string {
  return `E2${randomToken(40)}`;
}

/** `uti`: the token's unique id (22 base64url characters). */
export function newUti(): string {
  return randomToken(16);
}
