import type { Element } from '@xmldom/xmldom';
import { MAX_XML_DEPTH } from '@hma-lab/core';
import { WsTrustInvalidRequestFault } from '../errors.js';
import { WS_TRUST, type WsTrustVersion } from './ws-trust.js';
import { childElement, NS, parseXml } from './xml.js';

/** What AD FS reads from a WS-Trust Issue request with a UsernameToken. */
export interface WsTrustRequest {
  version: WsTrustVersion;
  /** `wsa:MessageID`, echoed in the answer's `a:RelatesTo`. */
  messageId: string | undefined;
  /** `wsse:Username`, trimmed ('' when the element is missing). */
  userName: string;
  /** `wsse:Password`, as sent ('' when the element is missing). */
  password: string;
  /** `wsp:AppliesTo/wsa:EndpointReference/wsa:Address`: the relying party, if named. */
  appliesTo: string | undefined;
}

/** WS-Addressing namespaces whose `EndpointReference`/`MessageID` are read (1.0 and 2004/08). */
const ADDRESSING = [NS.wsa, NS.wsa2004] as const;
/** WS-Policy namespaces whose `AppliesTo` is read (2004/09 and 1.5). */
const POLICY = [NS.wsp, 'http://www.w3.org/ns/ws-policy'] as const;

/**
 * Reads a WS-Trust RequestSecurityToken posted to a `usernamemixed` endpoint:
 * the SOAP 1.2 envelope, the UsernameToken of its `wsse:Security` header, the
 * `wsa:MessageID`, and the relying party from the RST's `wsp:AppliesTo`. The
 * RST must be in the trust namespace of the endpoint's `version`.
 *
 * The text is untrusted: a DOCTYPE is refused (no entity is ever expanded),
 * any well-formedness error fails, and only fixed paths of the tree are
 * visited. Anything missing or wrong throws {@link WsTrustInvalidRequestFault}
 * naming what; credentials are only read, never checked here.
 *
 * @example
 * ```ts
 * const rst = parseWsTrustRequest(req.rawBody.toString('utf8'), '13');
 * authenticate(directory, farm, rst.userName, rst.password);
 * ```
 * @see WS-Trust 1.3 §4.1 (RST); WSS UsernameToken Profile 1.0 §3; SOAP 1.2 part 1 §5
 */
export function parseWsTrustRequest(xml: string, version: WsTrustVersion): WsTrustRequest {
  const dialect = WS_TRUST[version];
  const envelope = soapEnvelope(xml.replace(/^\uFEFF/, ''));
  const header = childElement(envelope, NS.soap12, 'Header');
  const messageId = header ? firstText(header, ADDRESSING, 'MessageID') : undefined;
  const invalid = (detail: string): WsTrustInvalidRequestFault =>
    new WsTrustInvalidRequestFault(detail, { relatesTo: messageId });

  const body = childElement(envelope, NS.soap12, 'Body');
  if (!body) throw invalid('the SOAP envelope has no s:Body.');
  const rst = childElement(body, dialect.namespace, 'RequestSecurityToken');
  if (!rst) {
    const other = dialect.version === '13' ? WS_TRUST['2005'] : WS_TRUST['13'];
    throw invalid(
      childElement(body, other.namespace, 'RequestSecurityToken')
        ? `the s:Body holds a ${other.label} RequestSecurityToken; this endpoint speaks ${dialect.label} (post it to ${other.usernameMixedPath}).`
        : `the s:Body has no ${dialect.label} RequestSecurityToken (namespace ${dialect.namespace}).`,
    );
  }

  const security = header && childElement(header, NS.wsse, 'Security');
  const token = security && childElement(security, NS.wsse, 'UsernameToken');
  if (!token) {
    throw invalid(
      security
        ? 'the wsse:Security header has no wsse:UsernameToken.'
        : 'the message has no wsse:Security header with a wsse:UsernameToken.',
    );
  }
  return {
    version,
    messageId,
    userName: (ownText(childElement(token, NS.wsse, 'Username')) ?? '').trim(),
    password: ownText(childElement(token, NS.wsse, 'Password')) ?? '',
    appliesTo: appliesToOf(rst),
  };
}

function soapEnvelope(xml: string): Element {
  let root: Element | null;
  try {
    root = parseXml(xml).documentElement;
  } catch (error) {
    const message = (error as Error).message;
    throw new WsTrustInvalidRequestFault(
      /DOCTYPE|document type/i.test(message)
        ? 'a document type declaration (DOCTYPE) is not allowed in a SOAP message.'
        : /nest deeper/.test(message)
          ? `the maximum read depth (${MAX_XML_DEPTH}) has been exceeded.`
          : 'the body is not well-formed XML.',
      { cause: error },
    );
  }
  if (!root || root.localName !== 'Envelope' || root.namespaceURI !== NS.soap12) {
    throw new WsTrustInvalidRequestFault(
      `the body is not a SOAP 1.2 envelope (an Envelope in namespace ${NS.soap12}).`,
    );
  }
  return root;
}

/** The relying party of the RST: `wsp:AppliesTo/wsa:EndpointReference/wsa:Address`. */
function appliesToOf(rst: Element): string | undefined {
  for (const policy of POLICY) {
    const appliesTo = childElement(rst, policy, 'AppliesTo');
    if (!appliesTo) continue;
    for (const addressing of ADDRESSING) {
      const reference = childElement(appliesTo, addressing, 'EndpointReference');
      const address = reference && firstText(reference, ADDRESSING, 'Address');
      if (address !== undefined) return address;
    }
  }
  return undefined;
}

function firstText(
  parent: Element,
  namespaces: readonly string[],
  localName: string,
): string | undefined {
  for (const ns of namespaces) {
    const text = ownText(childElement(parent, ns, localName))?.trim();
    if (text) return text;
  }
  return undefined;
}

/**
 * The text an element holds itself (its text and CDATA children, not its
 * descendants'), so markup smuggled inside a Username or Password is not read.
 */
function ownText(element: Element | undefined): string | undefined {
  if (!element) return undefined;
  let text = '';
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === 3 || node.nodeType === 4) text += node.nodeValue ?? '';
  }
  return text;
}
