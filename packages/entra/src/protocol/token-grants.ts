import { OBO_INTERACTION_FAULT, RT2_REVOKED_FAULT } from './faults.js';
import { createHash } from 'node:crypto';
import { decodeJwt, isoTime, verifyJwtSignature, type App, type User } from '@hma-lab/core';
import { EntraError, missingParameter, type AadstsCode } from '../errors.js';
import {
  authenticateClient,
  type AuthenticatedClient,
  type ClientCredentials,
} from './client-auth.js';
import {
  clientAppTypeOf,
  evaluateConditionalAccess,
  type ClientAppType,
} from './conditional-access.js';
import type { EntraContext } from './context.js';
import { looksLikeGrant, newGuid, newOpaqueGrant } from './ids.js';
import { v1Issuer, v2Issuer } from './metadata.js';
import { verifySamlBearerAssertion } from './ws-federation.js';
import {
  defaultV2Target,
  delegatedScopesFor,
  grantedRoles,
  parseV2Scopes,
  resolveV1Resource,
  v2ResponseScope,
} from './resources.js';
import type { ProtocolVersion, RefreshToken, TokenTarget } from './stores.js';
import { isMultiTenant, type TenantRef } from './tenant.js';
import {
  clientInfoFor,
  mintAppAccessToken,
  mintIdToken,
  mintUserAccessToken,
  type MintedToken,
} from './tokens.js';

/**
 * The token endpoint's grants (v1 `/oauth2/token`, v2 `/oauth2/v2.0/token`):
 * authorization_code (+PKCE), refresh_token (rotation, multi-resource),
 * on-behalf-of (jwt-bearer), client_credentials, device_code and password
 * (ROPC). Each returns a {@link TokenResult}; `http/` writes the v1 or v2 body.
 *
 * @see RFC 6749 §4-6; protocol-facts §4.2-4.5
 */

export const GRANT_TYPES = {
  authorizationCode: 'authorization_code',
  refreshToken: 'refresh_token',
  jwtBearer: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
  clientCredentials: 'client_credentials',
  deviceCode: 'urn:ietf:params:oauth:grant-type:device_code',
  deviceCodeV1: 'device_code',
  password: 'password',
  saml11Bearer: 'urn:ietf:params:oauth:grant-type:saml1_1-bearer',
  saml2Bearer: 'urn:ietf:params:oauth:grant-type:saml2-bearer',
} as const;

export interface TokenRequestInput {
  version: ProtocolVersion;
  tenant: TenantRef;
  params: Record<string, string | undefined>;
  basic?: ClientCredentials['basic'];
  ipaddr: string;
  deviceControls: string[];
}

/** What a grant produced. */
export interface TokenResult {
  version: ProtocolVersion;
  accessToken: MintedToken;
  /** v1 `resource`. */
  resource: string;
  /** v1: the `scp` value; v2: qualified scopes (+ OIDC scopes). */
  scope: string;
  refreshToken?: string;
  idToken?: string;
  clientInfo?: string;
}

type Params = TokenRequestInput['params'];

function credentialsOf(input: TokenRequestInput): ClientCredentials {
  const p = input.params;
  return {
    ...(p.client_id !== undefined ? { clientId: p.client_id } : {}),
    ...(p.client_secret !== undefined ? { clientSecret: p.client_secret } : {}),
    ...(p.client_assertion_type !== undefined
      ? { clientAssertionType: p.client_assertion_type }
      : {}),
    ...(p.client_assertion !== undefined ? { clientAssertion: p.client_assertion } : {}),
    ...(input.basic ? { basic: input.basic } : {}),
  };
}

function authenticate(
  context: EntraContext,
  input: TokenRequestInput,
  requireConfidential = false,
): AuthenticatedClient {
  return authenticateClient(context, credentialsOf(input), {
    tenantSegments: [
      ...new Set([input.tenant.segment, input.tenant.endpointSegment, input.tenant.tenantId]),
    ],
    requireConfidential,
  });
}

/**
 * Dispatches on `grant_type`. Every check and every change of state (codes
 * redeemed, refresh tokens stored) happens synchronously, before this
 * returns; the promise only waits for the signatures.
 */
