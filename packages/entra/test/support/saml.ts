import { randomUUID } from 'node:crypto';
import { SignedXml } from 'xml-crypto';
import type { SigningKey } from '@hma-lab/core';

/**
 * Builds the WS-Trust RSTR with a signed SAML 1.1 assertion exactly as the
 * AD FS contract says (docs/flow-map.md, the entra brief): what AD FS posts back
 * to /login.srf as `wresult`.
 */
export interface AssertionOptions {
  key: SigningKey;
  issuer?: string;
  immutableId?: string;
  upn?: string;
  audience?: string;
  nowMs: number;
  notBeforeMs?: number;
  notOnOrAfterMs?: number;
  authnMethods?: string[];
  /** Put this certificate in KeyInfo instead of the signer's. */
  keyInfoCertificate?: string;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000Z');

/**
 * The signed SAML 1.1 assertion alone (what a client cuts out of AD FS's
 * WS-Trust answer and redeems with the SAML bearer grant). Signed with
 * exclusive c14n, so it verifies on its own and inside an RSTR.
 */
export function buildSignedAssertion(options: AssertionOptions): string {
  const id = `_${randomUUID()}`;
  const issuer = options.issuer ?? 'http://sts.contoso.com/adfs/services/trust';
  const audience = options.audience ?? 'urn:federation:MicrosoftOnline';
  const notBefore = options.notBeforeMs ?? options.nowMs - 60_000;
  const notOnOrAfter = options.notOnOrAfterMs ?? options.nowMs + 3_600_000;
  const methods = options.authnMethods ?? [
    'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
  ];
  const attributes = [
    options.upn !== undefined
      ? `<saml:Attribute AttributeName="UPN" AttributeNamespace="http://schemas.xmlsoap.org/claims"><saml:AttributeValue>${options.upn}</saml:AttributeValue></saml:Attribute>`
      : '',
    options.immutableId !== undefined
      ? `<saml:Attribute AttributeName="ImmutableID" AttributeNamespace="http://schemas.microsoft.com/LiveID/Federation/2008/05"><saml:AttributeValue>${options.immutableId}</saml:AttributeValue></saml:Attribute>`
      : '',
    `<saml:Attribute AttributeName="authnmethodsreferences" AttributeNamespace="http://schemas.microsoft.com/claims">${methods.map((m) => `<saml:AttributeValue>${m}</saml:AttributeValue>`).join('')}</saml:Attribute>`,
  ].join('');
  const nameId = options.immutableId ?? options.upn ?? '';
  const assertion =
    `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:1.0:assertion" MajorVersion="1" MinorVersion="1" AssertionID="${id}" Issuer="${issuer}" IssueInstant="${iso(options.nowMs)}">` +
    `<saml:Conditions NotBefore="${iso(notBefore)}" NotOnOrAfter="${iso(notOnOrAfter)}"><saml:AudienceRestrictionCondition><saml:Audience>${audience}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>` +
    `<saml:AttributeStatement><saml:Subject><saml:NameIdentifier Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${nameId}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>${attributes}</saml:AttributeStatement>` +
    `<saml:AuthenticationStatement AuthenticationMethod="urn:oasis:names:tc:SAML:1.0:am:password" AuthenticationInstant="${iso(options.nowMs)}"><saml:Subject><saml:NameIdentifier Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified">${nameId}</saml:NameIdentifier><saml:SubjectConfirmation><saml:ConfirmationMethod>urn:oasis:names:tc:SAML:1.0:cm:bearer</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject></saml:AuthenticationStatement>` +
    `</saml:Assertion>`;
  const keyInfoCert = options.keyInfoCertificate ?? options.key.certificateBase64;
  const signer = new SignedXml({
    privateKey: options.key.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    signatureAlgorithm: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
    canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#',
    idAttribute: 'AssertionID',
    getKeyInfoContent: () =>
      `<X509Data><X509Certificate>${keyInfoCert}</X509Certificate></X509Data>`,
  });
  signer.addReference({
    xpath: `//*[local-name(.)='Assertion']`,
    transforms: [
      'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
      'http://www.w3.org/2001/10/xml-exc-c14n#',
    ],
    digestAlgorithm: 'http://www.w3.org/2001/04/xmlenc#sha256',
  });
  signer.computeSignature(assertion, {
    location: { reference: `//*[local-name(.)='Assertion']`, action: 'append' },
  });
  return signer.getSignedXml();
}

export function buildWresult(options: AssertionOptions): string {
  const notBefore = options.notBeforeMs ?? options.nowMs - 60_000;
  const notOnOrAfter = options.notOnOrAfterMs ?? options.nowMs + 3_600_000;
  const assertion = buildSignedAssertion(options);
  return (
    `<t:RequestSecurityTokenResponse xmlns:t="http://schemas.xmlsoap.org/ws/2005/02/trust">` +
    `<t:Lifetime><wsu:Created xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${iso(notBefore)}</wsu:Created><wsu:Expires xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${iso(notOnOrAfter)}</wsu:Expires></t:Lifetime>` +
    `<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference xmlns:wsa="http://www.w3.org/2005/08/addressing"><wsa:Address>urn:federation:MicrosoftOnline</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<t:RequestedSecurityToken>${assertion}</t:RequestedSecurityToken>` +
    `<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>` +
    `<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>` +
    `<t:KeyType>http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey</t:KeyType>` +
    `</t:RequestSecurityTokenResponse>`
  );
}
