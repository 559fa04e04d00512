import { lazyModule, MAX_XML_DEPTH, shorten, xmlNestsDeeperThan } from '@hma-lab/core';
import type * as Xmldom from '@xmldom/xmldom';
import type { Document, Element, Node } from '@xmldom/xmldom';
import type * as XmlCrypto from 'xml-crypto';
import type { Domain, User } from '@hma-lab/core';
import { EntraError } from '../errors.js';
import type { EntraContext } from './context.js';

/** Loaded on the first federated sign-in (SAML), not at start-up. */
const xmldom = lazyModule<typeof Xmldom>(import.meta.url, '@xmldom/xmldom');
const xmlCrypto = lazyModule<typeof XmlCrypto>(import.meta.url, 'xml-crypto');

/**
 * The WS-Federation passive return from AD FS (FLOWS.md step 11):
 * `POST /login.srf` with `wa=wsignin1.0`, `wresult` (a WS-Trust
 * RequestSecurityTokenResponse carrying one SAML 1.1 assertion) and `wctx`.
 *
 * The assertion is verified for real with xml-crypto against the trusted
 * token-signing certificate of the federated domain (never the certificate the
 * message carries), and every claim is read from the signed bytes only
 * (xml-crypto's signed references), so wrapping attacks read nothing.
 *
 * @see protocol-facts §5.3; packages/adfs (the producer); docs/flow-map.md
 */

const NS = {
  saml: 'urn:oasis:names:tc:SAML:1.0:assertion',
  saml2: 'urn:oasis:names:tc:SAML:2.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  trust2005: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  trust13: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
} as const;

const ATTR = {
  upn: { name: 'UPN', namespace: 'http://schemas.xmlsoap.org/claims' },
  immutableId: {
    name: 'ImmutableID',
    namespace: 'http://schemas.microsoft.com/LiveID/Federation/2008/05',
  },
  authnMethods: {
    name: 'authnmethodsreferences',
    namespace: 'http://schemas.microsoft.com/claims',
  },
} as const;

const METHOD_PASSWORD = [
  'urn:oasis:names:tc:SAML:1.0:am:password',
  'http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password',
];
const METHOD_MFA = 'http://schemas.microsoft.com/claims/multipleauthn';

/** A verified federated sign-in. */
export interface FederatedSignIn {
  user: User;
  domain: Domain;
  /** `fed`, plus `pwd` for a password sign-in and `mfa` when AD FS did MFA. */
  amr: string[];
  assertionId: string;
  issuer: string;
}

function wsfedInvalid(reason: string): EntraError {
  return new EntraError(20012, `The WS-Federation message is invalid: ${reason}.`);
}

function samlInvalid(reason: string): EntraError {
  return new EntraError(50008, `SAML token is invalid: ${reason}.`);
}

function badSignature(reason: string): EntraError {
  return new EntraError(
    50006,
    `Signature verification failed because of an invalid signature: ${reason}.`,
  );
}

function parseXml(
  text: string,
  what: string,
  invalid: (reason: string) => EntraError = wsfedInvalid,
): Element {
  if (/<!DOCTYPE/i.test(text)) throw invalid(`${what} must not contain a DOCTYPE`);
  // Checked before parsing: the parser is quadratic in the depth of elements
  // declaring a namespace each (600 KB: 24 s).
  if (xmlNestsDeeperThan(text, MAX_XML_DEPTH)) {
    throw invalid(`${what} nests elements deeper than ${MAX_XML_DEPTH}`);
  }
  try {
    const doc = new (xmldom().DOMParser)({
      onError: (level, message) => {
        if (level !== 'warning') throw new Error(message);
      },
    }).parseFromString(text, 'text/xml');
    const root = (doc as Document).documentElement;
    if (!root) throw new Error('no root element');
    return root;
  } catch {
    // The parser's own message names its internals (DOM exceptions, its
    // wording of the position): the caller gets the fact, as AD FS says it.
    throw invalid(`${what} is not well-formed XML`);
  }
}

function elements(root: Node, ns: string, localName: string): Element[] {
  const found = (root as Element).getElementsByTagNameNS(ns, localName);
  const out: Element[] = [];
  for (let i = 0; i < found.length; i++) out.push(found.item(i)!);
  return out;
}

function childElements(parent: Element, ns: string, localName: string): Element[] {
  const out: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 1) {
      const el = node as Element;
      if (el.namespaceURI === ns && el.localName === localName) out.push(el);
    }
  }
  return out;
}