export function handleTokenRequest(
  context: EntraContext,
  input: TokenRequestInput,
): Promise<TokenResult> {
  const grantType = input.params.grant_type;
  if (!grantType) throw missingParameter('grant_type');
  switch (grantType) {
    case GRANT_TYPES.authorizationCode:
      return authorizationCodeGrant(context, input);
    case GRANT_TYPES.refreshToken:
      return refreshTokenGrant(context, input);
    case GRANT_TYPES.jwtBearer:
      return onBehalfOfGrant(context, input);
    case GRANT_TYPES.clientCredentials:
      return clientCredentialsGrant(context, input);
    case GRANT_TYPES.deviceCode:
    case GRANT_TYPES.deviceCodeV1:
      return deviceCodeGrant(context, input);
    case GRANT_TYPES.password:
      return passwordGrant(context, input);
    case GRANT_TYPES.saml11Bearer:
    case GRANT_TYPES.saml2Bearer:
      return samlBearerGrant(context, input);
    default:
      throw new EntraError(70003, `The app requested an unsupported grant type '${grantType}'.`);
  }
}

// ---------------------------------------------------------------------------
// Shared steps

function unknownGrant(name: string, value: string): EntraError {
  if (!looksLikeGrant(value) && name !== 'device_code') return new EntraError(9002313);
  return new EntraError(
    70000,
    `The provided value for the input parameter '${name}' is not valid.`,
  );
}

function disabled(upn: string): EntraError {
  return new EntraError(
    50057,
    `The user account is disabled. The user object in Active Directory backing this account has been disabled. (${upn})`,
  );
}

function revoked(context: EntraContext, upn: string, issuedMs: number): EntraError {
  const validFrom = context.deps.directory.grantsValidAfter(upn);
  return new EntraError(
    50173,
    `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${new Date(issuedMs).toISOString()}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${new Date(validFrom || context.now()).toISOString()}'.`,
  );
}

/** The user a grant is for, refused when gone, disabled or revoked since `issuedMs`. */
function liveUser(context: EntraContext, upn: string, issuedMs: number): User {
  const { directory } = context.deps;
  const user = directory.user(upn);
  if (!user)
    throw new EntraError(
      50034,
      `The user account ${upn} does not exist in the ${directory.tenant.name} directory.`,
    );
  if (directory.isDisabled(upn)) throw disabled(user.upn);
  if (issuedMs < directory.grantsValidAfter(upn)) throw revoked(context, upn, issuedMs);
  return user;
}

/** The resource of a token request: v1 `resource`, v2 `scope`, else the grant's own. */
function targetOf(
  context: EntraContext,
  input: TokenRequestInput,
  fallback: TokenTarget | undefined,
  client: App,
): { target: TokenTarget; oidcScopes?: string[] } {
  const { directory } = context.deps;
  if (input.version === 'v1') {
    if (input.params.resource)
      return { target: resolveV1Resource(directory, input.params.resource) };
    if (fallback) return { target: fallback };
    throw missingParameter('resource');
  }
  if (input.params.scope) {
    const parsed = parseV2Scopes(directory, input.params.scope);
    if (parsed.resources.length > 1) {
      throw new EntraError(
        700022,
        `The provided value for the input parameter scope is not valid because it contains more than one resource. The scope ${input.params.scope} is not valid.`,
      );
    }
    return {
      target: parsed.target ?? fallback ?? defaultV2Target(directory, client),
      oidcScopes: parsed.oidcScopes,
    };
  }
  return { target: fallback ?? defaultV2Target(directory, client) };
}

type CaMode = 'interactive' | 'refresh' | 'obo' | 'ropc';

