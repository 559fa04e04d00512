import { generateKeyPairSync, randomBytes, X509Certificate as NodeX509 } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory } from '@hma-lab/core';
import type forge from 'node-forge';

/**
 * The lab's local certificate authority. `hma-lab up` serves HTTPS by default:
 * a CA generated on first use signs one certificate per party (covering the
 * party's emulated host names, `localhost` and `127.0.0.1`). Both are kept in
 * a folder and reused, so a phone or emulator trusts the CA once.
 */
export interface LocalCa {
  /** The folder holding `ca.pem`, `ca.key.pem` and `hosts/`. */
  dir: string;
  /** Path of the CA certificate (what clients must trust). */
  caPath: string;
  caPem: string;
  /** A key and certificate for these host names (first = file name), created or reused. */
  certificateFor(hostnames: readonly string[]): Promise<{ key: string; cert: string }>;
}

const CA_SUBJECT = [
  { name: 'commonName', value: 'hma-lab local CA' },
  { name: 'organizationName', value: 'hma-lab (test only)' },
];

/** Default folder: `$HMA_LAB_HOME/tls`, else `~/.hma-lab/tls`. */
export function defaultTlsDir(): string {
  return join(process.env.HMA_LAB_HOME ?? join(homedir(), '.hma-lab'), 'tls');
}

type Forge = typeof forge;

/** node-forge is loaded only when a certificate must be made (not when the saved ones are reused). */
async function loadForge(): Promise<Forge> {
  return (await import('node-forge')).default;
}

/** An RSA key pair from node:crypto (native, fast), in PEM. */
function newKeyPair(): { privateKeyPem: string; publicKeyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

function newCertificate(forge: Forge, publicKeyPem: string, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  const serial = randomBytes(16);
  serial[0] = serial[0]! & 0x7f; // a positive INTEGER
  cert.serialNumber = serial.toString('hex');
  cert.validity.notBefore = new Date(Date.now() - 86_400_000);
  cert.validity.notAfter = new Date(Date.now() + days * 86_400_000);
  return cert;
}

export async function loadOrCreateCa(dir = defaultTlsDir()): Promise<LocalCa> {
  await makeDirectory(join(dir, 'hosts'), 0o700);
  const caPath = join(dir, 'ca.pem');
  const caKeyPath = join(dir, 'ca.key.pem');
  let caPem = await readText(caPath);
  let caKeyPem = await readText(caKeyPath);
  if (!caPem || !caKeyPem || !stillValid(caPem)) {
    const forge = await loadForge();
    const keys = newKeyPair();
    const ca = newCertificate(forge, keys.publicKeyPem, 3650);
    ca.setSubject(CA_SUBJECT);
    ca.setIssuer(CA_SUBJECT);
    ca.setExtensions([
      { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
      { name: 'subjectKeyIdentifier' },
    ]);
    ca.sign(forge.pki.privateKeyFromPem(keys.privateKeyPem), forge.md.sha256.create());
    caPem = forge.pki.certificateToPem(ca);
    caKeyPem = keys.privateKeyPem;
    await writeFile(caKeyPath, caKeyPem, { mode: 0o600 });
    await writeFile(caPath, caPem);
  }
  const signingCa = caKeyPem;
  let caParsed:
    { forge: Forge; cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey } | undefined;
  const loadCa = async () => {
    if (!caParsed) {
      const forge = await loadForge();
      caParsed = {
        forge,
        cert: forge.pki.certificateFromPem(caPem!),
        key: forge.pki.privateKeyFromPem(signingCa),
      };
    }
    return caParsed;
  };
  const pending = new Map<string, Promise<{ key: string; cert: string }>>();

  async function issue(hostnames: readonly string[]): Promise<{ key: string; cert: string }> {
    const base = join(dir, 'hosts', hostnames[0]!.replace(/[^a-z0-9.-]/gi, '_'));
    const existingCert = await readText(`${base}.pem`);
    const existingKey = await readText(`${base}.key.pem`);
    if (
      existingCert &&
      existingKey &&
      stillValid(existingCert) &&
      covers(existingCert, hostnames) &&
      issuedBy(existingCert, caPem!)
    ) {
      return { key: existingKey, cert: existingCert };
    }
    const { forge, cert: caCert, key: caKey } = await loadCa();
    const keys = newKeyPair();
    const cert = newCertificate(forge, keys.publicKeyPem, 730);
    cert.setSubject([{ name: 'commonName', value: hostnames[0]! }]);
    cert.setIssuer(caCert.subject.attributes);
    const names = [...new Set([...hostnames, 'localhost'])];
    cert.setExtensions([
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...names.map((value) => ({ type: 2, value })), { type: 7, ip: '127.0.0.1' }],
      },
      { name: 'subjectKeyIdentifier' },
      {
        name: 'authorityKeyIdentifier',
        keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes(),
      },
    ]);
    cert.sign(caKey, forge.md.sha256.create());
    const result = { key: keys.privateKeyPem, cert: forge.pki.certificateToPem(cert) };
    await writeFile(`${base}.key.pem`, result.key, { mode: 0o600 });
    await writeFile(`${base}.pem`, result.cert);
    return result;
  }

  return {
    dir,
    caPath,
    caPem,
    certificateFor(hostnames) {
      const key = hostnames.join(',');
      let promise = pending.get(key);
      if (!promise) {
        promise = issue(hostnames);
        pending.set(key, promise);
      }
      return promise;
    },
  };
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

function stillValid(pem: string): boolean {
  try {
    const cert = new NodeX509(pem);
    return Date.parse(cert.validTo) - Date.now() > 7 * 86_400_000;
  } catch {
    return false;
  }
}

function covers(pem: string, hostnames: readonly string[]): boolean {
  const cert = new NodeX509(pem);
  return (
    hostnames.every((name) => cert.checkHost(name) !== undefined) &&
    cert.checkIP('127.0.0.1') !== undefined
  );
}

function issuedBy(pem: string, caPem: string): boolean {
  try {
    return new NodeX509(pem).verify(new NodeX509(caPem).publicKey);
  } catch {
    return false;
  }
}
