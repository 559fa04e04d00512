import { MICROSOFT_ONLINE_REALM } from '../config.js';
import { SamlVerificationError } from '../errors.js';
import { SAML_CLAIMS } from './ws-fed-response.js';
import { childElement, childElements, NS, parseXml, textOf, xmlCrypto, xmldom } from './xml.js';

export interface VerifySamlOptions {
  /**
   * Checks `NotBefore`/`NotOnOrAfter` against this time (ms, from the lab clock).
   * Without it the validity window is not checked.
   */
  nowMs?: number;
  /** Tolerance for the validity window. Default 5 min. */
  clockSkewMs?: number;
  /** Required `saml:Audience`; `null` skips the check. Default `urn:federation:MicrosoftOnline`. */
  audience?: string | null;
  /** Required `Issuer`, if given. */
  issuer?: string;
}

/** The claims of an assertion whose signature verified, read from the signed bytes only. */
export interface VerifiedSamlAssertion {
  assertionId: string;
  issuer: string;
  issueInstant: string;
  notBefore: string | undefined;
  notOnOrAfter: string | undefined;
  audiences: string[];
  nameIdentifier: string | undefined;
  nameIdentifierFormat: string | undefined;
  confirmationMethods: string[];
  /** The `UPN` attribute (`http://schemas.xmlsoap.org/claims`). */
  upn: string | undefined;
  /** The `ImmutableID` attribute (`http://schemas.microsoft.com/LiveID/Federation/2008/05`). */
  immutableId: string | undefined;
  authnMethodsReferences: string[];
  authenticationMethod: string | undefined;
  authenticationInstant: string | undefined;
  /** Every attribute, keyed `<AttributeNamespace>/<AttributeName>` (the claim type URI). */
  attributes: Record<string, string[]>;
  /** The signed assertion, canonical XML (enveloped signature removed). */
  signedXml: string;
}

/**
 * Verifies a SAML 1.1 assertion as a WS-Federation relying party must: `xml`
 * is a `wresult` (RequestSecurityTokenResponse) or a bare assertion. There
 * must be exactly one assertion, carrying one enveloped signature that
 * verifies with a trusted certificate (KeyInfo is ignored); claims are read
 * only from what the signature covers, so wrapped or unsigned copies cannot
 * inject claims. Then audience, issuer and validity window are checked.
 *
 * @example
 * ```ts
 * const claims = verifySamlAssertion(body.wresult, deps.keys.adfs.certificatePem, {
 *   nowMs: deps.clock.now(),
 *   issuer: domain.federation.issuer,
 * });
 * claims.upn; claims.immutableId; claims.authnMethodsReferences;
 * ```
 * @throws {SamlVerificationError} with `reason` saying what failed.
 * @see XML-DSig 1.1 §3.2 (core validation); SAML 1.1 core §2.3.2.1 (Conditions)
 */
export function verifySamlAssertion(
  xml: string,
  trustedCertPem: string | readonly string[],
  options: VerifySamlOptions = {},
): VerifiedSamlAssertion {
  let document;
  try {
    document = parseXml(xml);
  } catch (error) {
    throw new SamlVerificationError('malformed', 'the token is not well-formed XML', {
      cause: error,
    });
  }
  const assertions = document.getElementsByTagNameNS(NS.saml, 'Assertion');
  if (assertions.length === 0) {
    throw new SamlVerificationError('no_assertion', 'no SAML 1.1 assertion in the token');
  }
  if (assertions.length > 1) {
    throw new SamlVerificationError('multiple_assertions', 'more than one assertion in the token');
  }
  const assertion = assertions.item(0)!;
  const signatures = childElements(assertion, NS.ds, 'Signature');
  if (signatures.length !== 1) {
    throw new SamlVerificationError(
      'no_signature',
      signatures.length === 0
        ? 'the assertion is not signed'
        : 'the assertion has several signatures',
    );
  }
  const signatureXml = new (xmldom().XMLSerializer)().serializeToString(signatures[0]!);
  const signed = checkWithAny(xml, signatureXml, trustedCertPem);
  const claims = readAssertion(signed, assertion.getAttribute('AssertionID'));
  checkConditions(claims, options);
  return claims;
}

/** Checks the signature with each trusted certificate until one verifies; the signed XML. */
function checkWithAny(
  xml: string,
  signatureXml: string,
  trustedCertPem: string | readonly string[],
): string {
  const certificates = typeof trustedCertPem === 'string' ? [trustedCertPem] : trustedCertPem;
  let lastError: unknown;
  for (const certificate of certificates) {
    const verifier = new (xmlCrypto().SignedXml)({
      publicCert: certificate,
      idAttribute: 'AssertionID',
    });
    try {
      verifier.loadSignature(signatureXml);
      if (!verifier.checkSignature(xml)) continue;
    } catch (error) {
      lastError = error;
      continue;
    }
    const references = verifier.getSignedReferences();
    if (references.length !== 1) {
      throw new SamlVerificationError(
        'bad_signature',
        'the signature must cover exactly the assertion',
      );
    }
    return references[0]!;
  }
  throw new SamlVerificationError(
    'bad_signature',
    'the assertion signature does not verify with a trusted certificate',
    lastError ? { cause: lastError } : undefined,
  );
}

