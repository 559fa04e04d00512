import type { KeyObject } from 'node:crypto';
import { DSIG, xmlCrypto } from './xml.js';

/** What signs: the private key, and the certificate published in `KeyInfo`. */
export interface XmlSigningKey {
  privateKey: KeyObject | string;
  certificatePem: string;
}

/**
 * Signs the document element of `xml` with an enveloped XML-DSig signature:
 * Reference `#<id>` found through `idAttribute`, transforms enveloped-signature
 * + exclusive c14n, RSA-SHA256 over SHA-256 digests, KeyInfo/X509Data with the
 * certificate. `position` places the `ds:Signature` as the first or last child
 * (SAML 1.1 wants it last in an Assertion, SAML 2.0 metadata first).
 */
export function signEnveloped(
  xml: string,
  idAttribute: string,
  key: XmlSigningKey,
  position: 'first' | 'last',
): string {
  const signer = new (xmlCrypto().SignedXml)({
    privateKey: key.privateKey,
    publicCert: key.certificatePem,
    signatureAlgorithm: DSIG.rsaSha256,
    canonicalizationAlgorithm: DSIG.excC14n,
    // xml-crypto already looks at Id/ID/id; naming one again makes it count
    // every element twice and refuse the document as a wrapping attack.
    ...(['Id', 'ID', 'id'].includes(idAttribute) ? {} : { idAttribute }),
  });
  signer.addReference({
    xpath: '/*',
    transforms: [DSIG.enveloped, DSIG.excC14n],
    digestAlgorithm: DSIG.sha256,
  });
  signer.computeSignature(xml, {
    prefix: 'ds',
    location: { reference: '/*', action: position === 'first' ? 'prepend' : 'append' },
  });
  return signer.getSignedXml();
}
