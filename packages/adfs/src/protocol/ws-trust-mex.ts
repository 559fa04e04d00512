import { WS_TRUST, type WsTrustDialect, type WsTrustVersion } from './ws-trust.js';
import { escapeXml, NS } from './xml.js';

export interface WsTrustMexOptions {
  /** The public host clients reach AD FS on (the proxy's `wapHost`), e.g. `sts.contoso.com`. */
  publicHost: string;
}

/** WCF's target namespace for AD FS's security token service contract. */
const STS_NAMESPACE = 'http://schemas.microsoft.com/ws/2008/06/identity/securitytokenservice';
const SOAP_HTTP_TRANSPORT = 'http://schemas.xmlsoap.org/soap/http';

/** The order AD FS lists its endpoints in: WS-Trust 2005 first, then 1.3. */
const PUBLISHED: readonly WsTrustVersion[] = ['2005', '13'];

/** The URL of a `usernamemixed` endpoint on the public host. */
export function usernameMixedUrl(publicHost: string, version: WsTrustVersion): string {
  return `https://${publicHost}${WS_TRUST[version].usernameMixedPath}`;
}

/**
 * The MEX document (a WSDL 1.1 `wsdl:definitions`) AD FS serves at
 * `/adfs/services/trust/mex`, reduced to the two username/password endpoints:
 * for each of WS-Trust 2005 and 1.3 a `wsp:Policy` (transport security, a
 * UsernameToken as signed supporting token), the message, port type and
 * `wsdl:binding` WCF generates for it, and a `wsdl:port` whose
 * `wsa10:EndpointReference/wsa10:Address` is the endpoint on the public host.
 *
 * MSAL and ADAL find the endpoint by walking from `sp:WssUsernameToken10`
 * seven parents up to the policy, then policy -> binding (`wsp:PolicyReference`,
 * `soap12:binding`, `soap12:operation/@soapAction`) -> port: that structure is
 * kept exactly as AD FS has it.
 *
 * @example
 * ```ts
 * const xml = buildWsTrustMex({ publicHost: 'sts.contoso.com' });
 * // ... <wsa10:Address>https://sts.contoso.com/adfs/services/trust/13/usernamemixed</wsa10:Address> ...
 * ```
 * @see WSDL 1.1 §2; WS-SecurityPolicy 1.2 §5.4.1 (UsernameToken), §7.3 (TransportBinding); WS-MetadataExchange
 */
export function buildWsTrustMex(options: WsTrustMexOptions): string {
  const dialects = PUBLISHED.map((version) => WS_TRUST[version]);
  return (
    `<?xml version="1.0" encoding="utf-8"?>` +
    `<wsdl:definitions name="SecurityTokenService" targetNamespace="${STS_NAMESPACE}"` +
    ` xmlns:wsdl="${NS.wsdl}" xmlns:soap12="${NS.wsdlSoap12}" xmlns:tns="${STS_NAMESPACE}"` +
    ` xmlns:wsp="${NS.wsp}" xmlns:wsu="${NS.wsu}" xmlns:sp="${NS.sp}" xmlns:sp2005="${NS.sp2005}"` +
    ` xmlns:wsa10="${NS.wsa}" xmlns:wsaw="${NS.wsaw}" xmlns:xsd="${NS.xsd}"` +
    ` xmlns:trust="${NS.trust13}" xmlns:t="${NS.trust}">` +
    dialects.map(policy).join('') +
    types() +
    dialects.map(messages).join('') +
    dialects.map(portType).join('') +
    dialects.map(binding).join('') +
    `<wsdl:service name="SecurityTokenService">` +
    dialects.map((d) => port(d, options.publicHost)).join('') +
    `</wsdl:service>` +
    `</wsdl:definitions>`
  );
}

/** The binding's policy: HTTPS transport, a UsernameToken (WSS 1.0) sent to AD FS. */
function policy(dialect: WsTrustDialect): string {
  // WS-Trust 1.3 endpoints state their policy in WS-SecurityPolicy 1.2, the
  // 2005 ones in the 2005/07 draft (sp2005), with SignedSupportingTokens.
  const sp = dialect.version === '13' ? 'sp' : 'sp2005';
  const supporting =
    dialect.version === '13' ? 'SignedEncryptedSupportingTokens' : 'SignedSupportingTokens';
  const includeToken = `${dialect.version === '13' ? NS.sp : NS.sp2005}/IncludeToken/AlwaysToRecipient`;
  const trust = dialect.version === '13' ? 'Trust13' : 'Trust10';
  const nested = (name: string, inner: string): string =>
    `<${sp}:${name}><wsp:Policy>${inner}</wsp:Policy></${sp}:${name}>`;
  return (
    `<wsp:Policy wsu:Id="${dialect.policyId}"><wsp:ExactlyOne><wsp:All>` +
    nested(
      'TransportBinding',
      nested('TransportToken', `<${sp}:HttpsToken RequireClientCertificate="false"/>`) +
        nested('AlgorithmSuite', `<${sp}:Basic256/>`) +
        nested('Layout', `<${sp}:Strict/>`) +
        `<${sp}:IncludeTimestamp/>`,
    ) +
    nested(
      supporting,
      `<${sp}:UsernameToken ${sp}:IncludeToken="${includeToken}"><wsp:Policy><${sp}:WssUsernameToken10/></wsp:Policy></${sp}:UsernameToken>`,
    ) +
    `<${sp}:Wss11><wsp:Policy/></${sp}:Wss11>` +
    nested(
      trust,
      `<${sp}:MustSupportIssuedTokens/><${sp}:RequireClientEntropy/><${sp}:RequireServerEntropy/>`,
    ) +
    `<wsaw:UsingAddressing/>` +
    `</wsp:All></wsp:ExactlyOne></wsp:Policy>`
  );
}

