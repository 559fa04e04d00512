import { constants, createVerify, sign as cryptoSign, type KeyObject } from 'node:crypto';

/** A JWT split into its decoded parts; no signature check. */
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** True when `text` has the three-part compact JWS shape. */
export function looksLikeJwt(text: string): boolean {
  return text.length < 65_536 && JWT_SHAPE.test(text);
}

/**
 * Decodes a compact JWT without verifying it (for traces and diagnostics).
 * Returns undefined when the text is not a JWT whose header and payload are JSON objects.
 */
export function decodeJwt(raw: string): DecodedJwt | undefined {
  if (!looksLikeJwt(raw)) return undefined;
  const [h, p] = raw.split('.');
  try {
    const header: unknown = JSON.parse(Buffer.from(h!, 'base64url').toString('utf8'));
    const claims: unknown = JSON.parse(Buffer.from(p!, 'base64url').toString('utf8'));
    if (!isObject(header) || !isObject(claims)) return undefined;
    return { header, claims };
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What signs a JWT: an RSA private key and the identifiers published for it in JWKS. */
export interface JwtSigner {
  kid: string;
  x5t?: string;
  privateKey: KeyObject;
}

/**
 * Signs `claims` as a compact RS256 JWS (RFC 7515) with header
 * `{typ: 'JWT', alg: 'RS256', x5t, kid}` as Entra writes it.
 *
 * Uses node:crypto directly: RS256 signing is the cost that bounds a token
 * endpoint (see reference/performance-notes.md), and this avoids re-importing keys.
 */
export function signJwt(
  signer: JwtSigner,
  claims: Record<string, unknown>,
  extraHeader: Record<string, unknown> = {},
): string {
  return signedHere(signingInput(signer, claims, extraHeader), signer.privateKey);
}

/** The compact JWS of a signing input, signed on the calling thread. */
function signedHere(input: string, key: KeyObject): string {
  return jws(input, cryptoSign('sha256', Buffer.from(input, 'utf8'), key));
}

/** `input.signature`, the signature in base64url. */
function jws(input: string, signature: Buffer): string {
  return `${input}.${signature.toString('base64url')}`;
}

/** `base64url(header).base64url(claims)` with Entra's header `{typ, alg, x5t, kid}`. */
function signingInput(
  signer: JwtSigner,
  claims: Record<string, unknown>,
  extraHeader: Record<string, unknown>,
): string {
  const header = {
    typ: 'JWT',
    alg: 'RS256',
    ...(signer.x5t ? { x5t: signer.x5t } : {}),
    kid: signer.kid,
    ...extraHeader,
  };
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
}

/**
 * Where {@link signJwtAsync} signs. On libuv's thread pool a signature frees
 * the event loop for other requests while it runs; for a request that is
 * alone it costs more than it frees: waking an idle pool thread, then the
 * event loop when the signature is done, took ~1 ms of a 7 ms single-device
 * flow with 3 signatures on the 2-vCPU machines (decision 0004). So a
 * signature runs on the event loop when none is on the pool and the process
 * is not signing at a rate that means load. What counts as load depends on
 * where requests come from:
 *
 * - While no server of the process answers over sockets (every lab
 *   in-process: a test suite, the bench's flows), all load is the process's
 *   own devices. A signature is due on the event loop unless the third most
 *   recent one started within {@link BURST_WINDOW_MS}: a flow's bursts (an
 *   access token with its ID token, then AT2) stay off the pool's queue, while
 *   several devices at once, or a batch of renewals, sign on the pool. Those
 *   due on the event loop in one turn are made together ({@link signHeld}):
 *   the first there, the others on the pool at the same time.
 * - While one does ({@link countSocketServer}: `hma-lab up`, a loopback lab),
 *   requests arrive unseen, and after any stall of the process in bursts; a
 *   signature on the event loop then holds up every request behind it. There a
 *   signature runs on the event loop only if none started within the last
 *   {@link LONE_GAP_MS}. (The in-process rule put 2.4 times as many
 *   signatures on the event loop of `hma-lab up` under 16 connections, and
 *   lost up to 3 % of its requests in 3 pairs of runs.)
 */
const signing = {
  /** Signatures queued on the thread pool and not yet reported back. */
  onPool: 0,
  socketServers: 0,
  /** When the last three signatures started, oldest at `next`. */
  starts: [Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY],
  next: 0,
};
const LONE_GAP_MS = 1;
const BURST_WINDOW_MS = 3;

/** Whether a signature asked for at `now` runs on the event loop (see {@link signing}); notes its start. */
function signsHere(now: number): boolean {
  const { starts } = signing;
  const newest = starts[(signing.next + 2) % 3]!;
  const thirdNewest = starts[signing.next]!;
  starts[signing.next] = now;
  signing.next = (signing.next + 1) % 3;
  if (signing.onPool > 0) return false;
  return signing.socketServers > 0
    ? now - newest >= LONE_GAP_MS
    : now - thirdNewest >= BURST_WINDOW_MS;
}

/**
 * Counts a server of this process that answers over sockets, until the
 * returned function is called (once; later calls do nothing). While any is
 * counted, {@link signJwtAsync} keeps a signature on the event loop only when
 * it is alone (see {@link signing}). The lab's `listen` counts its servers.
 */
export function countSocketServer(): () => void {
  signing.socketServers++;
  let counted = true;
  return () => {
    if (!counted) return;
    counted = false;
    signing.socketServers--;
  };
}

/** How many socket servers {@link countSocketServer} counts now. */
export function countedSocketServers(): number {
  return signing.socketServers;
}

/**
 * {@link signJwt} for a caller that can wait: the same compact JWS (RS256 is
 * deterministic, so byte for byte the same token). Under load the RSA
 * operation runs on libuv's thread pool, so a token endpoint keeps its event
 * loop free while it signs and signs on every core at once; a signature that
 * is alone, or one of a single flow's few, runs on the event loop (see
 * {@link signing}).
 */
export function signJwtAsync(
  signer: JwtSigner,
  claims: Record<string, unknown>,
  extraHeader: Record<string, unknown> = {},
): Promise<string> {
  const input = signingInput(signer, claims, extraHeader);
  if (signsHere(performance.now())) {
    if (signing.socketServers === 0) {
      return new Promise((resolve, reject) => {
        if (held.push({ input, key: signer.privateKey, resolve, reject }) === 1) {
          queueMicrotask(signHeld);
        }
      });
    }
    try {
      return Promise.resolve(signedOnLoop(input, signer.privateKey));
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }
  return new Promise((resolve, reject) =>
    signOnPool({ input, key: signer.privateKey, resolve, reject }),
  );
}

interface SignatureAsked {
  input: string;
  key: KeyObject;
  resolve: (token: string) => void;
  reject: (error: Error) => void;
}

/** In-process signatures of one turn, due on the event loop (see {@link signHeld}). */
const held: SignatureAsked[] = [];

/**
 * Makes the in-process signatures due on the event loop in one turn (an
 * access token and its ID token, asked for together): the first there, the
 * others on the thread pool at the same time, so a sign-in waits for one RSA
 * operation instead of two (decision 0004, second refinement). A lone one is
 * made on the event loop at the end of its turn.
 */
function signHeld(): void {
  const batch = held.splice(0);
  for (let i = 1; i < batch.length; i++) signOnPool(batch[i]!);
  const first = batch[0]!;
  try {
    first.resolve(signedOnLoop(first.input, first.key));
  } catch (error) {
    first.reject(error as Error);
  }
}

/**
 * A signature {@link signsHere} kept on the event loop. It counts as started
 * when it ends: the event loop did nothing else meanwhile, so a request read
 * right after it is as close to it as to one that took no time. Counted from
 * its start, a signature as slow as the gap (~1 ms on the AMD machines) put
 * every signature of `hma-lab up` under load on the event loop: each next one
 * started a signature's length after the last.
 */
function signedOnLoop(input: string, key: KeyObject): string {
  const token = signedHere(input, key);
  signing.starts[(signing.next + 2) % 3] = performance.now();
  return token;
}

function signOnPool(asked: SignatureAsked): void {
  const { input, resolve, reject } = asked;
  try {
    cryptoSign('sha256', Buffer.from(input, 'utf8'), asked.key, (error, signature) => {
      signing.onPool--;
      if (error) reject(error);
      else resolve(jws(input, signature));
    });
  } catch (error) {
    reject(error as Error);
    return;
  }
  // Counted once queued: a call that throws (a bad key) never calls back.
  signing.onPool++;
}

/** The RSA signature algorithms a lab party checks: PKCS#1 v1.5 and PSS, both with SHA-256. */
export type RsaJwsAlgorithm = 'RS256' | 'PS256';

/**
 * Checks an RS256 (or, when asked, PS256) signature with a public key; claims
 * are not checked here. PS256 is RSASSA-PSS with SHA-256 and a salt as long as
 * the digest (RFC 7518 §3.5), what Entra asks of certificate client assertions.
 */
export function verifyJwtSignature(
  raw: string,
  publicKey: KeyObject,
  algorithm: RsaJwsAlgorithm = 'RS256',
): boolean {
  const dot = raw.lastIndexOf('.');
  if (dot < 0) return false;
  try {
    const key =
      algorithm === 'PS256'
        ? {
            key: publicKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
          }
        : publicKey;
    return createVerify('RSA-SHA256')
      .update(raw.slice(0, dot))
      .verify(key, Buffer.from(raw.slice(dot + 1), 'base64url'));
  } catch {
    return false;
  }
}

const b64Scratch = Buffer.allocUnsafe(16_384);

/**
 * base64url of `text`'s UTF-8 bytes, encoded through one reused buffer:
 * `Buffer.from` takes a token's ~1 KB of claims from node's 8 KiB pool, so
 * every few tokens it allocated a new pool (an ArrayBuffer the next
 * collections had to sweep).
 */
function b64url(text: string): string {
  // A UTF-16 code unit is at most 3 bytes of UTF-8.
  if (text.length * 3 > b64Scratch.length) return Buffer.from(text, 'utf8').toString('base64url');
  const length = b64Scratch.write(text, 'utf8');
  return b64Scratch.toString('base64url', 0, length);
}