/** Conditional access at token time (the grant's amr must satisfy the resource's policies). */
function enforceConditionalAccess(
  context: EntraContext,
  args: {
    user: User;
    client: App;
    target: TokenTarget;
    amr: string[];
    clientAppType: ClientAppType;
    deviceControls: string[];
    mode: CaMode;
    version: ProtocolVersion;
  },
): void {
  const outcome = evaluateConditionalAccess(context.deps.directory, {
    user: args.user,
    resource: args.target.resourceApp,
    client: args.client,
    amr: args.amr,
    clientAppType: args.clientAppType,
    deviceControls: args.deviceControls,
    approvedClientAppIds: context.config.approvedClientAppIds,
  });
  if (outcome.policies.length > 0) {
    context.deps.trace.event(
      'entra',
      'entra.ca.token-evaluated',
      `conditional access at the token endpoint for ${args.user.upn} -> ${args.target.resourceApp.displayName}: ${outcome.result}`,
      { policies: outcome.policies, result: outcome.result, grant: args.mode },
    );
  }
  if (outcome.blocked) {
    throw new EntraError(outcome.blocked.code, undefined, { error: 'invalid_grant' });
  }
  if (outcome.result !== 'mfa') return;
  const claims = JSON.stringify({
    access_token: { capolids: { essential: true, values: outcome.policyIds } },
  });
  const code: AadstsCode = args.user.mfa ? 50076 : 50079;
  const verb = args.user.mfa ? 'use' : 'enroll in';
  const message = `Due to a configuration change made by your administrator, or because you moved to a new location, you must ${verb} multi-factor authentication to access '${args.target.resource}'.`;
  if (args.mode === 'obo') {
    throw new EntraError(code, message, { error: 'interaction_required', claims });
  }
  if (args.mode === 'ropc' || args.version === 'v2') {
    throw new EntraError(code, message, {
      error: 'invalid_grant',
      suberror: 'basic_action',
      claims,
    });
  }
  throw new EntraError(code, message, { error: 'interaction_required', claims });
}

interface UserGrant {
  user: User;
  client: AuthenticatedClient;
  target: TokenTarget;
  oidcScopes: string[];
  amr: string[];
  sid: string;
  authTimeMs: number;
  version: ProtocolVersion;
  ipaddr: string;
  nonce?: string;
  familyId?: string;
  /** v1 always returns a refresh token (and an id_token); v2 only with offline_access (openid). */
  clientInfo: boolean;
  /** The grant descends from an on-behalf-of call (its refresh token is an "RT2"). */
  onBehalfOf?: boolean;
  /** `false`: no id_token even where v1 would send one (v1 on-behalf-of without openid). */
  idToken?: boolean;
}

function issueUserTokens(
  context: EntraContext,
  grant: UserGrant,
): { result: Promise<TokenResult>; refresh?: RefreshToken } {
  const scp = delegatedScopesFor(grant.client.app, grant.target);
  const accessToken = mintUserAccessToken(context, {
    user: grant.user,
    client: grant.client.app,
    clientAuth: grant.client.level,
    target: grant.target,
    scp,
    amr: grant.amr,
    sid: grant.sid,
    ipaddr: grant.ipaddr,
  });
  const v1 = grant.version === 'v1';
  const result: Omit<TokenResult, 'accessToken'> = {
    version: grant.version,
    resource: grant.target.resource,
    scope: v1 ? scp.join(' ') : v2ResponseScope(grant.target, scp, grant.oidcScopes),
  };
  let refresh: RefreshToken | undefined;
  if (v1 || grant.oidcScopes.includes('offline_access')) {
    const now = context.now();
    refresh = {
      token: newOpaqueGrant(),
      clientId: grant.client.app.appId,
      upn: grant.user.upn,
      target: grant.target,
      oidcScopes: [...grant.oidcScopes],
      amr: [...grant.amr],
      sid: grant.sid,
      familyId: grant.familyId ?? newGuid(),
      authTimeMs: grant.authTimeMs,
      issuedAtMs: now,
      lastUsedAtMs: now,
      version: grant.version,
      ...(grant.onBehalfOf ? { onBehalfOf: true } : {}),
    };
    context.stores.addRefreshToken(refresh, context.config.refreshTokensPerFamily);
    context.noteIssued();
    result.refreshToken = refresh.token;
  }
  const idToken =
    grant.idToken !== false && (v1 || grant.oidcScopes.includes('openid'))
      ? mintIdToken(context, {
          user: grant.user,
          client: grant.client.app,
          version: grant.version,
          amr: grant.amr,
          sid: grant.sid,
          ipaddr: grant.ipaddr,
          ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
          authTimeMs: grant.authTimeMs,
        })
      : undefined;
  if (grant.clientInfo)
    result.clientInfo = clientInfoFor(grant.user, context.deps.directory.tenant.id);
  // Both signatures are asked for at once: under load both run on the thread
  // pool; for a single device both are made on the event loop in-process, and
  // over sockets the first on the event loop and the second on the pool (core
  // signJwtAsync, decision 0004).
  const signed = Promise.all([accessToken, idToken]).then(([access, id]) =>
    Object.assign({}, result, { accessToken: access }, id ? { idToken: id.token } : undefined),
  );
  return { result: signed, ...(refresh ? { refresh } : {}) };
}

