/**
 * @hma-lab/adfs: AD FS (WS-Federation passive sign-in, WS-Trust
 * username/password sign-in, signed SAML 1.1 assertions for Entra ID) and the
 * Web Application Proxy in front of it.
 *
 * @example
 * ```ts
 * import { createAdfs, createWap, verifySamlAssertion } from '@hma-lab/adfs';
 * ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
 * ctx.mount('adfs', createAdfs(ctx.depsFor('adfs')).app);
 * const claims = verifySamlAssertion(wresult, ctx.keys.adfs.certificatePem, { nowMs });
 * ```
 */
export { createAdfs, type AdfsService } from './http/adfs-app.js';
export { createWap, type WapService } from './http/wap-app.js';
export {
  DEFAULT_ADFS_CONFIG,
  DEFAULT_WAP_CONFIG,
  MICROSOFT_ONLINE_REALM,
  type AdfsConfig,
  type WapConfig,
} from './config.js';
export {
  AdfsError,
  AdfsNotFoundError,
  BackendUnavailableError,
  BadGatewayError,
  LoopDetectedError,
  NonCompliantRequestError,
  NotPublishedError,
  SamlVerificationError,
  UnsupportedRelyingPartyError,
  WapError,
  WsTrustAuthenticationFault,
  WsTrustFault,
  WsTrustInvalidRequestFault,
  WsTrustRequestFailedFault,
  type SamlVerificationFailure,
  type SoapSubcode,
  type WsTrustFaultOptions,
} from './errors.js';
export {
  buildSamlAssertion,
  buildWsFedResponse,
  NAMEID_PERSISTENT,
  PASSWORD_AUTHN_METHOD,
  SAML_AM_PASSWORD,
  SAML_CLAIMS,
  SAML_CM_BEARER,
  type SamlAssertionOptions,
  type SamlAttribute,
  type SignedSamlAssertion,
} from './protocol/ws-fed-response.js';
export {
  verifySamlAssertion,
  type VerifiedSamlAssertion,
  type VerifySamlOptions,
} from './protocol/saml-verify.js';
export {
  buildFederationMetadata,
  type FederationMetadataOptions,
} from './protocol/federation-metadata.js';
export { WS_TRUST, type WsTrustDialect, type WsTrustVersion } from './protocol/ws-trust.js';
export { buildWsTrustMex, type WsTrustMexOptions } from './protocol/ws-trust-mex.js';
export { parseWsTrustRequest, type WsTrustRequest } from './protocol/ws-trust-request.js';
export {
  buildWsTrustFault,
  buildWsTrustResponse,
  type WsTrustFaultMessageOptions,
  type WsTrustResponseOptions,
} from './protocol/ws-trust-response.js';
export { immutableIdOf } from './protocol/authenticate.js';
export type { XmlSigningKey } from './protocol/xml-signature.js';
