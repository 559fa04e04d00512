import { rootCertificates } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import {
  CERT_STATUS,
  certificateTrust,
  child,
  children,
  decodeWbxml,
  DEFAULT_VALIDATE_CERT_CONFIG,
  el,
  encodeWbxml,
  MAX_CERTIFICATES,
  textOf,
  validateCertificates,
  type EasElement,
} from '../src/index.js';
import { testPki, type TestCertificate } from './support/certificates.js';

const NOW = Date.UTC(2026, 10, 22, 12);
const pki = testPki(NOW);

/** A ValidateCert request as a client encodes it, read back by the server's decoder. */
function request(
  certificates: Array<TestCertificate | string | Uint8Array>,
  options: { chain?: TestCertificate[]; checkCrl?: boolean } = {},
): EasElement {
  const body = el(
    'ValidateCert:ValidateCert',
    options.chain &&
      el(
        'ValidateCert:CertificateChain',
        options.chain.map((c) => el('ValidateCert:Certificate', c.base64)),
      ),
    el(
      'ValidateCert:Certificates',
      certificates.map((c) =>
        el('ValidateCert:Certificate', typeof c === 'object' && 'base64' in c ? c.base64 : c),
      ),
    ),
    options.checkCrl !== undefined && el('ValidateCert:CheckCRL', options.checkCrl ? 1 : 0),
  );
  return decodeWbxml(encodeWbxml(body));
}

const labTrust = (nowMs = NOW, config: Partial<typeof DEFAULT_VALIDATE_CERT_CONFIG> = {}) =>
  certificateTrust(
    {
      systemRoots: false,
      trustedCertificates: [pki.root.pem],
      revokedSerialNumbers: [],
      ...config,
    },
    nowMs,
  );

/** The command's Status and each certificate's, in order, from the encoded answer. */
function statuses({ body: answer }: { body: EasElement }): {
  status: number;
  certificates: number[];
} {
  const decoded = decodeWbxml(encodeWbxml(answer));
  return {
    status: Number(textOf(decoded, 'ValidateCert:Status')),
    certificates: children(decoded, 'ValidateCert:Certificate').map((c) =>
      Number(textOf(c, 'ValidateCert:Status')),
    ),
  };
}

