import {
  createHash,
  createPrivateKey,
  createPublicKey,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JwtSigner } from './jwt.js';

/**
 * Signing keys of the lab's token issuers, with what JWKS and federation
 * metadata publish for them. Keys are loaded once and kept as KeyObjects:
 * re-importing per signature is a measurable cost (performance-notes.md).
 */
export interface SigningKey extends JwtSigner {
  /** SHA-1 thumbprint of the certificate, base64url (JWKS `x5t`; Entra uses it as `kid` too). */
  x5t: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The certificate, PEM. */
  certificatePem: string;
  /** The certificate, DER as base64 (JWKS `x5c`, SAML `X509Certificate`). */
  certificateBase64: string;
  /** The public key as a JWK with `kid`, `x5t`, `x5c`, `use: 'sig'`. */
  publicJwk: Record<string, unknown>;
}

/** Keys of one issuer: all are published, one signs; rotation moves the signer on. */
export interface KeyRing {
  /** The key that signs now. */
  active(): SigningKey;
  /** Every published key, signer first. */
  all(): SigningKey[];
  /** A published key by `kid`. */
  find(kid: string): SigningKey | undefined;
  /**
   * Makes the next key the signer (the old one stays published so tokens it
   * signed still verify). Returns the new signer.
   */
  rotate(): SigningKey;
  /** `{ keys: [...] }` as a JWKS endpoint serves it. */
  jwks(): { keys: Array<Record<string, unknown>> };
}

export interface KeyStore {
  /** Entra's token-signing keys. */
  entra: KeyRing;
  /** AD FS's token-signing key (one per farm here). */
  adfs: SigningKey;
  /** A certificate registered for a confidential test client (`private_key_jwt`). */
  testClient: SigningKey;
}

/** Builds a signing key from PEM texts. */
export function signingKeyFromPem(privateKeyPem: string, certificatePem: string): SigningKey {
  const privateKey = createPrivateKey(privateKeyPem);
  const certificate = new X509Certificate(certificatePem);
  const publicKey = createPublicKey(privateKey);
  const der = certificate.raw;
  const x5t = createHash('sha1').update(der).digest('base64url');
  const jwk = publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  return {
    kid: x5t,
    x5t,
    privateKey,
    publicKey,
    certificatePem,
    certificateBase64: der.toString('base64'),
    publicJwk: {
      kty: 'RSA',
      use: 'sig',
      kid: x5t,
      x5t,
      n: jwk.n,
      e: jwk.e,
      x5c: [der.toString('base64')],
      alg: 'RS256',
    },
  };
}

/** A ring over `keys`; the first signs. With `activeIndex`, another one does. */
export function createKeyRing(keys: SigningKey[], activeIndex = 0): KeyRing {
  if (keys.length === 0) throw new Error('a key ring needs at least one key');
  let active = activeIndex;
  // Published keys: everything up to one beyond the signer (the next key is
  // announced before it signs, as Entra does), never the ones further on.
  const published = (): SigningKey[] => {
    const upTo = Math.min(keys.length, active + 2);
    const list = keys.slice(0, upTo);
    return [list[active]!, ...list.filter((_, i) => i !== active)];
  };
  const ring: KeyRing = {
    active: () => keys[active]!,
    all: published,
    find: (kid) => published().find((k) => k.kid === kid),
    rotate() {
      if (active + 1 >= keys.length) throw new Error('no further key to rotate to');
      active += 1;
      return keys[active]!;
    },
    jwks: () => ({ keys: published().map((k) => k.publicJwk) }),
  };
  return ring;
}

const KEY_DIR = new URL('../keys/', import.meta.url);

function loadFixed(name: string): SigningKey {
  return signingKeyFromPem(
    readFileSync(new URL(`${name}.key.pem`, KEY_DIR), 'utf8'),
    readFileSync(new URL(`${name}.cert.pem`, KEY_DIR), 'utf8'),
  );
}

let fixedCache: { entra: SigningKey[]; adfs: SigningKey; testClient: SigningKey } | undefined;

/**
 * The fixed test keys in `packages/core/keys/` (see its README): every lab
 * built with them signs identically, and start-up skips RSA generation.
 * Each call returns a new key store (rings hold rotation state per lab); the
 * immutable key material is read from disk once per process.
 */
export function createFixedKeyStore(): KeyStore {
  fixedCache ??= {
    entra: ['entra-1', 'entra-2', 'entra-3'].map(loadFixed),
    adfs: loadFixed('adfs-signing'),
    testClient: loadFixed('client-1'),
  };
  return {
    entra: createKeyRing(fixedCache.entra),
    adfs: fixedCache.adfs,
    testClient: fixedCache.testClient,
  };
}
