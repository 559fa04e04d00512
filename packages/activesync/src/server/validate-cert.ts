import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { child, children, el, type EasElement } from '../wbxml/element.js';

/**
 * ValidateCert's per-certificate Status values (MS-ASCMD 2.2.3.177.18) that the
 * lab gives. 1 is success; the command's own Status is 1 once it has read the
 * request, 2 when the request names no certificate.
 */
export const CERT_STATUS = {
  valid: 1,
  protocolError: 2,
  badSignature: 3,
  untrusted: 4,
  chainIncomplete: 5,
  expired: 7,
  chainExpired: 8,
  wrongPurpose: 9,
  unreadable: 10,
  chainLinkNotCa: 11,
  revoked: 13,
  chainRevoked: 15,
} as const;

/** What a server trusts when it validates certificates. */
export interface CertificateTrust {
  /** Certificates that end a chain: the machine's roots (Node's bundled list) and/or the lab's own. */
  roots: readonly X509Certificate[];
  /** The roots' SHA-256 fingerprints (reading one costs as much as checking an issuer). */
  rootPrints: ReadonlySet<string>;
  /** Serial numbers (hex, any case, colons allowed) the lab's revocation list holds. */
  revokedSerials: ReadonlySet<string>;
  /** The lab's clock. */
  nowMs: number;
}

/** A server's ValidateCert settings, as a party's options give them. */
export interface ValidateCertConfig {
  /** Trust the root certificates Node ships (Mozilla's list), as Exchange trusts the Windows store. Default true. */
  systemRoots: boolean;
  /** More trusted roots, PEM (a test CA of the client under test). */
  trustedCertificates: string[];
  /** Serial numbers on the lab's revocation list, checked when the client sends CheckCRL 1. */
  revokedSerialNumbers: string[];
}

export const DEFAULT_VALIDATE_CERT_CONFIG: Readonly<ValidateCertConfig> = {
  systemRoots: true,
  trustedCertificates: [],
  revokedSerialNumbers: [],
};

/** Email protection and "any purpose" (RFC 5280 4.2.1.12). */
const SMIME_USAGES = ['1.3.6.1.5.5.7.3.4', '2.5.29.37.0'];
const MAX_CHAIN = 10;
/**
 * Most certificates one request may name, in `Certificates` and in
 * `CertificateChain` each [unconfirmed: MS-ASCMD sets no limit]; more is
 * Status 2. Each takes ~0.3 ms here, and a 10 MB body holds thousands.
 */
export const MAX_CERTIFICATES = 100;

let systemRoots: { certs: X509Certificate[]; prints: Set<string> } | undefined;

/** What a server's settings trust, read once per settings object (the clock aside). */
const trustBySettings = new WeakMap<ValidateCertConfig, Omit<CertificateTrust, 'nowMs'>>();

/**
 * The trust a server's settings describe, at `nowMs`. Node's roots are read
 * once per process, a server's own roots and revocation list once per
 * settings object; an extra root that is not a certificate throws (the
 * options check reads them first, so a lab does not start with one).
 */
export function certificateTrust(config: ValidateCertConfig, nowMs: number): CertificateTrust {
  let settled = trustBySettings.get(config);
  if (!settled) {
    if (config.systemRoots && !systemRoots) {
      const certs = rootCertificates.map((pem) => new X509Certificate(pem));
      systemRoots = { certs, prints: new Set(certs.map((c) => c.fingerprint256)) };
    }
    const extra = config.trustedCertificates.map((pem) => new X509Certificate(pem));
    const machine = config.systemRoots ? systemRoots! : { certs: [], prints: new Set<string>() };
    settled = {
      roots: [...machine.certs, ...extra],
      rootPrints: new Set([...machine.prints, ...extra.map((c) => c.fingerprint256)]),
      revokedSerials: new Set(config.revokedSerialNumbers.map(serialKey)),
    };
    trustBySettings.set(config, settled);
  }
  return { ...settled, nowMs };
}

/** Throws when a PEM text is not one certificate (for the options check). */
export function readTrustedCertificate(pem: string): X509Certificate {
  return new X509Certificate(pem);
}

/**
 * ValidateCert (MS-ASCMD 2.2.1.22): each Certificate of `Certificates`
 * checked against `trust`, in the order given: readable, within its validity
 * at the lab's time, fit for S/MIME (extended key usage), chained through
 * the request's `CertificateChain` (or the roots) to a trusted root with
 * every signature, CA flag and validity on the way, and, when `CheckCRL` is 1,
 * on none of the chain the lab's revocation list. The answer holds one
 * Certificate/Status per certificate (`statuses`, in order); the command's
 * Status is 2 when there is none to check, or more than {@link MAX_CERTIFICATES}.
 */
