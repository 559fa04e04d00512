/**
 * Faults of the catalogue (docs/faults.md) that change a grant's outcome:
 * - `obo-interaction-required`: every on-behalf-of call fails as if downstream
 *   conditional access demanded MFA the assertion lacks (AADSTS50076 with a
 *   claims challenge), as Exchange Online meets it at step 17.
 * - `rt2-revoked`: refresh tokens issued on-behalf-of (RT2) are refused with
 *   AADSTS50173, as after a password change once directory sync has run.
 */
export const OBO_INTERACTION_FAULT = 'obo-interaction-required';
export const RT2_REVOKED_FAULT = 'rt2-revoked';