function wantsClientInfo(context: EntraContext, params: Params, asked = false): boolean {
  return asked || params.client_info === '1' || context.config.clientInfo === 'always';
}

// ---------------------------------------------------------------------------
// authorization_code

function pkceMatches(verifier: string, challenge: string, method: 'S256' | 'plain'): boolean {
  if (method === 'plain') return verifier === challenge;
  return createHash('sha256').update(verifier, 'ascii').digest('base64url') === challenge;
}

function authorizationCodeGrant(
  context: EntraContext,
  input: TokenRequestInput,
): Promise<TokenResult> {
  const client = authenticate(context, input);
  const { params } = input;
  if (!params.code) throw missingParameter('code');
  const record = context.stores.codes.get(params.code);
  if (!record) throw unknownGrant('code', params.code);
  if (record.redeemed) {
    revokeFromCode(context, record.refreshFamilies);
    context.deps.trace.event(
      'entra',
      'entra.code.replayed',
      `authorization code replayed by ${client.app.displayName}; its refresh tokens are revoked`,
      {
        client: client.app.appId,
        user: record.upn,
        revokedRefreshTokens: record.refreshFamilies.length,
      },
    );
    throw new EntraError(54005);
  }
  if (record.request.client.appId.toLowerCase() !== client.app.appId.toLowerCase()) {
    throw new EntraError(
      70000,
      "The provided value for the input parameter 'code' is not valid: the code was issued to another client.",
    );
  }
  if (record.expiresAtMs <= context.now()) {
    throw new EntraError(70008, undefined, { extraCodes: [] });
  }
  if (params.redirect_uri === undefined) throw missingParameter('redirect_uri');
  if (params.redirect_uri !== record.request.redirectUri) {
    throw new EntraError(
      500112,
      `The reply address '${params.redirect_uri}' does not match the reply address '${record.request.redirectUri}' provided when requesting Authorization code.`,
    );
  }
  if (record.request.codeChallenge) {
    const verifier = params.code_verifier;
    if (
      !verifier ||
      !pkceMatches(verifier, record.request.codeChallenge, record.request.codeChallengeMethod!)
    ) {
      throw new EntraError(context.config.pkceMismatchCode);
    }
  }
  if (record.revoked) throw revoked(context, record.upn, record.issuedAtMs);
  // Single use from here on, whatever happens next.
  record.redeemed = true;
  const user = liveUser(context, record.upn, record.authTimeMs);
  const { target, oidcScopes } = targetOf(context, input, record.request.target, client.app);
  const scopes = oidcScopes ?? record.request.oidcScopes;
  enforceConditionalAccess(context, {
    user,
    client: client.app,
    target,
    amr: record.amr,
    clientAppType: clientAppTypeOf(client.app),
    deviceControls: record.request.deviceControls,
    mode: 'interactive',
    version: input.version,
  });
  const { result, refresh } = issueUserTokens(context, {
    user,
    client,
    target,
    oidcScopes:
      input.version === 'v2' ? [...new Set([...record.request.oidcScopes, ...scopes])] : scopes,
    amr: record.amr,
    sid: record.sid,
    authTimeMs: record.authTimeMs,
    version: input.version,
    ipaddr: input.ipaddr,
    ...(record.request.nonce !== undefined ? { nonce: record.request.nonce } : {}),
    clientInfo: wantsClientInfo(context, params, record.request.clientInfo),
  });
  if (refresh) record.refreshFamilies.push(refresh.familyId);
  return result;
}

/** Revokes the refresh tokens issued from a replayed code, with every token rotated from them. */
function revokeFromCode(context: EntraContext, families: string[]): void {
  for (const familyId of families) {
    for (const rt of context.stores.familyTokens(familyId)) rt.revoked ??= 'code-replayed';
  }
}

// ---------------------------------------------------------------------------
// refresh_token

