import { NS } from './xml.js';

/** The two WS-Trust dialects AD FS's `usernamemixed` endpoints speak. */
export type WsTrustVersion = '13' | '2005';

/** What differs between WS-Trust 1.3 and WS-Trust 2005/02 on the wire. */
export interface WsTrustDialect {
  version: WsTrustVersion;
  /** The trust namespace of the RST and the RSTR. */
  namespace: string;
  /** Where AD FS serves it (the path MEX publishes). */
  usernameMixedPath: string;
  /** The RST's action (`wsa:Action`, the binding's `soapAction`). */
  requestAction: string;
  /** The answer's `a:Action`. */
  responseAction: string;
  requestType: string;
  keyType: string;
  /** Names in the MEX document, as AD FS (WCF) generates them. */
  bindingName: string;
  policyId: string;
  portTypeName: string;
  operationName: string;
  /** How the trace names the endpoint (`adfs.token.issued` `via`). */
  via: 'ws-trust-13' | 'ws-trust-2005';
  /** For messages: `WS-Trust 1.3`. */
  label: string;
}

/**
 * WS-Trust 1.3 (OASIS) and WS-Trust 2005/02, as AD FS publishes them: paths,
 * namespaces, actions, request and key types, and the WCF names MEX uses.
 *
 * @example
 * ```ts
 * WS_TRUST['13'].usernameMixedPath; // '/adfs/services/trust/13/usernamemixed'
 * WS_TRUST['2005'].keyType; // 'http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey'
 * ```
 * @see WS-Trust 1.3 §2.3 (namespaces), §4.1 (RequestType), §9.2 (KeyType: Bearer); WS-Trust 2005/02 §6
 */
export const WS_TRUST: Readonly<Record<WsTrustVersion, WsTrustDialect>> = {
  '13': {
    version: '13',
    namespace: NS.trust13,
    usernameMixedPath: '/adfs/services/trust/13/usernamemixed',
    requestAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue',
    responseAction: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/RSTRC/IssueFinal',
    requestType: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue',
    keyType: 'http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer',
    bindingName: 'UserNameWSTrustBinding_IWSTrust13Async',
    policyId: 'UserNameWSTrustBinding_IWSTrust13Async_policy',
    portTypeName: 'IWSTrust13Async',
    operationName: 'Trust13IssueAsync',
    via: 'ws-trust-13',
    label: 'WS-Trust 1.3',
  },
  '2005': {
    version: '2005',
    namespace: NS.trust,
    usernameMixedPath: '/adfs/services/trust/2005/usernamemixed',
    requestAction: 'http://schemas.xmlsoap.org/ws/2005/02/trust/RST/Issue',
    responseAction: 'http://schemas.xmlsoap.org/ws/2005/02/trust/RSTR/Issue',
    requestType: 'http://schemas.xmlsoap.org/ws/2005/02/trust/Issue',
    keyType: 'http://schemas.xmlsoap.org/ws/2005/05/identity/NoProofKey',
    bindingName: 'UserNameWSTrustBinding_IWSTrustFeb2005Async',
    policyId: 'UserNameWSTrustBinding_IWSTrustFeb2005Async_policy',
    portTypeName: 'IWSTrustFeb2005Async',
    operationName: 'TrustFeb2005IssueAsync',
    via: 'ws-trust-2005',
    label: 'WS-Trust 2005',
  },
};

/** The token type AD FS issues to Entra ID: SAML 1.1. */
export const SAML11_TOKEN_TYPE = 'urn:oasis:names:tc:SAML:1.0:assertion';

/** `ValueType` of a `KeyIdentifier` naming a SAML 1.1 assertion by its AssertionID. */
export const SAML_ASSERTION_ID_VALUE_TYPE =
  'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.0#SAMLAssertionID';

/** `wsse11:TokenType` of a SecurityTokenReference to a SAML 1.1 assertion. */
export const SAML11_TOKEN_PROFILE_TYPE =
  'http://docs.oasis-open.org/wss/oasis-wss-saml-token-profile-1.1#SAMLV1.1';

/** WS-Addressing action of every SOAP fault. */
export const SOAP_FAULT_ACTION = 'http://www.w3.org/2005/08/addressing/soap/fault';

/**
 * How long the `u:Timestamp` of AD FS's answers is valid (WCF's default
 * `TimestampValidityDuration`: 5 min).
 */
export const ANSWER_TIMESTAMP_VALIDITY_MS = 5 * 60_000;
