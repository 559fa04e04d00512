import type { OnpremConfig } from '@hma-lab/core';

/**
 * The `WWW-Authenticate` challenges of Exchange's ActiveSync virtual
 * directory (protocol-facts §1.1, MS-XOAUTH §3.2.5.4).
 */

/** Exchange's own principal, always the `client_id` of its challenge. */
export const EXCHANGE_CLIENT_ID = '00000002-0000-0ff1-ce00-000000000000';
/** The principal id of Entra (ACS / "EvoSTS") in `trusted_issuers`. */
export const EVOSTS_PRINCIPAL_ID = '00000001-0000-0000-c000-000000000000';

/**
 * The Bearer challenge. `authorization_uri` appears only when EvoSTS is the
 * default authorization endpoint (`hma.enabled`); a rejected token adds
 * `error="invalid_token"`.
 *
 * @example
 * bearerChallenge('3f7a…', onprem, false)
 * // Bearer client_id="00000002-…", trusted_issuers="00000001-…@3f7a…", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize"
 */
export function bearerChallenge(
  tenantId: string,
  onprem: Pick<OnpremConfig, 'hma'>,
  invalidToken: boolean,
): string {
  const parts = [
    `client_id="${EXCHANGE_CLIENT_ID}"`,
    `trusted_issuers="${EVOSTS_PRINCIPAL_ID}@${tenantId}"`,
    'token_types="app_asserted_user_v1 service_asserted_app_v1"',
  ];
  if (onprem.hma.enabled) parts.push(`authorization_uri="${onprem.hma.authorizationUri}"`);
  if (invalidToken) parts.push('error="invalid_token"');
  return `Bearer ${parts.join(', ')}`;
}

/** The Basic challenge, offered when Basic is enabled on the virtual directory. */
export function basicChallenge(onprem: Pick<OnpremConfig, 'easHost'>): string {
  return `Basic realm="${onprem.easHost}"`;
}
