import { WELL_KNOWN_APPS } from '@hma-lab/core';

/**
 * Settings of the mock Entra that the scenario does not carry. Every option has
 * a default that matches the real service where it is known; where the real
 * behaviour is unconfirmed the option says so.
 */
export interface EntraConfig {
  /**
   * Issuer published by the `common` and `organizations` discovery documents.
   * `tenant` (default): the concrete issuer of the lab's single tenant, so
   * strict clients can validate it. `template`: Entra's literal
   * `https://login.microsoftonline.com/{tenantid}/v2.0` (and
   * `https://sts.windows.net/{tenantid}/` for v1), as the real service publishes.
   * openid-client 6 accepts both when discovering from `https://login.microsoftonline.com/...`.
   */
  multiTenantIssuer: 'tenant' | 'template';
  /** How long a sign-in (authorize -> pages -> code) may take. Default `1h`. */
  signInFlowLifetime: string;
  /** Clock skew allowed on SAML NotBefore/NotOnOrAfter and JWT assertions. Default `5m`. */
  clockSkew: string;
  /**
   * AADSTS code for a missing or wrong PKCE verifier. Both exist in the wild
   * (50148 in v1/v2 captures, 501481 in the current reference); [unconfirmed]
   * which one a given request gets. Default 50148.
   */
  pkceMismatchCode: 50148 | 501481;
  /**
   * Whether a refresh token stops working once it has been used (rotated).
   * Entra keeps the old token valid until it expires (clients are told to
   * discard it), so the default is `false`.
   */
  revokeRotatedRefreshTokens: boolean;
  /**
   * Refresh tokens kept per family (the tokens descending from one sign-in):
   * the most recently issued or redeemed; any other of the family is forgotten
   * and refused like an unknown token. A client that keeps redeeming the same
   * token therefore keeps it. Entra keeps every one valid until it expires,
   * which for a client renewing hourly is some 2,000 tokens per family over
   * the 90-day maximum age: a lab of thousands of devices left to run for
   * simulated weeks would hold millions. Default 16; `0` keeps them all, as Entra does.
   */
  refreshTokensPerFamily: number;
  /**
   * When token responses carry `client_info`: `when-requested` (default, as
   * Entra: the client sent `client_info=1`) or `always` (v2 responses and the
   * authorize redirect always).
   */
  clientInfo: 'when-requested' | 'always';
  /**
   * Resource app ids (or identifier URIs) whose access tokens are v2.0 tokens
   * (`accessTokenAcceptedVersion: 2` in the real app manifest). Default none:
   * Microsoft's first-party resources (Exchange Online, Graph) take v1 tokens
   * whichever endpoint issued them.
   */
  v2AccessTokenResources: string[];
  /**
   * Client app ids that satisfy the `approvedApplication` and
   * `compliantApplication` grant controls. Default: Outlook mobile (it is on
   * Microsoft's approved client app list and supports app protection policies).
   */
  approvedClientAppIds: string[];
  /**
   * Device controls (`compliantDevice`, `domainJoinedDevice`) every request of
   * the lab satisfies. Default none: a request must claim them with the
   * `x-hma-lab-device` header (comma-separated control names).
   */
  satisfiedDeviceControls: string[];
  /** Lifetime of a device code. Default `15m` (Entra: 900 s). */
  deviceCodeLifetime: string;
  /** Polling interval announced for the device code flow, seconds. Default 5. */
  deviceCodeIntervalS: number;
  /**
   * Trusted AD FS token-signing certificates (PEM) by federation issuer.
   * Default: `deps.keys.adfs` for every federated domain.
   */
  federationSigningCertificates: Record<string, string>;
  /** WS-Federation realm Entra expects as the assertion audience. */
  federationRealm: string;
  /**
   * How Entra judges times that come from outside the lab: a client
   * assertion's `nbf`/`exp`, the TOTP code of an authenticator app, the pause
   * a client leaves between device code polls. Clients and people date these
   * by the machine's clock, which the lab's leaves behind when it travels in
   * time (or, frozen, stands still). `'lab-or-machine'` (default): valid by
   * the lab's clock or by the machine's (a poll is `slow_down` only when too
   * soon by both). `'lab'`: the lab's clock only, as a service whose clock is
   * the lab's would.
   */
  clientClock: 'lab-or-machine' | 'lab';
}

/** The defaults (see each option). */
export const DEFAULT_ENTRA_CONFIG: Readonly<EntraConfig> = Object.freeze({
  multiTenantIssuer: 'tenant',
  signInFlowLifetime: '1h',
  clockSkew: '5m',
  pkceMismatchCode: 50148,
  revokeRotatedRefreshTokens: false,
  refreshTokensPerFamily: 16,
  clientInfo: 'when-requested',
  v2AccessTokenResources: [],
  approvedClientAppIds: [WELL_KNOWN_APPS.outlookMobile],
  satisfiedDeviceControls: [],
  deviceCodeLifetime: '15m',
  deviceCodeIntervalS: 5,
  federationSigningCertificates: {},
  federationRealm: 'urn:federation:MicrosoftOnline',
  clientClock: 'lab-or-machine',
} satisfies EntraConfig);

/** Defaults overlaid with `config`. */
export function resolveEntraConfig(config: Partial<EntraConfig> = {}): EntraConfig {
  const merged: EntraConfig = { ...DEFAULT_ENTRA_CONFIG, ...config };
  return {
    ...merged,
    v2AccessTokenResources: [...merged.v2AccessTokenResources],
    approvedClientAppIds: [...merged.approvedClientAppIds],
    satisfiedDeviceControls: [...merged.satisfiedDeviceControls],
    federationSigningCertificates: { ...merged.federationSigningCertificates },
  };
}
