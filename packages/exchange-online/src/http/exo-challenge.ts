import type { Diagnostics } from '../errors.js';
import { diagnosticsHeader } from '../errors.js';

/** Exchange Online's own client id in its Bearer challenge (MS-XOAUTH). */
const EXCHANGE_CLIENT_ID = '00000002-0000-0ff1-ce00-000000000000';

/**
 * Exchange Online's Bearer challenge (protocol-facts §1.1 "EXO sends"):
 * `trusted_issuers="00000001-0000-0000-c000-000000000000@*"` and the
 * `login.microsoftonline.com` authorize URL; `error="invalid_token"` when a
 * token was presented and refused.
 */
export function exoBearerChallenge(authorizationUri: string, invalidToken: boolean): string {
  return (
    `Bearer client_id="${EXCHANGE_CLIENT_ID}", ` +
    `trusted_issuers="00000001-0000-0000-c000-000000000000@*", ` +
    `token_types="app_asserted_user_v1 service_asserted_app_v1", ` +
    `authorization_uri="${authorizationUri}"` +
    (invalidToken ? ', error="invalid_token"' : '')
  );
}

/** Headers of a refused or missing bearer token. */
export function challengeHeaders(
  authorizationUri: string,
  refused: { tokenPresented: boolean; diagnostics?: Diagnostics | undefined },
  basicRealm?: string,
): Record<string, string | string[]> {
  const challenges = [exoBearerChallenge(authorizationUri, refused.tokenPresented)];
  if (basicRealm) challenges.push(`Basic realm="${basicRealm}"`);
  return {
    'WWW-Authenticate': challenges,
    ...(refused.diagnostics ? { 'x-ms-diagnostics': diagnosticsHeader(refused.diagnostics) } : {}),
  };
}
