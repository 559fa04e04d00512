import { createTestContext, type TestContext } from '@hma-lab/core';
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { createAdfs, createWap } from '@hma-lab/adfs';

/** Namespaces the tests read the answers with. */
export const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  a: 'http://www.w3.org/2005/08/addressing',
  u: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd',
  o: 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd',
  wst: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512',
  t: 'http://schemas.xmlsoap.org/ws/2005/02/trust',
  wsp: 'http://schemas.xmlsoap.org/ws/2004/09/policy',
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  soap12: 'http://schemas.xmlsoap.org/wsdl/soap12/',
  sp: 'http://docs.oasis-open.org/ws-sx/ws-securitypolicy/200702',
  sp2005: 'http://schemas.xmlsoap.org/ws/2005/07/securitypolicy',
  ds: 'http://www.w3.org/2000/09/xmldsig#',
} as const;

export const ACTION = {
  '13': 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue',
  '2005': 'http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue',
} as const;

/** The contoso lab with the proxy and AD FS mounted. */
export function lab(): TestContext {
  const ctx = createTestContext();
  ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
  ctx.mount('adfs', createAdfs(ctx.depsFor('adfs')).app);
  return ctx;
}

export interface RstOptions {
  userName?: string;
  password?: string;
  /** `null` leaves AppliesTo out. */
  appliesTo?: string | null;
  messageId?: string;
  /** Drops the UsernameToken (the Security header stays, with its Timestamp). */
  noUsernameToken?: boolean;
  envelopeNamespace?: string;
  /** The RST's trust namespace, when it should not match the version. */
  trustNamespace?: string;
}

/** A WS-Trust RST as MSAL for Python 1.21 builds it (wstrust_request._build_rst). */
export function rst(version: '13' | '2005', options: RstOptions = {}): string {
  const escape = (text: string): string =>
    text
      .replaceAll('&', '&amp;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&apos;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;');
  const trust = options.trustNamespace ?? (version === '13' ? NS.wst : NS.t);
  const endpoint = `https://sts.contoso.com/adfs/services/trust/${version}/usernamemixed`;
  const appliesTo =
    options.appliesTo === null
      ? ''
      : `<wsp:AppliesTo xmlns:wsp='http://schemas.xmlsoap.org/ws/2004/09/policy'>
            <wsa:EndpointReference>
                <wsa:Address>${options.appliesTo ?? 'urn:federation:MicrosoftOnline'}</wsa:Address>
            </wsa:EndpointReference>
        </wsp:AppliesTo>`;
  const usernameToken = options.noUsernameToken
    ? ''
    : `<wsse:UsernameToken wsu:Id='ADALUsernameToken'>
                    <wsse:Username>${options.userName ?? 'alice@contoso.com'}</wsse:Username>
                    <wsse:Password>${escape(options.password ?? 'Passw0rd!')}</wsse:Password>
                </wsse:UsernameToken>`;
  return `<s:Envelope xmlns:s='${options.envelopeNamespace ?? NS.s}' xmlns:wsa='${NS.a}' xmlns:wsu='${NS.u}'>
        <s:Header>
            <wsa:Action s:mustUnderstand='1'>${ACTION[version]}</wsa:Action>
            <wsa:MessageID>${options.messageId ?? 'urn:uuid:6a1e5b4e-0000-4000-8000-00000000c0de'}</wsa:MessageID>
            <wsa:ReplyTo>
            <wsa:Address>http://www.w3.org/2005/08/addressing/anonymous</wsa:Address>
            </wsa:ReplyTo>
            <wsa:To s:mustUnderstand='1'>${endpoint}</wsa:To>

            <wsse:Security s:mustUnderstand='1'
            xmlns:wsse='http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd'>
                <wsu:Timestamp wsu:Id='_0'>
                    <wsu:Created>2026-01-05T09:00:00Z</wsu:Created>
                    <wsu:Expires>2026-01-05T09:10:00Z</wsu:Expires>
                </wsu:Timestamp>
                ${usernameToken}
            </wsse:Security>

        </s:Header>
        <s:Body>
        <wst:RequestSecurityToken xmlns:wst='${trust}'>
        ${appliesTo}
        <wst:KeyType>${version === '13' ? 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer' : 'http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey'}</wst:KeyType>
            <wst:RequestType>${version === '13' ? 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue' : 'http://schemas.xmlsoap.org/ws/2005/02/trust/Issue'}</wst:RequestType>
        </wst:RequestSecurityToken>
        </s:Body>
        </s:Envelope>`;
}

