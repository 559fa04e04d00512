import { lazyModule, MAX_XML_DEPTH, xmlNestsDeeperThan } from '@hma-lab/core';
import type * as Xmldom from '@xmldom/xmldom';
import type { Document, Element } from '@xmldom/xmldom';
import type * as XmlCrypto from 'xml-crypto';

/**
 * The XML and XML-DSig libraries load on the first SAML exchange, not at
 * start-up: a lab whose users are not federated never needs them.
 */
export const xmldom = lazyModule<typeof Xmldom>(import.meta.url, '@xmldom/xmldom');
export const xmlCrypto = lazyModule<typeof XmlCrypto>(import.meta.url, 'xml-crypto');

/** Namespaces of the WS-Federation and WS-Trust messages, the SAML 1.1 assertion and the MEX document. */
export const NS = {
  /** WS-Trust 2005/02 (`t:`), what the passive `wresult` and the 2005 endpoint speak. */
  trust: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  /** WS-Trust 1.3 (`trust:`). */
  trust13: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  wsu: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  wsse: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wsse11: 'http://docs.oasis-open.org/wss/oasis-wss-wssecurity-secext-1.1.xsd',
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  /** WS-Addressing 1.0. */
  wsa: 'http://www.w3.org/2005/08/addressing',
  /** WS-Addressing 2004/08, still sent by older WS-Trust clients. */
  wsa2004: 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
  wsaw: 'http://www.w3.org/2006/05/addressing/wsdl',
  soap12: 'http://www.w3.org/2003/05/soap-envelope',
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  wsdlSoap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  xsd: 'http://www.w3.org/2001/XMLSchema',
  sp: 'http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702',
  sp2005: 'http://schemas.xmlsoap.org/ws/2005/07/securitypolicy',
  saml: 'urn:oasis:names:tc:SAML:1.0:assertion',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
  md: 'urn:oasis:names:tc:SAML:2.0:metadata',
  fed: 'http://docs.oasis-open.org/wsfed/federation/200706',
  xsi: 'http://www.w3.org/2001/XMLSchema-instance',
} as const;

/** XML-DSig algorithm identifiers the lab signs with. */
export const DSIG = {
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  enveloped: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
} as const;

/** Escapes text for XML element content and attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/**
 * Parses untrusted XML strictly: any well-formedness error throws, a
 * document type declaration is refused outright (no entity tricks), and so
 * is nesting deeper than MAX_XML_DEPTH (the parser is quadratic in it).
 */
export function parseXml(xml: string): Document {
  if (/<!DOCTYPE/i.test(xml)) throw new Error('a document type declaration is not allowed');
  if (xmlNestsDeeperThan(xml, MAX_XML_DEPTH)) {
    throw new Error(`elements nest deeper than ${MAX_XML_DEPTH}`);
  }
  return new (xmldom().DOMParser)({
    onError(level, message) {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(xml, 'text/xml');
}

/** Child elements of `parent` with a namespace and local name. */
export function childElements(parent: Element, ns: string, localName: string): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) {
    if (node.nodeType !== 1) continue;
    const element = node as Element;
    if (element.namespaceURI === ns && element.localName === localName) found.push(element);
  }
  return found;
}

/** The first child element with a namespace and local name, if any. */
export function childElement(parent: Element, ns: string, localName: string): Element | undefined {
  return childElements(parent, ns, localName)[0];
}

/** An element's text content, trimmed. */
export function textOf(element: Element | undefined): string | undefined {
  const text = element?.textContent?.trim();
  return text === undefined || text === '' ? undefined : text;
}