function refreshTokenGrant(context: EntraContext, input: TokenRequestInput): Promise<TokenResult> {
  const client = authenticate(context, input);
  const { params } = input;
  if (!params.refresh_token) throw missingParameter('refresh_token');
  const rt = context.stores.refreshTokens.get(params.refresh_token);
  if (!rt) throw unknownGrant('refresh_token', params.refresh_token);
  if (rt.clientId.toLowerCase() !== client.app.appId.toLowerCase()) {
    throw new EntraError(
      70000,
      "The provided value for the input parameter 'refresh_token' is not valid: the refresh token was issued to another client.",
    );
  }
  if (rt.revoked === 'password-changed' || rt.revoked === 'sessions-revoked') {
    throw revoked(context, rt.upn, rt.authTimeMs);
  }
  if (rt.onBehalfOf && context.deps.faults.isOn(RT2_REVOKED_FAULT)) {
    throw revoked(context, rt.upn, rt.authTimeMs);
  }
  if (rt.revoked) {
    throw new EntraError(
      70000,
      `The provided value for the input parameter 'refresh_token' is not valid: it was revoked (${rt.revoked}).`,
    );
  }
  const now = context.now();
  const lifetimes = context.deps.directory.lifetimes();
  const user = liveUser(context, rt.upn, rt.authTimeMs);
  if (now - rt.lastUsedAtMs > lifetimes.refreshTokenInactivity) {
    throw new EntraError(
      700082,
      `The refresh token has expired due to inactivity. The token was issued on ${new Date(rt.issuedAtMs).toISOString()} and was inactive for ${Math.floor((now - rt.lastUsedAtMs) / 86_400_000)} days (the limit is ${Math.floor(lifetimes.refreshTokenInactivity / 86_400_000)} days).`,
    );
  }
  if (now - rt.authTimeMs > lifetimes.refreshTokenMaxAge) {
    throw new EntraError(
      70008,
      `The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource. (The sign-in of ${new Date(rt.authTimeMs).toISOString()} is older than the maximum refresh token age.)`,
    );
  }
  const { target, oidcScopes } = targetOf(context, input, rt.target, client.app);
  enforceConditionalAccess(context, {
    user,
    client: client.app,
    target,
    amr: rt.amr,
    clientAppType: 'any',
    deviceControls: input.deviceControls,
    mode: 'refresh',
    version: input.version,
  });
  rt.lastUsedAtMs = now;
  context.stores.touchRefreshToken(rt);
  if (context.config.revokeRotatedRefreshTokens) rt.revoked = 'rotated';
  const { result } = issueUserTokens(context, {
    user,
    client,
    target,
    oidcScopes: oidcScopes && oidcScopes.length > 0 ? oidcScopes : rt.oidcScopes,
    amr: rt.amr,
    sid: rt.sid,
    authTimeMs: rt.authTimeMs,
    version: input.version,
    ipaddr: input.ipaddr,
    familyId: rt.familyId,
    clientInfo: wantsClientInfo(context, params),
    ...(rt.onBehalfOf ? { onBehalfOf: true } : {}),
    // An RT2 gives what its on-behalf-of call gave: in v1, an id_token only if that call asked for openid.
    ...(rt.onBehalfOf && input.version === 'v1' && !rt.oidcScopes.includes('openid')
      ? { idToken: false }
      : {}),
  });
  return result;
}

// ---------------------------------------------------------------------------
// on-behalf-of

function assertionInvalid(reason: string): EntraError {
  return new EntraError(50013, `Assertion failed signature validation: ${reason}.`);
}

function normalizeId(id: string): string {
  return id.trim().toLowerCase().replace(/\/+$/, '');
}