function text(el: Element | undefined): string {
  return (el?.textContent ?? '').trim();
}

function parseInstant(value: string | null, name: string): number | undefined {
  if (value === null || value === '') return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw samlInvalid(`${name} '${value}' is not a date`);
  return ms;
}

/** The trusted token-signing certificate (PEM) for a federation issuer. */
function trustedCertificate(context: EntraContext, issuer: string): string {
  return (
    context.config.federationSigningCertificates[issuer] ?? context.deps.keys.adfs.certificatePem
  );
}

function pemBody(pem: string): string {
  return pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, '').replace(/\s+/g, '');
}

/**
 * Verifies `wresult` and finds the user. Throws {@link EntraError}s with the
 * AADSTS codes of the README's table (20012, 50006, 50107, 50008, 90020, 51004).
 */
export function verifyWsFedResult(context: EntraContext, wresult: string): FederatedSignIn {
  const root = parseXml(wresult, 'wresult');
  const rootOk =
    root.localName === 'RequestSecurityTokenResponse' ||
    root.localName === 'RequestSecurityTokenResponseCollection';
  if (!rootOk || (root.namespaceURI !== NS.trust2005 && root.namespaceURI !== NS.trust13)) {
    throw wsfedInvalid('wresult is not a WS-Trust RequestSecurityTokenResponse');
  }
  const assertions = elements(root, NS.saml, 'Assertion');
  if (assertions.length !== 1) {
    throw wsfedInvalid(`expected one SAML 1.1 assertion, found ${assertions.length}`);
  }
  return verifyAssertion(context, assertions[0]!, wresult);
}

/**
 * Verifies the SAML 1.1 assertion of a SAML bearer grant (RFC 7522; the
 * `urn:ietf:params:oauth:grant-type:saml1_1-bearer` grant MSAL and ADAL use
 * after a WS-Trust sign-in at AD FS) and finds the user. `encoded` is the
 * `assertion` parameter: the assertion's XML in base64url (MSAL) or base64
 * (ADAL). The checks are those of {@link verifyWsFedResult}; any other
 * problem with the text is AADSTS50008.
 */
export function verifySamlBearerAssertion(context: EntraContext, encoded: string): FederatedSignIn {
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) {
    throw samlInvalid('the assertion parameter is not base64url-encoded');
  }
  const xml = Buffer.from(compact, 'base64').toString('utf8');
  const root = parseXml(xml, 'the assertion', samlInvalid);
  if (root.localName === 'Assertion' && root.namespaceURI === NS.saml2) {
    throw samlInvalid(
      'the lab verifies SAML 1.1 assertions only (what its AD FS issues to Entra), not SAML 2.0',
    );
  }
  if (root.localName !== 'Assertion' || root.namespaceURI !== NS.saml) {
    throw samlInvalid(`expected a SAML 1.1 Assertion, found <${shorten(root.tagName, 100)}>`);
  }
  return verifyAssertion(context, root, xml);
}