export function validateCertificates(
  request: EasElement,
  trust: CertificateTrust,
): { body: EasElement; statuses: number[] } {
  const given = children(
    child(request, 'ValidateCert:Certificates') ?? request,
    'ValidateCert:Certificate',
  );
  const chained = children(
    child(request, 'ValidateCert:CertificateChain') ?? { tag: '', children: [] },
    'ValidateCert:Certificate',
  );
  if (given.length === 0 || given.length > MAX_CERTIFICATES || chained.length > MAX_CERTIFICATES) {
    return {
      body: el('ValidateCert:ValidateCert', el('ValidateCert:Status', CERT_STATUS.protocolError)),
      statuses: [],
    };
  }
  const chain = chained.flatMap((element) => {
    const cert = certificateOf(element);
    return cert ? [cert] : [];
  });
  const checkCrl = (child(request, 'ValidateCert:CheckCRL')?.text ?? '').trim() === '1';
  const statuses = given.map((element) => {
    const cert = certificateOf(element);
    return cert ? statusOf(cert, chain, checkCrl, trust) : CERT_STATUS.unreadable;
  });
  return {
    body: el(
      'ValidateCert:ValidateCert',
      el('ValidateCert:Status', CERT_STATUS.valid),
      statuses.map((status) => el('ValidateCert:Certificate', el('ValidateCert:Status', status))),
    ),
    statuses,
  };
}

function statusOf(
  cert: X509Certificate,
  chain: readonly X509Certificate[],
  checkCrl: boolean,
  trust: CertificateTrust,
): number {
  if (!validAt(cert, trust.nowMs)) return CERT_STATUS.expired;
  const usages = cert.keyUsage as string[] | undefined;
  if (usages && !usages.some((oid) => SMIME_USAGES.includes(oid))) return CERT_STATUS.wrongPurpose;
  if (checkCrl && trust.revokedSerials.has(serialKey(cert.serialNumber)))
    return CERT_STATUS.revoked;
  const candidates = [...chain, ...trust.roots];
  let current = cert;
  for (let depth = 0; depth < MAX_CHAIN; depth++) {
    const print = current.fingerprint256;
    if (trust.rootPrints.has(print)) return CERT_STATUS.valid;
    const named = candidates.filter(
      (issuer) => current.checkIssued(issuer) && issuer.fingerprint256 !== print,
    );
    if (named.length === 0) {
      // A self-signed end of the chain the lab does not trust, or a missing link.
      return current.checkIssued(current) ? CERT_STATUS.untrusted : CERT_STATUS.chainIncomplete;
    }
    const issuer = named.find((candidate) => signedBy(current, candidate));
    if (!issuer) return CERT_STATUS.badSignature;
    if (!issuer.ca) return CERT_STATUS.chainLinkNotCa;
    if (!validAt(issuer, trust.nowMs)) return CERT_STATUS.chainExpired;
    if (checkCrl && trust.revokedSerials.has(serialKey(issuer.serialNumber))) {
      return CERT_STATUS.chainRevoked;
    }
    current = issuer;
  }
  return CERT_STATUS.chainIncomplete;
}

/**
 * A Certificate element's X.509 certificate: base64 of the DER bytes, as the
 * spec has it (inline text or opaque); raw DER and PEM are read too. Undefined
 * when it is none of these.
 */
function certificateOf(element: EasElement): X509Certificate | undefined {
  const raw =
    element.text ?? (element.opaque ? Buffer.from(element.opaque).toString('latin1') : '');
  const compact = raw.replace(/\s+/g, '');
  const bytes = raw.includes('-----BEGIN')
    ? Buffer.from(raw, 'latin1')
    : /^[A-Za-z0-9+/]+={0,2}$/.test(compact)
      ? Buffer.from(compact, 'base64')
      : element.opaque
        ? Buffer.from(element.opaque)
        : undefined;
  if (!bytes || bytes.length === 0) return undefined;
  try {
    return new X509Certificate(bytes);
  } catch {
    return undefined;
  }
}

/** Whether `issuer`'s key made `cert`'s signature; false for a key or algorithm OpenSSL cannot check. */
function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

function validAt(cert: X509Certificate, nowMs: number): boolean {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return !(nowMs < from) && !(nowMs > to);
}

/** A serial number as compared: hex digits, upper case, no colons or leading zeros. */
function serialKey(serial: string): string {
  return serial
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}