function onBehalfOfGrant(context: EntraContext, input: TokenRequestInput): Promise<TokenResult> {
  const client = authenticate(context, input, true);
  const { params } = input;
  if (!params.assertion) throw missingParameter('assertion');
  if (params.requested_token_use !== 'on_behalf_of') {
    throw new EntraError(
      900144,
      "The request body must contain the following parameter: 'requested_token_use' with the value 'on_behalf_of'.",
    );
  }
  if (context.deps.faults.isOn(OBO_INTERACTION_FAULT)) {
    const claims = JSON.stringify({
      access_token: {
        capolids: { essential: true, values: ['00000000-0000-0000-0000-0000000fa017'] },
      },
    });
    throw new EntraError(
      50076,
      'Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the downstream resource.',
      { error: 'interaction_required', claims },
    );
  }
  const { directory, keys } = context.deps;
  const tid = directory.tenant.id;
  const decoded = decodeJwt(params.assertion);
  if (!decoded) throw assertionInvalid('the assertion is not a JWT');
  const { header, claims } = decoded;
  const kid =
    typeof header.kid === 'string' ? header.kid : typeof header.x5t === 'string' ? header.x5t : '';
  const key = keys.entra.find(kid);
  if (!key) {
    throw assertionInvalid(
      `[Reason - The key was not found., Thumbprint of key used by client: '${kid}']`,
    );
  }
  if (header.alg !== 'RS256' || !verifyJwtSignature(params.assertion, key.publicKey)) {
    throw assertionInvalid(
      `[Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '${kid}']`,
    );
  }
  if (claims.iss !== v1Issuer(tid) && claims.iss !== v2Issuer(context, tid)) {
    throw assertionInvalid(`the assertion issuer '${String(claims.iss)}' is not this tenant`);
  }
  const nowS = Math.floor(context.now() / 1000);
  const skewS = Math.floor(context.ms.clockSkew / 1000);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
  if (exp === undefined || nowS - skewS >= exp || (nbf !== undefined && nowS + skewS < nbf)) {
    throw new EntraError(
      500133,
      `Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: ${isoTime(nowS * 1000)}, expiry time of assertion ${exp === undefined ? '(none)' : isoTime(exp * 1000)}.`,
    );
  }
  const middle = client.app;
  const identifiers = [middle.appId, ...middle.identifierUris].map(normalizeId);
  const aud = typeof claims.aud === 'string' ? claims.aud : '';
  if (!identifiers.includes(normalizeId(aud))) {
    throw new EntraError(
      50013,
      `Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was '${aud}' and the expected audience is '${middle.appId}' or one of the Application Uris of this application with App ID '${middle.appId}'(${middle.displayName}). The downstream client must request a token for the expected audience (the application that made the OBO request) and this application should use that token as the assertion.`,
    );
  }
  const oid = typeof claims.oid === 'string' ? claims.oid : undefined;
  const upnClaim =
    typeof claims.upn === 'string'
      ? claims.upn
      : typeof claims.preferred_username === 'string'
        ? claims.preferred_username
        : undefined;
  if (claims.idtyp === 'app' || (!oid && !upnClaim)) {
    throw assertionInvalid(
      'the assertion is not a user token (on-behalf-of needs a delegated token)',
    );
  }
  // Entra has taken only access tokens as the assertion since 2018: an ID
  // token (a user's, addressed to this very app) carries no scp.
  if (typeof claims.scp !== 'string' || claims.scp.trim() === '') {
    throw assertionInvalid(
      'the assertion is not an access token (an ID token cannot be used for on-behalf-of)',
    );
  }
  const found =
    (oid ? directory.userById(oid) : undefined) ??
    (upnClaim ? directory.user(upnClaim) : undefined);
  if (!found) {
    throw new EntraError(
      50034,
      `The user account ${upnClaim ?? oid} does not exist in the ${directory.tenant.name} directory.`,
    );
  }
  if (directory.isDisabled(found.upn)) throw disabled(found.upn);
  const amr = Array.isArray(claims.amr)
    ? claims.amr.filter((a): a is string => typeof a === 'string')
    : [];
  const sid = typeof claims.sid === 'string' ? claims.sid : newGuid();

  const { target, oidcScopes } = targetOf(context, input, undefined, middle);
  delegatedScopesFor(middle, target);
  enforceConditionalAccess(context, {
    user: found,
    client: middle,
    target,
    amr,
    clientAppType: 'any',
    deviceControls: input.deviceControls,
    mode: 'obo',
    version: input.version,
  });
  const v1Scopes = (params.scope ?? '')
    .split(/\s+/)
    .filter((s) => s === 'openid' || s === 'offline_access');
  const { result } = issueUserTokens(context, {
    user: found,
    client,
    target,
    // v1 OBO always returns a refresh token; an id_token only with scope=openid.
    oidcScopes: input.version === 'v1' ? v1Scopes : (oidcScopes ?? []),
    amr,
    sid,
    authTimeMs: context.now(),
    version: input.version,
    ipaddr: input.ipaddr,
    clientInfo: wantsClientInfo(context, params),
    onBehalfOf: true,
    // v1 on-behalf-of sends an id_token only when asked with scope=openid.
    ...(input.version === 'v1' && !v1Scopes.includes('openid') ? { idToken: false } : {}),
  });
  context.deps.trace.event(
    'entra',
    'entra.obo.issued',
    `${middle.displayName} got a token for ${target.resource} on behalf of ${found.upn}`,
    {
      client: middle.appId,
      resource: target.resource,
      user: found.upn,
      assertionClient: claims.appid ?? claims.azp,
    },
  );
  return result;
}

