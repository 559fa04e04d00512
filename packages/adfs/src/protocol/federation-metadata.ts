import { createHash } from 'node:crypto';
import { escapeXml, NS } from './xml.js';
import { signEnveloped, type XmlSigningKey } from './xml-signature.js';

export interface FederationMetadataOptions {
  /** `entityID`: the farm's identifier (SAML `Issuer`). */
  entityId: string;
  /** The public passive endpoint, e.g. `https://sts.contoso.com/adfs/ls/`. */
  passiveEndpoint: string;
  /** The token-signing certificate, DER as base64. */
  signingCertificateBase64: string;
  /** Signs the document (AD FS signs its metadata with the token-signing key). */
  signingKey: XmlSigningKey;
}

/**
 * The farm's federation metadata: a signed SAML 2.0 `EntityDescriptor` with one
 * WS-Federation security token service role that names the token-signing
 * certificate, the token type issued (SAML 1.1) and the passive requestor
 * endpoint. What a reader (Entra's `Set-MsolDomainFederationSettings`
 * tooling, a trainer) needs; the rest of AD FS's document is left out (README).
 *
 * @example
 * ```ts
 * const xml = buildFederationMetadata({
 *   entityId: 'http://sts.contoso.com/adfs/services/trust',
 *   passiveEndpoint: 'https://sts.contoso.com/adfs/ls/',
 *   signingCertificateBase64: keys.adfs.certificateBase64,
 *   signingKey: keys.adfs,
 * });
 * ```
 * @see SAML 2.0 metadata (saml-metadata-2.0-os) §2.3.2; WS-Federation 1.2 §3.1
 */
export function buildFederationMetadata(options: FederationMetadataOptions): string {
  const x = escapeXml;
  // A stable ID: the same farm and key always publish the same document.
  const id = `_${createHash('sha256')
    .update(`${options.entityId}\n${options.signingCertificateBase64}`)
    .digest('hex')
    .slice(0, 32)}`;
  const keyDescriptor =
    `<KeyDescriptor use="signing"><KeyInfo xmlns="${NS.ds}"><X509Data>` +
    `<X509Certificate>${options.signingCertificateBase64}</X509Certificate>` +
    `</X509Data></KeyInfo></KeyDescriptor>`;
  const unsigned =
    `<EntityDescriptor xmlns="${NS.md}" ID="${id}" entityID="${x(options.entityId)}">` +
    `<RoleDescriptor xmlns:xsi="${NS.xsi}" xmlns:fed="${NS.fed}" xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="${NS.fed}">` +
    keyDescriptor +
    `<fed:TokenTypesOffered><fed:TokenType Uri="urn:oasis:names:tc:SAML:1.0:assertion"/></fed:TokenTypesOffered>` +
    `<fed:PassiveRequestorEndpoint><wsa:EndpointReference xmlns:wsa="${NS.wsa}"><wsa:Address>${x(options.passiveEndpoint)}</wsa:Address></wsa:EndpointReference></fed:PassiveRequestorEndpoint>` +
    `</RoleDescriptor>` +
    `</EntityDescriptor>`;
  return signEnveloped(unsigned, 'ID', options.signingKey, 'first');
}
