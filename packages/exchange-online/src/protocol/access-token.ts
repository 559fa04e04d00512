import type { KeyObject } from 'node:crypto';
import { decodeJwt, isoTime, verifyJwtSignature, type Directory, type User } from '@hma-lab/core';
import { InvalidTokenError, type Diagnostics } from '../errors.js';

/**
 * Validation of the bearer tokens Exchange Online receives: AT1 at the HMA
 * client API (aud Exchange Online, appid Outlook mobile) and the access
 * tokens of cloud-mailbox clients at its ActiveSync endpoint. RS256 against
 * Entra's published keys, v1 issuer `https://sts.windows.net/<tid>/`, audience,
 * client, `exp`/`nbf` with a skew. Failures carry Exchange's `x-ms-diagnostics`
 * codes (protocol-facts §1.3); the expired-token code is unconfirmed (2000002,
 * as the on-prem party uses).
 */

/** Claims of an Entra v1 access token that Exchange Online reads. */
export interface AccessTokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid?: string;
  azp?: string;
  oid?: string;
  upn?: string;
  unique_name?: string;
  scp?: string;
  exp: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

export interface ValidatedToken {
  raw: string;
  claims: AccessTokenClaims;
  /** The signed-in user, from the directory. */
  user: User;
  /** Token expiry, ms since the epoch. */
  expiresAtMs: number;
}

export interface TokenRules {
  acceptedAudiences: readonly string[];
  /** Allowed `appid`s; undefined = any app the directory knows. */
  allowedClientIds?: readonly string[];
  clockSkewMs: number;
}

export interface TokenContext {
  keyFor(kid: string): Promise<KeyObject | undefined>;
  nowMs: number;
  directory: Directory;
}

const diag = (code: string, reason: string, category: string): Diagnostics => ({
  code,
  reason,
  category,
});

/** Reads the credential of an `Authorization: Bearer` header ('' for an empty Bearer). */
export function bearerOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const match = /^bearer(?:\s+(.*))?$/i.exec(authorization.trim());
  return match ? (match[1] ?? '').trim() : undefined;
}

/**
 * Validates a bearer token.
 *
 * @throws InvalidTokenError (401) with the diagnostics of the first failed rule
 */
export async function validateAccessToken(
  raw: string | undefined,
  rules: TokenRules,
  ctx: TokenContext,
): Promise<ValidatedToken> {
  if (raw === undefined || raw === '') {
    throw new InvalidTokenError('no access token was sent', undefined, false);
  }
  const decoded = decodeJwt(raw);
  if (!decoded) {
    throw new InvalidTokenError(
      'the access token is not a JWT',
      diag('2000001', 'OAuth token submitted with the request cannot be parsed.', 'invalid_token'),
    );
  }
  const { header } = decoded;
  const claims = decoded.claims as Partial<AccessTokenClaims>;
  const badSignature = diag('2000000', 'The token has an invalid signature.', 'invalid_signature');
  if (header.alg !== 'RS256' || typeof header.kid !== 'string') {
    throw new InvalidTokenError(
      `unsupported token header (alg ${String(header.alg)})`,
      badSignature,
    );
  }
  let key: KeyObject | undefined;
  try {
    key = await ctx.keyFor(header.kid);
  } catch (error) {
    throw new InvalidTokenError(
      `Entra's signing keys could not be fetched: ${(error as Error).message}`,
      diag(
        '2000000',
        'The signing keys of the token issuer could not be retrieved.',
        'invalid_signature',
      ),
    );
  }
  if (!key || !verifyJwtSignature(raw, key)) {
    throw new InvalidTokenError('the token signature does not verify', badSignature);
  }
  const tid = typeof claims.tid === 'string' ? claims.tid : '';
  if (tid.toLowerCase() !== ctx.directory.tenant.id.toLowerCase()) {
    throw new InvalidTokenError(
      `unknown tenant ${tid}`,
      diag('2000004', `The tenant for tenant guid '${tid}' does not exist.`, 'invalid_tenant'),
    );
  }
  if (claims.iss !== `https://sts.windows.net/${tid}/`) {
    throw new InvalidTokenError(
      `unexpected issuer ${String(claims.iss)}`,
      diag(
        '2000001',
        `The issuer claim value is invalid '${String(claims.iss)}'.`,
        'invalid_token',
      ),
    );
  }
  const aud = typeof claims.aud === 'string' ? claims.aud : '';
  const normal = (value: string): string => value.toLowerCase().replace(/\/+$/, '');
  if (!rules.acceptedAudiences.some((a) => normal(a) === normal(aud))) {
    throw new InvalidTokenError(
      `audience ${aud} is not Exchange Online`,
      diag('2000003', `The audience claim value is invalid '${aud}'.`, 'invalid_resource'),
    );
  }
  const nowS = ctx.nowMs / 1000;
  const skewS = rules.clockSkewMs / 1000;
  const exp = typeof claims.exp === 'number' ? claims.exp : 0;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : 0;
  if (exp + skewS <= nowS || nbf - skewS > nowS) {
    const expired = exp + skewS <= nowS;
    throw new InvalidTokenError(
      expired ? 'the access token has expired' : 'the access token is not yet valid',
      diag(
        '2000002',
        expired
          ? `The token has expired. exp='${isoTime(exp * 1000)}', now='${isoTime(ctx.nowMs)}'.`
          : `The token is not yet valid. nbf='${isoTime(nbf * 1000)}', now='${isoTime(ctx.nowMs)}'.`,
        'invalid_token',
      ),
    );
  }
  const appid = typeof claims.appid === 'string' ? claims.appid : (claims.azp ?? '');
  const allowed = rules.allowedClientIds
    ? rules.allowedClientIds.some((id) => id.toLowerCase() === appid.toLowerCase())
    : ctx.directory.app(appid) !== undefined;
  if (!allowed) {
    throw new InvalidTokenError(
      `client ${appid} may not call this endpoint`,
      diag(
        '2000008',
        `The token should have valid permissions or linked account associated with partner application '${appid}'.`,
        'invalid_grant',
      ),
    );
  }
  const upn = claims.upn ?? claims.unique_name;
  const user =
    (typeof upn === 'string' ? ctx.directory.user(upn) : undefined) ??
    (typeof claims.oid === 'string' ? ctx.directory.userById(claims.oid) : undefined);
  if (!user) {
    throw new InvalidTokenError(
      `no user for ${String(upn ?? claims.oid)}`,
      diag(
        '2000005',
        'The user specified by the user-context in the token does not exist.',
        'invalid_user',
      ),
    );
  }
  return { raw, claims: claims as AccessTokenClaims, user, expiresAtMs: exp * 1000 };
}