// ---------------------------------------------------------------------------
// client_credentials

function clientCredentialsGrant(
  context: EntraContext,
  input: TokenRequestInput,
): Promise<TokenResult> {
  const client = authenticate(context, input, true);
  if (isMultiTenant(input.tenant)) throw new EntraError(9001023);
  const { directory } = context.deps;
  let target: TokenTarget;
  if (input.version === 'v1') {
    if (!input.params.resource) throw missingParameter('resource');
    target = resolveV1Resource(directory, input.params.resource);
  } else {
    const scope = input.params.scope;
    if (!scope) throw missingParameter('scope');
    const items = scope.split(/\s+/).filter(Boolean);
    if (items.length !== 1 || !items[0]!.endsWith('/.default')) {
      throw new EntraError(
        1002012,
        `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      );
    }
    target = parseV2Scopes(directory, items[0]).target!;
  }
  const roles = grantedRoles(client.app, target.resourceApp);
  const accessToken = mintAppAccessToken(context, {
    client: client.app,
    clientAuth: client.level,
    target,
    roles,
  });
  const scope = input.version === 'v1' ? '' : `${target.resource.replace(/\/+$/, '')}/.default`;
  return accessToken.then((minted) => ({
    version: input.version,
    accessToken: minted,
    resource: target.resource,
    scope,
  }));
}

// ---------------------------------------------------------------------------
// device_code (polling)

function deviceCodeGrant(context: EntraContext, input: TokenRequestInput): Promise<TokenResult> {
  const client = authenticate(context, input);
  const { params } = input;
  const code = params.device_code ?? params.code;
  if (!code) throw missingParameter('device_code');
  const grant = context.stores.deviceCodes.get(code);
  if (!grant || grant.client.appId.toLowerCase() !== client.app.appId.toLowerCase()) {
    throw unknownGrant('device_code', code);
  }
  const now = context.now();
  if (grant.expiresAtMs <= now) throw new EntraError(70019);
  if (grant.revoked) throw revoked(context, grant.upn ?? '', grant.authTimeMs ?? grant.issuedAtMs);
  if (grant.status === 'redeemed') {
    throw new EntraError(
      70000,
      "The provided value for the input parameter 'device_code' is not valid: it was already redeemed.",
    );
  }
  if (grant.status === 'pending') {
    // Too soon by every clock a client may wait by: one outside the lab waits
    // the interval in the machine's time, which a frozen lab clock does not see pass.
    const nows = context.clientNows();
    const last = grant.lastPolls;
    const tooSoon =
      last !== undefined &&
      nows.every((t, i) => t - (last[i] ?? last[0]!) < grant.intervalS * 1000);
    grant.lastPolls = nows;
    if (tooSoon) throw new EntraError(70025);
    throw new EntraError(70016);
  }
  grant.status = 'redeemed';
  const user = liveUser(context, grant.upn!, grant.authTimeMs!);
  const target = grant.target ?? defaultV2Target(context.deps.directory, client.app);
  enforceConditionalAccess(context, {
    user,
    client: client.app,
    target,
    amr: grant.amr,
    clientAppType: clientAppTypeOf(client.app),
    deviceControls: input.deviceControls,
    mode: 'interactive',
    version: grant.version,
  });
  const { result } = issueUserTokens(context, {
    user,
    client,
    target,
    oidcScopes: grant.oidcScopes,
    amr: grant.amr,
    sid: grant.sid ?? newGuid(),
    authTimeMs: grant.authTimeMs!,
    version: input.version,
    ipaddr: input.ipaddr,
    clientInfo: wantsClientInfo(context, params),
  });
  return result;
}

// ---------------------------------------------------------------------------
// password (ROPC)

function passwordGrant(context: EntraContext, input: TokenRequestInput): Promise<TokenResult> {
  const client = authenticate(context, input);
  const { params } = input;
  const { directory } = context.deps;
  if (!params.username) throw missingParameter('username');
  if (params.password === undefined) throw missingParameter('password');
  const { target, oidcScopes } = targetOf(context, input, undefined, client.app);
  const user = directory.user(params.username);
  const domain = directory.domainOf(params.username);
  if (!user || !domain) {
    throw new EntraError(
      50034,
      `The user account ${params.username} does not exist in the ${directory.tenant.name} directory. To sign into this application, the account must be added to the directory.`,
    );
  }
  if (domain.authentication === 'federated') {
    throw new EntraError(
      50126,
      `Error validating credentials due to invalid username or password. (${user.upn} is in the federated domain ${domain.name}; Entra does not take the passwords of federated users: sign in at AD FS over WS-Trust and redeem its SAML assertion with grant_type urn:ietf:params:oauth:grant-type:saml1_1-bearer, as MSAL does, or use an interactive flow.)`,
    );
  }
  if (!directory.checkPassword(user.upn, params.password)) {
    throw new EntraError(50126);
  }
  if (directory.isDisabled(user.upn)) throw disabled(user.upn);
  return passwordSignInTokens(context, input, { client, target, oidcScopes, user, amr: ['pwd'] });
}

/**
 * The tokens of a sign-in with a password and no user interaction (the
 * password grant, or a federated user's through AD FS WS-Trust): conditional
 * access as for ROPC, then the user's tokens.
 */
function passwordSignInTokens(
  context: EntraContext,
  input: TokenRequestInput,
  signIn: {
    client: AuthenticatedClient;
    target: TokenTarget;
    oidcScopes: string[] | undefined;
    user: User;
    amr: string[];
  },
): Promise<TokenResult> {
  const { client, target, user, amr } = signIn;
  enforceConditionalAccess(context, {
    user,
    client: client.app,
    target,
    amr,
    clientAppType: clientAppTypeOf(client.app),
    deviceControls: input.deviceControls,
    mode: 'ropc',
    version: input.version,
  });
  const v1Scopes = (input.params.scope ?? '')
    .split(/\s+/)
    .filter((s) => s === 'openid' || s === 'offline_access');
  const { result } = issueUserTokens(context, {
    user,
    client,
    target,
    oidcScopes: input.version === 'v1' ? v1Scopes : (signIn.oidcScopes ?? []),
    amr,
    sid: newGuid(),
    authTimeMs: context.now(),
    version: input.version,
    ipaddr: input.ipaddr,
    clientInfo: wantsClientInfo(context, input.params),
  });
  return result;
}

/**
 * A federated user's password sign-in as Microsoft's libraries make it: the
 * client signs the user in at AD FS over WS-Trust (usernamemixed) and redeems
 * the SAML 1.1 assertion it got (RFC 7522; `assertion` = the assertion's XML,
 * base64url or base64). The assertion is checked as the WS-Federation sign-in
 * checks it; conditional access applies as to the password grant.
 */
function samlBearerGrant(context: EntraContext, input: TokenRequestInput): Promise<TokenResult> {
  const client = authenticate(context, input);
  const { params } = input;
  if (!params.assertion) throw missingParameter('assertion');
  const { target, oidcScopes } = targetOf(context, input, undefined, client.app);
  if (params.grant_type === GRANT_TYPES.saml2Bearer) {
    throw new EntraError(
      50008,
      'SAML token is invalid: the lab verifies SAML 1.1 assertions only (what its AD FS issues to Entra); redeem them with grant_type urn:ietf:params:oauth:grant-type:saml1_1-bearer.',
      { error: 'invalid_grant' },
    );
  }
  const signIn = asInvalidGrant(() => verifySamlBearerAssertion(context, params.assertion!));
  if (context.deps.directory.isDisabled(signIn.user.upn)) throw disabled(signIn.user.upn);
  return passwordSignInTokens(context, input, {
    client,
    target,
    oidcScopes,
    user: signIn.user,
    amr: signIn.amr,
  });
}

/** A grant's assertion errors go back as `invalid_grant` (RFC 7522 §3.1), whatever the code. */
function asInvalidGrant<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (!(error instanceof EntraError) || error.error === 'invalid_grant') throw error;
    throw new EntraError(error.aadsts, error.message, { error: 'invalid_grant' });
  }
}
