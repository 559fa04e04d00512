import type { App } from '@hma-lab/core';

/**
 * What Entra remembers between requests, per lab (never module state): sign-in
 * flows in progress, sessions (the ESTSAUTH cookie), authorization codes,
 * refresh tokens and device codes. Plain maps behind a small interface;
 * expired entries are swept as new ones arrive.
 */

/** Which protocol version an endpoint speaks. */
export type ProtocolVersion = 'v1' | 'v2';

/** What a token is for: the resource app and how the client named it. */
export interface TokenTarget {
  /** The resource's app registration. */
  resourceApp: App;
  /**
   * The resource as the client named it: v1 `resource`, or the prefix of a v2
   * scope (`https://outlook.office.com`). v1 access tokens carry it as `aud`.
   */
  resource: string;
  /** Resource scopes the client asked for (names without prefix; `.default` included). */
  requestedScopes: string[];
}

/** A validated authorize request (what the sign-in pages work for). */
export interface AuthorizeRequest {
  version: ProtocolVersion;
  tenantSegment: string;
  client: App;
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  state?: string;
  nonce?: string;
  /** The resource the code will be for (v1 `resource`, v2 first resource scope); may be absent in v1. */
  target?: TokenTarget;
  /** OIDC scopes asked for (openid, profile, email, offline_access). */
  oidcScopes: string[];
  /** v2: every scope as sent. */
  rawScopes: string[];
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  prompt?: 'login' | 'none' | 'consent' | 'admin_consent' | 'select_account';
  loginHint?: string;
  domainHint?: string;
  /** The client asked for `client_info` (MSAL sends `client_info=1`). */
  clientInfo: boolean;
  /** Device controls the request claims (x-hma-lab-device) plus the lab-wide ones. */
  deviceControls: string[];
}

/** A sign-in in progress, keyed by `ctx` (hidden field, WS-Federation `wctx`). */
export interface SignInFlow {
  ctx: string;
  createdAtMs: number;
  expiresAtMs: number;
  /** Every flowToken a page of this flow carried (the back button stays usable). */
  flowTokens: string[];
  stage: 'login' | 'password' | 'federation' | 'mfa' | 'consent' | 'select-account' | 'done';
  /** Interactive authorize, or the browser half of a device code flow. */
  kind: 'authorize' | 'device';
  request: AuthorizeRequest;
  deviceCode?: string;
  /** The user name typed (or hinted). */
  login?: string;
  /** Set once primary authentication succeeded. */
  upn?: string;
  amr: string[];
  authTimeMs?: number;
  sessionId?: string;
}

/** The sign-in session behind the ESTSAUTH cookie. */
export interface Session {
  id: string;
  /** `sid` claim. */
  sid: string;
  /** `session_state` in authorize responses. */
  sessionState: string;
  upn: string;
  amr: string[];
  authTimeMs: number;
  expiresAtMs: number;
  revoked?: string;
}

/** A single-use authorization code. */
export interface AuthorizationCode {
  code: string;
  request: AuthorizeRequest;
  upn: string;
  amr: string[];
  sid: string;
  authTimeMs: number;
  issuedAtMs: number;
  expiresAtMs: number;
  redeemed: boolean;
  /**
   * Families of the refresh tokens the redemption issued (every token of them
   * is revoked when the code is replayed).
   */
  refreshFamilies: string[];
  revoked?: string;
}

/** An opaque refresh token, kept server-side. */
export interface RefreshToken {
  token: string;
  clientId: string;
  upn: string;
  /** The resource it was issued for (multi-resource: others may be asked for). */
  target: TokenTarget;
  oidcScopes: string[];
  amr: string[];
  sid: string;
  /** All refresh tokens descending from one sign-in share a family (revoked together). */
  familyId: string;
  /** When the user authenticated (maximum age counts from here). */
  authTimeMs: number;
  issuedAtMs: number;
  lastUsedAtMs: number;
  version: ProtocolVersion;
  revoked?: string;
  /** Issued on-behalf-of (an "RT2"), or refreshed from one. */
  onBehalfOf?: boolean;
}

/** A device code flow request (RFC 8628). */
export interface DeviceCodeGrant {
  deviceCode: string;
  userCode: string;
  version: ProtocolVersion;
  tenantSegment: string;
  client: App;
  target?: TokenTarget;
  oidcScopes: string[];
  rawScopes: string[];
  issuedAtMs: number;
  expiresAtMs: number;
  intervalS: number;
  /** When the last poll came, by each of `EntraContext.clientNows()`. */
  lastPolls?: number[];
  status: 'pending' | 'approved' | 'redeemed';
  upn?: string;
  amr: string[];
  sid?: string;
  authTimeMs?: number;
  revoked?: string;
}