/** Checks one SAML 1.1 assertion of `document` (its signature, conditions, user). */
function verifyAssertion(
  context: EntraContext,
  assertion: Element,
  document: string,
): FederatedSignIn {
  const { directory } = context.deps;
  const assertionId = assertion.getAttribute('AssertionID') ?? '';
  if (!assertionId) throw samlInvalid('the assertion has no AssertionID');
  const claimedIssuer = assertion.getAttribute('Issuer') ?? '';
  const domains = directory.scenario.domains.filter(
    (d) => d.authentication === 'federated' && d.federation?.issuer === claimedIssuer,
  );
  if (domains.length === 0) {
    throw new EntraError(
      50107,
      `The requested federation realm object '${claimedIssuer}' does not exist.`,
    );
  }
  const signatures = childElements(assertion, NS.ds, 'Signature');
  if (signatures.length !== 1) throw badSignature('the SAML assertion is not signed');
  const signature = signatures[0]!;
  const trustedPem = trustedCertificate(context, claimedIssuer);
  const carried = elements(signature, NS.ds, 'X509Certificate').map((el) =>
    text(el).replace(/\s+/g, ''),
  );
  if (carried.some((cert) => cert !== pemBody(trustedPem))) {
    throw badSignature(
      'the certificate in KeyInfo is not the trusted token-signing certificate of the federated domain',
    );
  }

  const verifier = new (xmlCrypto().SignedXml)({
    publicCert: trustedPem,
    getCertFromKeyInfo: () => null,
    idAttribute: 'AssertionID',
  });
  let valid: boolean;
  try {
    verifier.loadSignature(new (xmldom().XMLSerializer)().serializeToString(signature));
    valid = verifier.checkSignature(document);
  } catch (error) {
    throw badSignature((error as Error).message);
  }
  if (!valid) throw badSignature('the signature value or a digest does not match');
  const signed = verifier.getSignedReferences();
  if (signed.length !== 1) throw badSignature('the signature must cover exactly the assertion');

  // From here on only the signed bytes are read.
  const signedAssertion = parseXml(signed[0]!, 'the signed assertion');
  if (
    signedAssertion.namespaceURI !== NS.saml ||
    signedAssertion.localName !== 'Assertion' ||
    signedAssertion.getAttribute('AssertionID') !== assertionId
  ) {
    throw badSignature('the signature does not cover the assertion');
  }
  const issuer = signedAssertion.getAttribute('Issuer') ?? '';
  if (issuer !== claimedIssuer) throw badSignature('the signed Issuer differs');
  const domainOfIssuer = domains[0]!;

  const now = context.now();
  const skew = context.ms.clockSkew;
  const conditions = childElements(signedAssertion, NS.saml, 'Conditions')[0];
  if (!conditions) throw samlInvalid('the assertion has no Conditions');
  const notBefore = parseInstant(conditions.getAttribute('NotBefore'), 'NotBefore');
  const notOnOrAfter = parseInstant(conditions.getAttribute('NotOnOrAfter'), 'NotOnOrAfter');
  if (notBefore !== undefined && now + skew < notBefore) {
    throw samlInvalid(
      `the assertion is not valid before ${new Date(notBefore).toISOString()} (now ${new Date(now).toISOString()})`,
    );
  }
  if (notOnOrAfter === undefined || now - skew >= notOnOrAfter) {
    throw samlInvalid(
      notOnOrAfter === undefined
        ? 'the assertion has no NotOnOrAfter'
        : `the assertion expired at ${new Date(notOnOrAfter).toISOString()} (now ${new Date(now).toISOString()})`,
    );
  }
  const audiences = elements(conditions, NS.saml, 'Audience').map(text);
  if (!audiences.includes(context.config.federationRealm)) {
    throw samlInvalid(
      `the audience is '${audiences.join(', ')}', expected '${context.config.federationRealm}'`,
    );
  }
  if (context.stores.assertionIds.has(assertionId)) {
    throw samlInvalid(`the assertion ${assertionId} was already used`);
  }

  const attributes = new Map<string, string[]>();
  for (const attribute of elements(signedAssertion, NS.saml, 'Attribute')) {
    const key = `${attribute.getAttribute('AttributeNamespace') ?? ''}|${attribute.getAttribute('AttributeName') ?? ''}`;
    const values = childElements(attribute, NS.saml, 'AttributeValue').map(text);
    attributes.set(key, [...(attributes.get(key) ?? []), ...values]);
  }
  const attr = (a: { name: string; namespace: string }) =>
    attributes.get(`${a.namespace}|${a.name}`) ?? [];
  const nameIdentifier = text(elements(signedAssertion, NS.saml, 'NameIdentifier')[0]);
  const immutableId = attr(ATTR.immutableId)[0] ?? nameIdentifier;
  const upn = attr(ATTR.upn)[0];
  if (!immutableId && !upn) throw new EntraError(90020);

  const users = directory.users();
  const user =
    (immutableId ? users.find((u) => u.immutableId === immutableId) : undefined) ??
    (upn ? directory.user(upn) : undefined);
  if (!user) {
    throw new EntraError(
      51004,
      `The user account ${upn ?? immutableId} does not exist in the ${directory.tenant.name} directory.`,
    );
  }
  const userDomain = directory.domainOf(user.upn);
  if (!userDomain || userDomain.federation?.issuer !== issuer) {
    throw samlInvalid(
      `${user.upn} is not in a domain federated with '${issuer}' (domain ${domainOfIssuer.name} is)`,
    );
  }

  const methods = [
    ...attr(ATTR.authnMethods),
    ...elements(signedAssertion, NS.saml, 'AuthenticationStatement').map(
      (s) => s.getAttribute('AuthenticationMethod') ?? '',
    ),
  ];
  const amr = ['fed'];
  if (methods.some((m) => METHOD_PASSWORD.includes(m))) amr.push('pwd');
  if (methods.includes(METHOD_MFA)) amr.push('mfa');

  context.stores.assertionIds.set(assertionId, notOnOrAfter + skew);
  return { user, domain: userDomain, amr, assertionId, issuer };
}
