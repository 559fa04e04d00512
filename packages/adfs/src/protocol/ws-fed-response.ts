import { randomUUID } from 'node:crypto';
import { MICROSOFT_ONLINE_REALM } from '../config.js';
import { escapeXml, NS } from './xml.js';
import { signEnveloped, type XmlSigningKey } from './xml-signature.js';

/** Claim URIs of the assertion AD FS sends Entra (Entra Connect's claim rules). */
export const SAML_CLAIMS = {
  upn: { name: 'UPN', namespace: 'http://schemas.xmlsoap.org/claims' },
  immutableId: {
    name: 'ImmutableID',
    namespace: 'http://schemas.microsoft.com/LiveID/Federation/2008/05',
  },
  authnMethodsReferences: {
    name: 'authnmethodsreferences',
    namespace: 'http://schemas.microsoft.com/claims',
  },
  insideCorporateNetwork: {
    name: 'insidecorporatenetwork',
    namespace: 'http://schemas.microsoft.com/ws/2012/01',
  },
} as const;

/** `authnmethodsreferences` value for forms (password) sign-in. */
export const PASSWORD_AUTHN_METHOD =
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password';
/** SAML 1.1 `AuthenticationMethod` for a password. */
export const SAML_AM_PASSWORD = 'urn:oasis:names:tc:SAML:1.0:am:password';
/** SAML 1.1 bearer subject confirmation. */
export const SAML_CM_BEARER = 'urn:oasis:names:tc:SAML:1.0:cm:bearer';
/** NameID format Entra's federation settings ask for. */
export const NAMEID_PERSISTENT = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';

export interface SamlAttribute {
  name: string;
  namespace: string;
  values: readonly string[];
}

export interface SamlAssertionOptions {
  /** `Issuer`: the AD FS identifier, e.g. `http://sts.contoso.com/adfs/services/trust`. */
  issuer: string;
  /** `saml:Audience`. Default `urn:federation:MicrosoftOnline`. */
  audience?: string;
  /** The user's ImmutableID: the NameIdentifier and the ImmutableID attribute. */
  immutableId: string;
  /** The user's UPN (the UPN attribute). */
  upn: string;
  /** Issue instant (ms since the epoch), from the lab clock. */
  nowMs: number;
  /** When the user authenticated (SSO reuses an earlier sign-in). Default `nowMs`. */
  authenticationInstantMs?: number;
  /** Assertion lifetime. Default 1 h. */
  lifetimeMs?: number;
  /** `NotBefore` is this far before `nowMs`. Default 5 min. */
  notBeforeSkewMs?: number;
  /** `AssertionID`; default `_` + a random UUID. Must be an NCName. */
  assertionId?: string;
  /** NameIdentifier `Format`. Default persistent. */
  nameIdentifierFormat?: string;
  /** `authnmethodsreferences` values. Default the password method. */
  authnMethodsReferences?: readonly string[];
  /** Further attributes, after UPN and ImmutableID. */
  extraAttributes?: readonly SamlAttribute[];
  /** Signs the assertion (AD FS token-signing key and certificate). */
  signingKey: XmlSigningKey;
}

