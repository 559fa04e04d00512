import type { SoapSubcode } from '../errors.js';
import type { SignedSamlAssertion } from './ws-fed-response.js';
import {
  ANSWER_TIMESTAMP_VALIDITY_MS,
  SAML11_TOKEN_PROFILE_TYPE,
  SAML11_TOKEN_TYPE,
  SAML_ASSERTION_ID_VALUE_TYPE,
  SOAP_FAULT_ACTION,
  WS_TRUST,
  type WsTrustVersion,
} from './ws-trust.js';
import { escapeXml, NS } from './xml.js';

export interface WsTrustResponseOptions {
  version: WsTrustVersion;
  /** The signed assertion, placed in `RequestedSecurityToken` exactly as built. */
  assertion: SignedSamlAssertion;
  /** The relying party (`wsp:AppliesTo`). */
  appliesTo: string;
  /** The request's `wsa:MessageID`, answered in `a:RelatesTo`. */
  relatesTo?: string | undefined;
  /** Now (ms since the epoch), from the lab clock: the envelope's `u:Timestamp`. */
  nowMs: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** The SOAP 1.2 envelope AD FS answers in, with WCF's prefixes (`s`, `a`, `u`, `o`). */
function envelope(action: string, relatesTo: string | undefined, nowMs: number, body: string) {
  return (
    `<s:Envelope xmlns:s="${NS.soap12}" xmlns:a="${NS.wsa}" xmlns:u="${NS.wsu}">` +
    `<s:Header>` +
    `<a:Action s:mustUnderstand="1">${action}</a:Action>` +
    (relatesTo !== undefined ? `<a:RelatesTo>${escapeXml(relatesTo)}</a:RelatesTo>` : '') +
    `<o:Security s:mustUnderstand="1" xmlns:o="${NS.wsse}">` +
    `<u:Timestamp u:Id="_0"><u:Created>${iso(nowMs)}</u:Created><u:Expires>${iso(nowMs + ANSWER_TIMESTAMP_VALIDITY_MS)}</u:Expires></u:Timestamp>` +
    `</o:Security>` +
    `</s:Header>` +
    `<s:Body>${body}</s:Body>` +
    `</s:Envelope>`
  );
}

/**
 * AD FS's answer to a WS-Trust Issue request: a SOAP 1.2 envelope whose body
 * is a RequestSecurityTokenResponse (inside a `RequestSecurityTokenResponseCollection`
 * for WS-Trust 1.3) with the token's lifetime, the relying party, the signed
 * SAML 1.1 assertion, attached and unattached references to it by
 * AssertionID, and the token, request and key types.
 *
 * The assertion is inserted byte for byte, with nothing around it inside
 * `RequestedSecurityToken`: MSAL and ADAL cut it out with a regular expression
 * and forward it to Entra as it is, so its own signature must verify (it
 * declares its namespaces itself and is signed with exclusive c14n).
 *
 * @example
 * ```ts
 * const xml = buildWsTrustResponse({
 *   version: '13', assertion: buildSamlAssertion({ ... }),
 *   appliesTo: 'urn:federation:MicrosoftOnline', relatesTo: rst.messageId, nowMs,
 * });
 * ```
 * @see WS-Trust 1.3 §4.3 (RSTR), §4.4 (RSTRC); WS-Trust 2005/02 §6; WSS SAML Token Profile 1.1 §3.4
 */
export function buildWsTrustResponse(options: WsTrustResponseOptions): string {
  const dialect = WS_TRUST[options.version];
  const { assertion } = options;
  const p = options.version === '13' ? 'trust' : 't';
  const reference =
    `<o:SecurityTokenReference k:TokenType="${SAML11_TOKEN_PROFILE_TYPE}" xmlns:k="${NS.wsse11}" xmlns:o="${NS.wsse}">` +
    `<o:KeyIdentifier ValueType="${SAML_ASSERTION_ID_VALUE_TYPE}">${assertion.assertionId}</o:KeyIdentifier>` +
    `</o:SecurityTokenReference>`;
  const response =
    `<${p}:RequestSecurityTokenResponse${options.version === '2005' ? ` xmlns:t="${NS.trust}"` : ''}>` +
    `<${p}:Lifetime><wsu:Created xmlns:wsu="${NS.wsu}">${assertion.issueInstant}</wsu:Created><wsu:Expires xmlns:wsu="${NS.wsu}">${assertion.notOnOrAfter}</wsu:Expires></${p}:Lifetime>` +
    `<wsp:AppliesTo xmlns:wsp="${NS.wsp}"><wsa:EndpointReference xmlns:wsa="${NS.wsa}"><wsa:Address>${escapeXml(options.appliesTo)}</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<${p}:RequestedSecurityToken>${assertion.xml}</${p}:RequestedSecurityToken>` +
    `<${p}:RequestedAttachedReference>${reference}</${p}:RequestedAttachedReference>` +
    `<${p}:RequestedUnattachedReference>${reference}</${p}:RequestedUnattachedReference>` +
    `<${p}:TokenType>${SAML11_TOKEN_TYPE}</${p}:TokenType>` +
    `<${p}:RequestType>${dialect.requestType}</${p}:RequestType>` +
    `<${p}:KeyType>${dialect.keyType}</${p}:KeyType>` +
    `</${p}:RequestSecurityTokenResponse>`;
  const body =
    options.version === '13'
      ? `<trust:RequestSecurityTokenResponseCollection xmlns:trust="${NS.trust13}">${response}</trust:RequestSecurityTokenResponseCollection>`
      : response;
  return envelope(dialect.responseAction, options.relatesTo, options.nowMs, body);
}

export interface WsTrustFaultMessageOptions {
  /** `s:Sender` (the request is at fault) or `s:Receiver` (AD FS is). */
  side: 'Sender' | 'Receiver';
  subcode: SoapSubcode;
  /** `s:Reason/s:Text`, e.g. `ID3242: The security token could not be authenticated or authorized.` */
  reason: string;
  relatesTo?: string | undefined;
  nowMs: number;
}

/**
 * A SOAP 1.2 fault as AD FS's WCF stack sends it: the fault action, a
 * timestamped security header, and `s:Fault` with `s:Code/s:Value`, a
 * `s:Subcode/s:Value` whose QName prefix `a` is declared on the value itself,
 * and `s:Reason/s:Text xml:lang="en-US"`.
 *
 * @example
 * ```ts
 * buildWsTrustFault({
 *   side: 'Sender',
 *   subcode: { namespace: NS.wsse, localName: 'FailedAuthentication' },
 *   reason: 'ID3242: The security token could not be authenticated or authorized.',
 *   nowMs,
 * });
 * ```
 * @see SOAP 1.2 part 1 §5.4 (SOAP fault); WS-Trust 1.3 §11 (error handling); WSS 1.0 §12
 */
export function buildWsTrustFault(options: WsTrustFaultMessageOptions): string {
  const fault =
    `<s:Fault>` +
    `<s:Code><s:Value>s:${options.side}</s:Value>` +
    `<s:Subcode><s:Value xmlns:a="${escapeXml(options.subcode.namespace)}">a:${escapeXml(options.subcode.localName)}</s:Value></s:Subcode>` +
    `</s:Code>` +
    `<s:Reason><s:Text xml:lang="en-US">${escapeXml(options.reason)}</s:Text></s:Reason>` +
    `</s:Fault>`;
  return envelope(SOAP_FAULT_ACTION, options.relatesTo, options.nowMs, fault);
}