export interface Answer {
  status: number;
  contentType: string | null;
  allow: string | null;
  text: string;
}

/** Posts a SOAP message as MSAL does (`application/soap+xml; charset=utf-8`, SOAPAction). */
export async function postRst(
  ctx: TestContext,
  url: string,
  body: string | Uint8Array,
  contentType = 'application/soap+xml; charset=utf-8',
): Promise<Answer> {
  const response = await ctx.fetchFor('device')(url, {
    method: 'POST',
    headers: { 'content-type': contentType, soapaction: ACTION['13'] },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    allow: response.headers.get('allow'),
    text: await response.text(),
  };
}

/** MSAL's and ADAL's `findall_content`: the raw text inside every `<(prefix:)tag ...>` (greedy, as theirs). */
export function findallContent(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<(?:\\w+:)?${tag}(?:[^>]*)>([\\s\\S]*)</(?:\\w+:)?${tag}`, 'g');
  return [...xml.matchAll(pattern)].map((m) => m[1]!);
}

/** MSAL's `parse_token_by_re`: the assertion text and token type of the RSTR. */
export function tokenOf(rstr: string): { token: string; type: string } | undefined {
  for (const response of findallContent(rstr, 'RequestSecurityTokenResponse')) {
    const types = findallContent(response, 'TokenType');
    const tokens = findallContent(response, 'RequestedSecurityToken');
    if (types.length > 0 && tokens.length > 0) return { token: tokens[0]!, type: types[0]! };
  }
  return undefined;
}

export function parse(xml: string): Document {
  return new DOMParser({
    onError(level, message) {
      if (level !== 'warning') throw new Error(message);
    },
  }).parseFromString(xml, 'text/xml');
}

/** Child elements along a path of `[namespace, localName]` steps (like ElementTree's findall). */
export function findAll(from: Element, ...path: Array<[string, string]>): Element[] {
  let current = [from];
  for (const [ns, name] of path) {
    current = current.flatMap((element) => {
      const out: Element[] = [];
      for (let node = element.firstChild; node; node = node.nextSibling) {
        const child = node as Element;
        if (node.nodeType === 1 && child.namespaceURI === ns && child.localName === name)
          out.push(child);
      }
      return out;
    });
  }
  return current;
}

export function text(element: Element | undefined): string | undefined {
  return element?.textContent ?? undefined;
}

/** Checks the assertion's own enveloped signature with xml-crypto alone, as a relying party would. */
export function signatureVerifies(assertion: string, certificatePem: string): boolean {
  const doc = parse(assertion);
  const signatures = doc.getElementsByTagNameNS(NS.ds, 'Signature');
  if (signatures.length !== 1) return false;
  const verifier = new SignedXml({ publicCert: certificatePem, idAttribute: 'AssertionID' });
  verifier.loadSignature(signatures[0]!.toString());
  try {
    return verifier.checkSignature(assertion);
  } catch {
    return false;
  }
}

/** The fault of an answer: code, subcode (QName and the namespace of its prefix), reason. */
export function faultOf(xml: string) {
  const root = parse(xml).documentElement!;
  const [fault] = findAll(root, [NS.s, 'Body'], [NS.s, 'Fault']);
  if (!fault) throw new Error(`not a SOAP fault:\n${xml.slice(0, 300)}`);
  const subcode = findAll(fault, [NS.s, 'Code'], [NS.s, 'Subcode'], [NS.s, 'Value'])[0];
  const qname = text(subcode) ?? '';
  const reason = findAll(fault, [NS.s, 'Reason'], [NS.s, 'Text'])[0];
  return {
    code: text(findAll(fault, [NS.s, 'Code'], [NS.s, 'Value'])[0]),
    subcode: qname,
    subcodeNamespace: subcode?.lookupNamespaceURI(qname.split(':')[0] ?? null),
    reason: text(reason),
    lang: reason?.getAttribute('xml:lang'),
    action: text(findAll(root, [NS.s, 'Header'], [NS.a, 'Action'])[0]),
    relatesTo: text(findAll(root, [NS.s, 'Header'], [NS.a, 'RelatesTo'])[0]),
    timestamp: findAll(root, [NS.s, 'Header'], [NS.o, 'Security'], [NS.u, 'Timestamp']).length,
  };
}