export interface SignedSamlAssertion {
  xml: string;
  assertionId: string;
  issueInstant: string;
  notBefore: string;
  notOnOrAfter: string;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Builds and signs a SAML 1.1 assertion as AD FS issues it to Entra ID: the
 * ImmutableID as persistent NameIdentifier with a bearer confirmation, UPN,
 * ImmutableID and authnmethodsreferences attributes, a password
 * AuthenticationStatement, and an enveloped RSA-SHA256 signature over
 * `#<AssertionID>`.
 *
 * @example
 * ```ts
 * const { xml, assertionId } = buildSamlAssertion({
 *   issuer: 'http://sts.contoso.com/adfs/services/trust',
 *   upn: 'alice@contoso.com', immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
 *   nowMs: deps.clock.now(), signingKey: deps.keys.adfs,
 * });
 * ```
 * @see SAML 1.1 core (OASIS cs-sstc-saml-core-1.1) §2; XML-DSig 1.1 §6.6.4 (enveloped signature)
 */
export function buildSamlAssertion(options: SamlAssertionOptions): SignedSamlAssertion {
  const assertionId = options.assertionId ?? `_${randomUUID()}`;
  if (!/^[A-Za-z_][\w.-]*$/.test(assertionId)) {
    throw new Error(`AssertionID must be an XML NCName: ${assertionId}`);
  }
  const issueInstant = iso(options.nowMs);
  const notBefore = iso(options.nowMs - (options.notBeforeSkewMs ?? 5 * 60_000));
  const notOnOrAfter = iso(options.nowMs + (options.lifetimeMs ?? 60 * 60_000));
  const authenticationInstant = iso(options.authenticationInstantMs ?? options.nowMs);
  const x = escapeXml;
  const subject =
    `<saml:Subject><saml:NameIdentifier Format="${x(options.nameIdentifierFormat ?? NAMEID_PERSISTENT)}">${x(options.immutableId)}</saml:NameIdentifier>` +
    `<saml:SubjectConfirmation><saml:ConfirmationMethod>${SAML_CM_BEARER}</saml:ConfirmationMethod></saml:SubjectConfirmation></saml:Subject>`;
  const attributes: SamlAttribute[] = [
    { ...SAML_CLAIMS.upn, values: [options.upn] },
    { ...SAML_CLAIMS.immutableId, values: [options.immutableId] },
    ...(options.extraAttributes ?? []),
    {
      ...SAML_CLAIMS.authnMethodsReferences,
      values: options.authnMethodsReferences ?? [PASSWORD_AUTHN_METHOD],
    },
  ];
  const attributeXml = attributes
    .map(
      (a) =>
        `<saml:Attribute AttributeName="${x(a.name)}" AttributeNamespace="${x(a.namespace)}">` +
        a.values.map((v) => `<saml:AttributeValue>${x(v)}</saml:AttributeValue>`).join('') +
        `</saml:Attribute>`,
    )
    .join('');
  const unsigned =
    `<saml:Assertion xmlns:saml="${NS.saml}" MajorVersion="1" MinorVersion="1" AssertionID="${assertionId}" Issuer="${x(options.issuer)}" IssueInstant="${issueInstant}">` +
    `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestrictionCondition><saml:Audience>${x(options.audience ?? MICROSOFT_ONLINE_REALM)}</saml:Audience></saml:AudienceRestrictionCondition></saml:Conditions>` +
    `<saml:AttributeStatement>${subject}${attributeXml}</saml:AttributeStatement>` +
    `<saml:AuthenticationStatement AuthenticationMethod="${SAML_AM_PASSWORD}" AuthenticationInstant="${authenticationInstant}">${subject}</saml:AuthenticationStatement>` +
    `</saml:Assertion>`;
  return {
    xml: signEnveloped(unsigned, 'AssertionID', options.signingKey, 'last'),
    assertionId,
    issueInstant,
    notBefore,
    notOnOrAfter,
  };
}

/**
 * The WS-Federation `wresult`: a WS-Trust RequestSecurityTokenResponse whose
 * RequestedSecurityToken is the signed SAML 1.1 assertion, with its lifetime
 * and the relying party it applies to.
 *
 * The assertion carries its own namespace declaration and is signed with
 * exclusive c14n, so its signature verifies inside this envelope as well as
 * on its own.
 *
 * @example
 * ```ts
 * const wresult = buildWsFedResponse({
 *   issuer: 'http://sts.contoso.com/adfs/services/trust',
 *   upn: 'alice@contoso.com', immutableId: 'YWxpY2UtaW1tdXRhYmxlLWlk',
 *   nowMs: ctx.clock.now(), signingKey: ctx.keys.adfs,
 * });
 * await fetch('https://login.microsoftonline.com/login.srf', {
 *   method: 'POST', body: new URLSearchParams({ wa: 'wsignin1.0', wresult, wctx }),
 * });
 * ```
 * @see WS-Federation 1.2 §13.2.3 (wresult); WS-Trust 1.3 §4 (RSTR); protocol-facts §5.3
 */
export function buildWsFedResponse(options: SamlAssertionOptions): string {
  const assertion = buildSamlAssertion(options);
  const audience = escapeXml(options.audience ?? MICROSOFT_ONLINE_REALM);
  const expires = iso(options.nowMs + (options.lifetimeMs ?? 60 * 60_000));
  return (
    `<t:RequestSecurityTokenResponse xmlns:t="${NS.trust}">` +
    `<t:Lifetime><wsu:Created xmlns:wsu="${NS.wsu}">${assertion.issueInstant}</wsu:Created><wsu:Expires xmlns:wsu="${NS.wsu}">${expires}</wsu:Expires></t:Lifetime>` +
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference xmlns:wsa="${NS.wsa}"><wsa:Address>${audience}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<t:RequestedSecurityToken>${assertion.xml}</t:RequestedSecurityToken>` +
    `<t:TokenType>urn:oasis:names:tc:SAML:1.0:assertion</t:TokenType>` +
    `<t:RequestType>http://schemas.xmlsoap.org/ws/2005/02/trust/Issue</t:RequestType>` +
    `<t:KeyType>http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey</t:KeyType>` +
    `</t:RequestSecurityTokenResponse>`
  );
}