describe('ValidateCert (MS-ASCMD 2.2.1.22)', () => {
  it('accepts a certificate chained through the request to a trusted root', () => {
    const answer = validateCertificates(
      request([pki.alice], { chain: [pki.intermediate] }),
      labTrust(),
    );
    expect(statuses(answer)).toEqual({ status: 1, certificates: [CERT_STATUS.valid] });
  });

  it('tells each failure apart, one status per certificate in the order given', () => {
    const answer = validateCertificates(
      request(
        [
          pki.alice,
          pki.expired,
          pki.webServer,
          pki.forged,
          pki.selfSigned,
          pki.underNotCa,
          pki.underExpiredCa,
        ],
        { chain: [pki.intermediate, pki.notCa, pki.expiredCa] },
      ),
      labTrust(),
    );
    expect(statuses(answer)).toEqual({
      status: 1,
      certificates: [
        CERT_STATUS.valid,
        CERT_STATUS.expired,
        CERT_STATUS.wrongPurpose,
        CERT_STATUS.badSignature,
        CERT_STATUS.untrusted,
        CERT_STATUS.chainLinkNotCa,
        CERT_STATUS.chainExpired,
      ],
    });
  });

  it('needs the whole chain: a missing intermediate, or a root the lab does not trust', () => {
    expect(statuses(validateCertificates(request([pki.alice]), labTrust())).certificates).toEqual([
      CERT_STATUS.chainIncomplete,
    ]);
    const untrustedRoot = labTrust(NOW, { trustedCertificates: [] });
    expect(
      statuses(
        validateCertificates(
          request([pki.alice], { chain: [pki.intermediate, pki.root] }),
          untrustedRoot,
        ),
      ).certificates,
    ).toEqual([CERT_STATUS.untrusted]);
  });

  it("judges validity by the lab's clock", () => {
    const later = NOW + 10 * 365 * 86_400_000;
    const before = NOW - 2 * 365 * 86_400_000;
    for (const nowMs of [later, before]) {
      expect(
        statuses(
          validateCertificates(
            request([pki.alice], { chain: [pki.intermediate] }),
            labTrust(nowMs),
          ),
        ).certificates,
      ).toEqual([CERT_STATUS.expired]);
    }
  });

  it("checks the lab's revocation list only when the client sends CheckCRL 1", () => {
    const revokedLeaf = labTrust(NOW, { revokedSerialNumbers: ['0x10'] });
    const revokedCa = labTrust(NOW, { revokedSerialNumbers: ['02'] });
    const ask = (trust: ReturnType<typeof labTrust>, checkCrl?: boolean) =>
      statuses(
        validateCertificates(
          request([pki.alice], {
            chain: [pki.intermediate],
            ...(checkCrl === undefined ? {} : { checkCrl }),
          }),
          trust,
        ),
      ).certificates[0];
    expect(ask(revokedLeaf, true)).toBe(CERT_STATUS.revoked);
    expect(ask(revokedCa, true)).toBe(CERT_STATUS.chainRevoked);
    expect(ask(revokedLeaf, false)).toBe(CERT_STATUS.valid);
    expect(ask(revokedLeaf)).toBe(CERT_STATUS.valid);
  });

  it('reads base64 (with line breaks), PEM and raw DER; anything else is Status 10', () => {
    const wrapped = pki.alice.base64.replace(/(.{64})/g, '$1\r\n');
    const answer = validateCertificates(
      request(
        [wrapped, pki.alice.pem, new Uint8Array(pki.alice.der), 'not a certificate!', 'AAAA', ''],
        {
          chain: [pki.intermediate],
        },
      ),
      labTrust(),
    );
    expect(statuses(answer).certificates).toEqual([1, 1, 1, 10, 10, 10]);
  });

  it('answers Status 2 for more than MAX_CERTIFICATES certificates, or chain certificates', () => {
    const many = Array.from({ length: MAX_CERTIFICATES + 1 }, () => pki.alice);
    expect(statuses(validateCertificates(request(many), labTrust()))).toEqual({
      status: 2,
      certificates: [],
    });
    expect(
      statuses(validateCertificates(request([pki.alice], { chain: many }), labTrust())),
    ).toEqual({ status: 2, certificates: [] });
    const most = validateCertificates(
      request(many.slice(1), { chain: [pki.intermediate] }),
      labTrust(),
    );
    expect(most.statuses).toEqual(many.slice(1).map(() => CERT_STATUS.valid));
  });

  it('answers Status 2 and no certificate when the request names none', () => {
    for (const body of [
      el('ValidateCert:ValidateCert', el('ValidateCert:CheckCRL', 1)),
      el('ValidateCert:ValidateCert', el('ValidateCert:Certificates')),
    ]) {
      const answer = validateCertificates(decodeWbxml(encodeWbxml(body)), labTrust());
      expect(statuses(answer)).toEqual({ status: CERT_STATUS.protocolError, certificates: [] });
      expect(child(answer.body, 'ValidateCert:Certificate')).toBeUndefined();
      expect(answer.statuses).toEqual([]);
    }
  });

  it("trusts the machine's root certificates by default, as Exchange trusts the Windows store", () => {
    const root = rootCertificates
      .map((pem) => new X509Certificate(pem))
      .find((c) => Date.parse(c.validFrom) < NOW && Date.parse(c.validTo) > NOW)!;
    const base64 = root.raw.toString('base64');
    const byDefault = certificateTrust(DEFAULT_VALIDATE_CERT_CONFIG, NOW);
    expect(statuses(validateCertificates(request([base64]), byDefault)).certificates).toEqual([1]);
    // The lab's test root is not one of them.
    expect(
      statuses(
        validateCertificates(
          request([pki.alice], { chain: [pki.intermediate, pki.root] }),
          byDefault,
        ),
      ).certificates,
    ).toEqual([CERT_STATUS.untrusted]);
  });
});
