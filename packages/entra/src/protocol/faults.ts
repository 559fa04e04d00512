/**
 * Faults of the catalogue (docs/faults.md) that change a grant's outcome:
 * - `obo-interaction-required`: every on-behalf-of call fails as if downstream
 *   conditional access demanded MFA the assertion lacks (AADSTS50076 with a
 *   claims challenge), as Exchange Online meets it at step 17.
 * - `rt2-revoked`: refresh tokens issued on-behalf-of (RT2) are refused with
 *   AADSTS50173, as after a password change once directory sync has run.
 * - `onprem-spns-missing`: an app is not found by its servicePrincipalNames
 *   (the on-premises namespaces the Hybrid Configuration Wizard registers on
 *   Exchange Online), only by its appId and identifier URIs: AADSTS500011.
 */
export const OBO_INTERACTION_FAULT = 'obo-interaction-required';
export const RT2_REVOKED_FAULT = 'rt2-revoked';
export const ONPREM_SPNS_MISSING_FAULT = 'onprem-spns-missing';