export interface EntraStores {
  flows: Map<string, SignInFlow>;
  sessions: Map<string, Session>;
  codes: Map<string, AuthorizationCode>;
  refreshTokens: Map<string, RefreshToken>;
  /** Tokens of each refresh token family, least recently issued or redeemed first. */
  refreshFamilies: Map<string, string[]>;
  deviceCodes: Map<string, DeviceCodeGrant>;
  /** User codes -> device codes. */
  userCodes: Map<string, string>;
  /** SAML AssertionIDs already consumed, with when they may be forgotten. */
  assertionIds: Map<string, number>;
  /**
   * Stores a new refresh token in its family; with `keepPerFamily` > 0 the
   * family's oldest tokens beyond that many are dropped.
   */
  addRefreshToken(rt: RefreshToken, keepPerFamily: number): void;
  /**
   * Marks a redeemed refresh token as its family's most recent, so a client
   * that keeps redeeming one token (as Entra allows) is never the one dropped.
   */
  touchRefreshToken(rt: RefreshToken): void;
  /** The stored refresh tokens of a family, least recently issued or redeemed first. */
  familyTokens(familyId: string): RefreshToken[];
  /** Drops entries that can no longer be used. */
  sweep(nowMs: number, keepRefreshTokensMs: number): void;
  /** How many entries a sweep visits. */
  entryCount(): number;
  clear(): void;
}

export function createStores(): EntraStores {
  const stores: EntraStores = {
    flows: new Map(),
    sessions: new Map(),
    codes: new Map(),
    refreshTokens: new Map(),
    refreshFamilies: new Map(),
    deviceCodes: new Map(),
    userCodes: new Map(),
    assertionIds: new Map(),
    addRefreshToken(rt, keepPerFamily) {
      stores.refreshTokens.set(rt.token, rt);
      let family = stores.refreshFamilies.get(rt.familyId);
      if (!family) stores.refreshFamilies.set(rt.familyId, (family = []));
      family.push(rt.token);
      if (keepPerFamily > 0 && family.length > keepPerFamily) {
        for (const old of family.splice(0, family.length - keepPerFamily)) {
          stores.refreshTokens.delete(old);
        }
      }
    },
    touchRefreshToken(rt) {
      const family = stores.refreshFamilies.get(rt.familyId);
      const at = family ? family.lastIndexOf(rt.token) : -1;
      if (!family || at < 0 || at === family.length - 1) return;
      family.splice(at, 1);
      family.push(rt.token);
    },
    familyTokens(familyId) {
      const out: RefreshToken[] = [];
      for (const token of stores.refreshFamilies.get(familyId) ?? []) {
        const rt = stores.refreshTokens.get(token);
        if (rt) out.push(rt);
      }
      return out;
    },
    sweep(nowMs, keepRefreshTokensMs) {
      for (const [key, flow] of stores.flows)
        if (flow.expiresAtMs < nowMs) stores.flows.delete(key);
      for (const [key, s] of stores.sessions)
        if (s.expiresAtMs < nowMs) stores.sessions.delete(key);
      // Codes are kept a while past expiry so a replay is still recognised as one.
      for (const [key, c] of stores.codes) {
        if (c.expiresAtMs + 3_600_000 < nowMs) stores.codes.delete(key);
      }
      for (const [key, rt] of stores.refreshTokens) {
        if (rt.authTimeMs + keepRefreshTokensMs < nowMs) stores.refreshTokens.delete(key);
      }
      for (const [familyId, tokens] of stores.refreshFamilies) {
        if (tokens.every((token) => stores.refreshTokens.has(token))) continue;
        const kept = tokens.filter((token) => stores.refreshTokens.has(token));
        if (kept.length === 0) stores.refreshFamilies.delete(familyId);
        else stores.refreshFamilies.set(familyId, kept);
      }
      for (const [key, d] of stores.deviceCodes) {
        if (d.expiresAtMs + 3_600_000 < nowMs) {
          stores.deviceCodes.delete(key);
          stores.userCodes.delete(d.userCode);
        }
      }
      for (const [key, until] of stores.assertionIds) {
        if (until < nowMs) stores.assertionIds.delete(key);
      }
    },
    entryCount() {
      return (
        stores.flows.size +
        stores.sessions.size +
        stores.codes.size +
        stores.refreshTokens.size +
        stores.refreshFamilies.size +
        stores.deviceCodes.size +
        stores.assertionIds.size
      );
    },
    clear() {
      stores.flows.clear();
      stores.sessions.clear();
      stores.codes.clear();
      stores.refreshTokens.clear();
      stores.refreshFamilies.clear();
      stores.deviceCodes.clear();
      stores.userCodes.clear();
      stores.assertionIds.clear();
    },
  };
  return stores;
}
