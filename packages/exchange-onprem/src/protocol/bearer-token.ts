import type { KeyObject } from 'node:crypto';
import { decodeJwt, isoTime, verifyJwtSignature, type Directory, type User } from '@hma-lab/core';
import { ExchangeAuthError, type Diagnostics } from '../errors.js';

/**
 * Validation of an OAuth bearer token at on-prem Exchange, in the order the
 * checks are reported: parse (2000001), signature (2000000), issuer and tenant
 * (2000004), audience (2000003), lifetime (configurable), user (2000005),
 * permissions (2000008). Each failure is an {@link ExchangeAuthError} carrying
 * the `x-ms-diagnostics` Exchange sends.
 *
 * @see protocol-facts.md §1.3
 */

/** A token whose signature, issuer and audience passed: what may be cached until `exp`. */
export interface VerifiedBearer {
  claims: Record<string, unknown>;
  /** `exp` in milliseconds: the token may be trusted from cache until then. */
  expiresAtMs: number;
  notBeforeMs: number;
}

export interface BearerCheck {
  tenantId: string;
  /** `https://<easHost>` (or `http://` behind SSL offload): what Exchange sees the request as. */
  requestOrigin: string;
  nowMs: number;
  clockSkewS: number;
  expired: Diagnostics;
  requiredScope: string | undefined;
  directory: Directory;
  /** The signing key a `kid` names (fetching Entra's JWKS when needed); undefined if unknown. */
  keyFor(kid: string): Promise<KeyObject | undefined>;
}

const STS_ISSUER = /^https:\/\/sts\.windows\.net\/([0-9a-f-]{36})\/$/i;

function reject(code: string, reason: string, category: string): ExchangeAuthError {
  return new ExchangeAuthError(`bearer token rejected: ${reason}`, {
    diagnostics: { code, reason, category },
  });
}

/** Fills `{name}` placeholders of a configured diagnostics text. */
export function fillDiagnostics(
  template: Diagnostics,
  values: Record<string, string>,
): Diagnostics {
  return {
    ...template,
    reason: template.reason.replace(/\{(\w+)\}/g, (all, name: string) => values[name] ?? all),
  };
}

/**
 * The expensive, time-independent checks: parse, signature, issuer/tenant,
 * audience. Their result may be cached per token string until `exp`; the
 * lifetime, user and scope checks ({@link checkTokenUse}) run on every use.
 */
export async function verifyBearerToken(raw: string, check: BearerCheck): Promise<VerifiedBearer> {
  const decoded = decodeJwt(raw);
  if (!decoded || decoded.header['alg'] === undefined) {
    throw reject(
      '2000001',
      'OAuth token submitted with the request cannot be parsed.',
      'invalid_token',
    );
  }
  const { header, claims } = decoded;
  const kid = typeof header['kid'] === 'string' ? header['kid'] : header['x5t'];
  if (header['alg'] !== 'RS256' || typeof kid !== 'string') {
    throw reject('2000000', 'The token has an invalid signature.', 'invalid_signature');
  }
  let key: KeyObject | undefined;
  try {
    key = await check.keyFor(kid);
  } catch (error) {
    throw new ExchangeAuthError('the signing keys could not be fetched', {
      diagnostics: {
        code: '2000000',
        reason:
          'The token has an invalid signature. The signing keys of the authorization server could not be retrieved.',
        category: 'invalid_signature',
      },
      cause: error,
    });
  }
  if (!key || !verifyJwtSignature(raw, key)) {
    throw reject('2000000', 'The token has an invalid signature.', 'invalid_signature');
  }
  checkIssuer(claims, check.tenantId);
  checkAudience(claims, check.requestOrigin);
  const exp = numericClaim(claims, 'exp');
  const nbf = numericClaim(claims, 'nbf') ?? numericClaim(claims, 'iat') ?? 0;
  if (exp === undefined) {
    throw reject(
      '2000001',
      'OAuth token submitted with the request cannot be parsed.',
      'invalid_token',
    );
  }
  return { claims, expiresAtMs: exp * 1000, notBeforeMs: nbf * 1000 };
}

/** The checks run on every use of a verified token: lifetime, then user, then scope. */
export function checkTokenUse(token: VerifiedBearer, check: BearerCheck): User {
  checkLifetime(token, check);
  const user = resolveUser(token.claims, check.directory);
  if (check.requiredScope) checkScope(token.claims, check.requiredScope);
  return user;
}