/**
 * The message elements, as open content models (WCF's own schemas for them
 * are `xs:any` sequences too), so the WSDL is complete without imports.
 */
function types(): string {
  const open =
    `<xsd:sequence><xsd:any minOccurs="0" maxOccurs="unbounded" namespace="##any" processContents="lax"/></xsd:sequence>` +
    `<xsd:attribute name="Context" type="xsd:anyURI" use="optional"/><xsd:anyAttribute namespace="##other" processContents="lax"/>`;
  const element = (prefix: string, name: string): string =>
    `<xsd:element name="${name}" type="${prefix}:${name}Type"/><xsd:complexType name="${name}Type">${open}</xsd:complexType>`;
  return (
    `<wsdl:types>` +
    `<xsd:schema targetNamespace="${NS.trust}" elementFormDefault="qualified">` +
    element('t', 'RequestSecurityToken') +
    element('t', 'RequestSecurityTokenResponse') +
    `</xsd:schema>` +
    `<xsd:schema targetNamespace="${NS.trust13}" elementFormDefault="qualified">` +
    element('trust', 'RequestSecurityToken') +
    element('trust', 'RequestSecurityTokenResponse') +
    `<xsd:element name="RequestSecurityTokenResponseCollection" type="trust:RequestSecurityTokenResponseCollectionType"/>` +
    `<xsd:complexType name="RequestSecurityTokenResponseCollectionType"><xsd:sequence><xsd:element minOccurs="1" maxOccurs="unbounded" ref="trust:RequestSecurityTokenResponse"/></xsd:sequence><xsd:anyAttribute namespace="##other" processContents="lax"/></xsd:complexType>` +
    `</xsd:schema>` +
    `</wsdl:types>`
  );
}

function messageName(dialect: WsTrustDialect, direction: 'Input' | 'Output'): string {
  return `${dialect.portTypeName}_${dialect.operationName}_${direction}Message`;
}

function messages(dialect: WsTrustDialect): string {
  const prefix = dialect.version === '13' ? 'trust' : 't';
  const result =
    dialect.version === '13'
      ? 'RequestSecurityTokenResponseCollection'
      : 'RequestSecurityTokenResponse';
  return (
    `<wsdl:message name="${messageName(dialect, 'Input')}"><wsdl:part name="request" element="${prefix}:RequestSecurityToken"/></wsdl:message>` +
    `<wsdl:message name="${messageName(dialect, 'Output')}"><wsdl:part name="${dialect.operationName}Result" element="${prefix}:${result}"/></wsdl:message>`
  );
}

function portType(dialect: WsTrustDialect): string {
  return (
    `<wsdl:portType name="${dialect.portTypeName}"><wsdl:operation name="${dialect.operationName}">` +
    `<wsdl:input wsaw:Action="${dialect.requestAction}" message="tns:${messageName(dialect, 'Input')}"/>` +
    `<wsdl:output wsaw:Action="${dialect.responseAction}" message="tns:${messageName(dialect, 'Output')}"/>` +
    `</wsdl:operation></wsdl:portType>`
  );
}

function binding(dialect: WsTrustDialect): string {
  return (
    `<wsdl:binding name="${dialect.bindingName}" type="tns:${dialect.portTypeName}">` +
    `<wsp:PolicyReference URI="#${dialect.policyId}"/>` +
    `<soap12:binding transport="${SOAP_HTTP_TRANSPORT}"/>` +
    `<wsdl:operation name="${dialect.operationName}">` +
    `<soap12:operation soapAction="${dialect.requestAction}" style="document"/>` +
    `<wsdl:input><soap12:body use="literal"/></wsdl:input>` +
    `<wsdl:output><soap12:body use="literal"/></wsdl:output>` +
    `</wsdl:operation>` +
    `</wsdl:binding>`
  );
}

function port(dialect: WsTrustDialect, publicHost: string): string {
  const url = escapeXml(usernameMixedUrl(publicHost, dialect.version));
  return (
    `<wsdl:port name="${dialect.bindingName}" binding="tns:${dialect.bindingName}">` +
    `<soap12:address location="${url}"/>` +
    `<wsa10:EndpointReference><wsa10:Address>${url}</wsa10:Address></wsa10:EndpointReference>` +
    `</wsdl:port>`
  );
}