function readAssertion(signedXml: string, expectedId: string | null): VerifiedSamlAssertion {
  const root = parseXml(signedXml).documentElement;
  if (
    !root ||
    root.namespaceURI !== NS.saml ||
    root.localName !== 'Assertion' ||
    root.getAttribute('AssertionID') !== expectedId
  ) {
    throw new SamlVerificationError('bad_signature', 'the signature does not cover the assertion');
  }
  const conditions = childElement(root, NS.saml, 'Conditions');
  const audiences = conditions
    ? childElements(conditions, NS.saml, 'AudienceRestrictionCondition').flatMap((c) =>
        childElements(c, NS.saml, 'Audience').map((a) => textOf(a) ?? ''),
      )
    : [];
  const attributeStatement = childElement(root, NS.saml, 'AttributeStatement');
  const authentication = childElement(root, NS.saml, 'AuthenticationStatement');
  const subject =
    (attributeStatement && childElement(attributeStatement, NS.saml, 'Subject')) ??
    (authentication && childElement(authentication, NS.saml, 'Subject'));
  const nameIdentifier = subject && childElement(subject, NS.saml, 'NameIdentifier');
  const confirmation = subject && childElement(subject, NS.saml, 'SubjectConfirmation');
  const attributes: Record<string, string[]> = {};
  for (const attribute of attributeStatement
    ? childElements(attributeStatement, NS.saml, 'Attribute')
    : []) {
    const key = `${attribute.getAttribute('AttributeNamespace') ?? ''}/${attribute.getAttribute('AttributeName') ?? ''}`;
    const values = childElements(attribute, NS.saml, 'AttributeValue').map((v) => textOf(v) ?? '');
    attributes[key] = [...(attributes[key] ?? []), ...values];
  }
  const claim = (c: { name: string; namespace: string }): string[] =>
    attributes[`${c.namespace}/${c.name}`] ?? [];
  return {
    assertionId: root.getAttribute('AssertionID') ?? '',
    issuer: root.getAttribute('Issuer') ?? '',
    issueInstant: root.getAttribute('IssueInstant') ?? '',
    notBefore: conditions?.getAttribute('NotBefore') ?? undefined,
    notOnOrAfter: conditions?.getAttribute('NotOnOrAfter') ?? undefined,
    audiences,
    nameIdentifier: textOf(nameIdentifier),
    nameIdentifierFormat: nameIdentifier?.getAttribute('Format') ?? undefined,
    confirmationMethods: confirmation
      ? childElements(confirmation, NS.saml, 'ConfirmationMethod').map((m) => textOf(m) ?? '')
      : [],
    upn: claim(SAML_CLAIMS.upn)[0],
    immutableId: claim(SAML_CLAIMS.immutableId)[0],
    authnMethodsReferences: claim(SAML_CLAIMS.authnMethodsReferences),
    authenticationMethod: authentication?.getAttribute('AuthenticationMethod') ?? undefined,
    authenticationInstant: authentication?.getAttribute('AuthenticationInstant') ?? undefined,
    attributes,
    signedXml,
  };
}

function checkConditions(claims: VerifiedSamlAssertion, options: VerifySamlOptions): void {
  const audience = options.audience === undefined ? MICROSOFT_ONLINE_REALM : options.audience;
  if (audience !== null && !claims.audiences.includes(audience)) {
    throw new SamlVerificationError(
      'audience',
      `the assertion is not for ${audience} (audience: ${claims.audiences.join(', ') || 'none'})`,
    );
  }
  if (options.issuer !== undefined && claims.issuer !== options.issuer) {
    throw new SamlVerificationError(
      'issuer',
      `the assertion was issued by ${claims.issuer}, not ${options.issuer}`,
    );
  }
  if (options.nowMs === undefined) return;
  const skew = options.clockSkewMs ?? 5 * 60_000;
  const notBefore = claims.notBefore ? Date.parse(claims.notBefore) : undefined;
  const notOnOrAfter = claims.notOnOrAfter ? Date.parse(claims.notOnOrAfter) : undefined;
  if (notBefore !== undefined && !(options.nowMs + skew >= notBefore)) {
    throw new SamlVerificationError(
      'not_yet_valid',
      `the assertion is not valid before ${claims.notBefore}`,
    );
  }
  if (notOnOrAfter !== undefined && !(options.nowMs - skew < notOnOrAfter)) {
    throw new SamlVerificationError('expired', `the assertion expired at ${claims.notOnOrAfter}`);
  }
}
