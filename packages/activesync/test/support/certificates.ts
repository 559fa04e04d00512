import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';

/** A certificate made for a test, with its key (PEM) and DER bytes. */
export interface TestCertificate {
  pem: string;
  der: Buffer;
  base64: string;
  keyPem: string;
  serial: string;
}

interface CertificateSpec {
  subject: string;
  /** The issuer; none: self-signed. */
  issuer?: TestCertificate;
  /** Sign with this key instead of the issuer's (a forged signature). */
  signingKeyPem?: string;
  ca?: boolean;
  notBefore: Date;
  notAfter: Date;
  /** Extended key usages; none: no extension. */
  usages?: Array<'emailProtection' | 'serverAuth' | 'clientAuth'>;
  serial: string;
}

/** An RSA-2048 key pair made by node:crypto (forge's own generator is slow). */
export function newKeyPem(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** An X.509 v3 certificate as an S/MIME client would send one to ValidateCert. */
export function makeCertificate(spec: CertificateSpec): TestCertificate {
  const keys = newKeyPem();
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(keys.publicKeyPem);
  cert.serialNumber = spec.serial;
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  const subject = [{ name: 'commonName', value: spec.subject }];
  cert.setSubject(subject);
  cert.setIssuer(
    spec.issuer ? forge.pki.certificateFromPem(spec.issuer.pem).subject.attributes : subject,
  );
  const extensions: object[] = [{ name: 'basicConstraints', cA: spec.ca ?? false }];
  if (spec.usages) {
    extensions.push({
      name: 'extKeyUsage',
      ...Object.fromEntries(spec.usages.map((u) => [u, true])),
    });
  }
  cert.setExtensions(extensions);
  const signingKey = spec.signingKeyPem ?? spec.issuer?.keyPem ?? keys.privateKeyPem;
  cert.sign(forge.pki.privateKeyFromPem(signingKey), forge.md.sha256.create());
  const pem = forge.pki.certificateToPem(cert);
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    pem,
    der,
    base64: der.toString('base64'),
    keyPem: keys.privateKeyPem,
    serial: spec.serial,
  };
}

const YEAR_MS = 365 * 86_400_000;

/**
 * A small PKI valid around `nowMs`: a root, an intermediate CA under it, and
 * leaves of every kind ValidateCert tells apart.
 */
export function testPki(nowMs: number) {
  const from = new Date(nowMs - YEAR_MS);
  const to = new Date(nowMs + 5 * YEAR_MS);
  const root = makeCertificate({
    subject: 'Lab Test Root',
    ca: true,
    notBefore: from,
    notAfter: to,
    serial: '01',
  });
  const intermediate = makeCertificate({
    subject: 'Lab Test Issuing CA',
    issuer: root,
    ca: true,
    notBefore: from,
    notAfter: to,
    serial: '02',
  });
  const leaf = (subject: string, serial: string, extra: Partial<CertificateSpec> = {}) =>
    makeCertificate({
      subject,
      issuer: intermediate,
      notBefore: from,
      notAfter: to,
      usages: ['emailProtection'],
      serial,
      ...extra,
    });
  const notCa = makeCertificate({
    subject: 'Lab Test Not A CA',
    issuer: root,
    ca: false,
    notBefore: from,
    notAfter: to,
    serial: '03',
  });
  const expiredCa = makeCertificate({
    subject: 'Lab Test Retired CA',
    issuer: root,
    ca: true,
    notBefore: new Date(nowMs - 3 * YEAR_MS),
    notAfter: new Date(nowMs - YEAR_MS),
    serial: '04',
  });
  return {
    root,
    intermediate,
    expiredCa,
    underExpiredCa: makeCertificate({
      subject: 'carol@contoso.com',
      issuer: expiredCa,
      notBefore: from,
      notAfter: to,
      usages: ['emailProtection'],
      serial: '16',
    }),
    alice: leaf('alice@contoso.com', '10'),
    expired: leaf('expired@contoso.com', '11', {
      notBefore: new Date(nowMs - 3 * YEAR_MS),
      notAfter: new Date(nowMs - YEAR_MS),
    }),
    webServer: leaf('www.contoso.com', '12', { usages: ['serverAuth'] }),
    forged: leaf('forged@contoso.com', '13', { signingKeyPem: newKeyPem().privateKeyPem }),
    selfSigned: makeCertificate({
      subject: 'mallory@contoso.com',
      notBefore: from,
      notAfter: to,
      usages: ['emailProtection'],
      serial: '14',
    }),
    underNotCa: makeCertificate({
      subject: 'bob@contoso.com',
      issuer: notCa,
      notBefore: from,
      notAfter: to,
      usages: ['emailProtection'],
      serial: '15',
    }),
    notCa,
  };
}