/** The lifetime check, run on every use (a cached token can expire). */
export function checkLifetime(
  token: Pick<VerifiedBearer, 'expiresAtMs' | 'notBeforeMs'>,
  check: Pick<BearerCheck, 'nowMs' | 'clockSkewS' | 'expired'>,
): void {
  const skewMs = check.clockSkewS * 1000;
  if (check.nowMs > token.expiresAtMs + skewMs || check.nowMs + skewMs < token.notBeforeMs) {
    const diagnostics = fillDiagnostics(check.expired, {
      exp: isoTime(token.expiresAtMs),
      nbf: isoTime(token.notBeforeMs),
      now: isoTime(check.nowMs),
    });
    throw new ExchangeAuthError('bearer token outside its lifetime', { diagnostics });
  }
}

function numericClaim(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function checkIssuer(claims: Record<string, unknown>, tenantId: string): void {
  const iss = typeof claims['iss'] === 'string' ? claims['iss'] : '';
  const tid = typeof claims['tid'] === 'string' ? claims['tid'] : undefined;
  const issuerTenant = STS_ISSUER.exec(iss)?.[1];
  const tenant = (tid ?? issuerTenant ?? '').toLowerCase();
  if (tenant !== tenantId.toLowerCase()) {
    throw reject(
      '2000004',
      `The tenant for tenant guid '${tid ?? issuerTenant ?? ''}' does not exist.`,
      'invalid_tenant',
    );
  }
  // The trusted issuer is EvoSTS for this tenant: the v1 issuer, exactly.
  if (issuerTenant?.toLowerCase() !== tenant) {
    throw reject(
      '2000004',
      `The issuer '${iss}' is not a trusted issuer for tenant guid '${tenantId}'.`,
      'invalid_tenant',
    );
  }
}

/**
 * The audience must name this server as the request reached it: scheme and
 * host (`https://mail.contoso.com`, a trailing slash allowed). Exchange's text
 * puts the token's value as "Expected" and the request's as "Actual"
 * (HMA-DOC's SSL-offload capture: Expected 'https://…'. Actual 'http://…').
 */
function checkAudience(claims: Record<string, unknown>, requestOrigin: string): void {
  const aud = claims['aud'];
  const values = Array.isArray(aud) ? aud.filter((a) => typeof a === 'string') : [aud];
  const texts = values.filter((a): a is string => typeof a === 'string');
  const normalized = texts.map((a) => a.replace(/\/+$/, '').toLowerCase());
  if (normalized.includes(requestOrigin.toLowerCase())) return;
  const first = texts[0] ?? '';
  let origin: string | undefined;
  try {
    const url = new URL(first);
    if (url.protocol === 'https:' || url.protocol === 'http:') origin = url.origin;
  } catch {
    origin = undefined;
  }
  if (origin) {
    throw reject(
      '2000003',
      `The hostname component of the audience claim value is invalid. Expected '${origin}'. Actual '${requestOrigin}'.`,
      'invalid_resource',
    );
  }
  throw reject('2000003', `The audience claim value is invalid '${first}'.`, 'invalid_resource');
}

function resolveUser(claims: Record<string, unknown>, directory: Directory): User {
  const upn = [claims['upn'], claims['unique_name'], claims['email']].find(
    (v): v is string => typeof v === 'string' && v.includes('@'),
  );
  const oid = typeof claims['oid'] === 'string' ? claims['oid'] : undefined;
  const user =
    (upn ? directory.user(upn) : undefined) ?? (oid ? directory.userById(oid) : undefined);
  if (!user) {
    throw reject(
      '2000005',
      'The user specified by the user-context in the token does not exist.',
      'invalid_user',
    );
  }
  return user;
}

function checkScope(claims: Record<string, unknown>, scope: string): void {
  const scp = typeof claims['scp'] === 'string' ? claims['scp'].split(' ') : [];
  if (!scp.some((s) => s.toLowerCase() === scope.toLowerCase())) {
    const appid = typeof claims['appid'] === 'string' ? claims['appid'] : '';
    throw reject(
      '2000008',
      `The token should have valid permissions or linked account associated with partner application '${appid}'.`,
      'invalid_grant',
    );
  }
}
