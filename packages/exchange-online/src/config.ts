import {
  DEFAULT_VALIDATE_CERT_CONFIG,
  isPingHeartbeat,
  type ValidateCertConfig,
} from '@hma-lab/activesync';
import {
  EXO_CLIENT_SECRET,
  WELL_KNOWN_APPS,
  parseDuration,
  type ExoConfig,
  type ServiceDeps,
} from '@hma-lab/core';

/**
 * Configuration of Exchange Online. The organisation's settings come from the
 * scenario (`exchange.online`: redirect cap, cache window, search TTL, purge
 * delay, basic-auth switches); the rest are the lab's choices where Microsoft
 * publishes nothing, each documented with its default (README, "Choices").
 * Durations are strings (`'30m'`) or milliseconds.
 */
export interface ExchangeOnlineConfig {
  /** RedirectCount above which AutoDiscover v2 refuses to redirect. Scenario, default 10. */
  autodiscoverMaxRedirects: number;
  /**
   * How long AutoDiscover remembers a redirect it issued, to recognise the same
   * mailbox coming back with a higher RedirectCount (a loop). Default `5m`.
   */
  autodiscoverLoopWindow: string | number;
  /**
   * What AutoDiscover answers for an address with no mailbox in the tenant:
   * `redirect` (default): the `v1.0/<address>` form answers 302 to the
   * `?Email=` form on Exchange Online (the o365enum capture), which answers
   * `404 UserNotFound`; `not-found`: 404 straight away.
   */
  unknownUserAutodiscover: 'redirect' | 'not-found';

  /** `aud` values accepted on AT1 (Exchange Online's identifiers). */
  acceptedAudiences: string[];
  /** `appid` values accepted on AT1. Default: Outlook mobile only. */
  allowedClientIds: string[];
  /** Tolerance on `exp`/`nbf`. Default `5m` (Exchange's OAuth default). */
  clockSkew: string | number;
  /** Entra's JWKS. Default `https://login.microsoftonline.com/common/discovery/keys`. */
  jwksUrl: string;
  /** How long fetched signing keys are trusted. Default `24h`. */
  jwksCacheTtl: string | number;
  /** Exchange Online's own client id in the on-behalf-of and refresh grants. */
  clientId: string;
  /** Exchange Online's client secret (published for the built-in scenarios). */
  clientSecret: string;

  /** Mail kept in the cloud cache of an on-prem mailbox. Scenario, default `28d`. */
  cloudCacheMailWindow: string | number;
  /** How long on-prem search results are kept in Exchange Online. Scenario, default `1d`. */
  searchCacheTtl: string | number;
  /** Cloud cache kept after the account is deleted in Entra. Scenario, default `30d`. */
  deletedAccountCacheRetention: string | number;
  /**
   * How Exchange Online learns of on-prem changes after the first sync:
   * `poll` (default): a full incremental sync every `syncInterval`. `push`: it
   * holds an ActiveSync Ping on Inbox, Calendar and Contacts, and syncs when
   * on-prem reports a change; when a heartbeat ends with nothing changed it
   * reads OOF and pings again. A held Ping costs memory on both sides (about
   * 24 KB a mailbox in-process), so a large lab polls unless asked.
   */
  syncMode: 'push' | 'poll';
  /** Ping HeartbeatInterval in push mode, 1m to 59m (MS-ASCMD's range). Default `59m`. */
  pingHeartbeat: string | number;
  /** Poll period; in push mode, the period while on-prem's Ping fails. Default `30m`. */
  syncInterval: string | number;
  /** AT2 is renewed with RT2 this long before it expires. Default `5m`. */
  tokenRefreshLead: string | number;
  /** First retry delay when on-prem (or Entra) is unreachable or answers 503. Default `1m`. */
  retryInitialDelay: string | number;
  /** Longest retry delay (the delay doubles up to this). Default `1h`. */
  retryMaxDelay: string | number;
  /** No device activity for this long: background sync stops until a device returns. Default `3d`. */
  deviceInactivityTimeout: string | number;
  /** EAS FilterType of the initial Inbox sync: 5 = one month (MS-ASCMD 2.2.3.70.1). */
  initialMailFilterType: number;
  /** ActiveSync protocol version the sync engine speaks. Default `14.1` (the CSS-HMAEAS probe's). */
  syncProtocolVersion: string;
  /** User-Agent of the sync engine. Default `Exchange-Online-Sync/15.20 (hma-lab)`. */
  syncUserAgent: string;
  /** On-prem Exchange versions that cannot do OAuth: provisioning fails for them. Default `['2010']`. */
  unsupportedExchangeVersions: string[];

  /** Basic auth accepted on Exchange Online ActiveSync (flow B endpoint). Scenario, default false. */
  allowBasicAuthActiveSync: boolean;
  /** `MS-Server-ActiveSync` header of the flow B endpoint. Default `15.20`. */
  activeSyncServerVersion: string;
  /** What the flow B endpoint's ValidateCert trusts, as on-premises' `validateCert` (Node's roots by default). */
  validateCert: ValidateCertConfig;
}

/** The config with durations in milliseconds. */
export interface ResolvedExoConfig extends Omit<
  ExchangeOnlineConfig,
  | 'autodiscoverLoopWindow'
  | 'clockSkew'
  | 'jwksCacheTtl'
  | 'cloudCacheMailWindow'
  | 'searchCacheTtl'
  | 'deletedAccountCacheRetention'
  | 'syncInterval'
  | 'pingHeartbeat'
  | 'tokenRefreshLead'
  | 'retryInitialDelay'
  | 'retryMaxDelay'
  | 'deviceInactivityTimeout'
> {
  autodiscoverLoopWindowMs: number;
  clockSkewMs: number;
  jwksCacheTtlMs: number;
  cloudCacheMailWindowMs: number;
  searchCacheTtlMs: number;
  deletedAccountCacheRetentionMs: number;
  syncIntervalMs: number;
  pingHeartbeatS: number;
  tokenRefreshLeadMs: number;
  retryInitialDelayMs: number;
  retryMaxDelayMs: number;
  deviceInactivityTimeoutMs: number;
}

/** Defaults for everything that does not come from the scenario. */
export function defaultExoConfig(
  deps: Pick<ServiceDeps, 'hosts'>,
  online: ExoConfig,
): ExchangeOnlineConfig {
  const exoHosts = deps.hosts.hostnames('exo');
  return {
    autodiscoverMaxRedirects: online.autodiscoverMaxRedirects,
    autodiscoverLoopWindow: '5m',
    unknownUserAutodiscover: 'redirect',
    acceptedAudiences: [...exoHosts.map((h) => `https://${h}`), WELL_KNOWN_APPS.exchangeOnline],
    allowedClientIds: [WELL_KNOWN_APPS.outlookMobile],
    clockSkew: '5m',
    jwksUrl: deps.hosts.url('entra', '/common/discovery/keys'),
    jwksCacheTtl: '24h',
    clientId: WELL_KNOWN_APPS.exchangeOnline,
    clientSecret: EXO_CLIENT_SECRET,
    cloudCacheMailWindow: online.cloudCacheMailWindow,
    searchCacheTtl: online.searchCacheTtl,
    deletedAccountCacheRetention: online.deletedAccountCacheRetention,
    syncMode: 'poll',
    pingHeartbeat: '59m',
    syncInterval: '30m',
    tokenRefreshLead: '5m',
    retryInitialDelay: '1m',
    retryMaxDelay: '1h',
    deviceInactivityTimeout: '3d',
    initialMailFilterType: 5,
    syncProtocolVersion: '14.1',
    syncUserAgent: 'Exchange-Online-Sync/15.20 (hma-lab)',
    unsupportedExchangeVersions: ['2010'],
    allowBasicAuthActiveSync: online.allowBasicAuthActiveSync,
    activeSyncServerVersion: '15.20',
    validateCert: { ...DEFAULT_VALIDATE_CERT_CONFIG },
  };
}

/** Scenario values, then defaults, then the caller's overrides; durations parsed. */
export function resolveExoConfig(
  deps: Pick<ServiceDeps, 'hosts' | 'directory'>,
  overrides: Partial<ExchangeOnlineConfig> = {},
): ResolvedExoConfig {
  const c = { ...defaultExoConfig(deps, deps.directory.scenario.exchange.online), ...overrides };
  if (!Number.isInteger(c.autodiscoverMaxRedirects) || c.autodiscoverMaxRedirects < 1) {
    throw new RangeError('exchange-online: autodiscoverMaxRedirects must be a whole number >= 1');
  }
  if (c.syncMode !== 'push' && c.syncMode !== 'poll') {
    throw new RangeError("exchange-online: syncMode must be 'push' or 'poll'");
  }
  const pingHeartbeatMs = parseDuration(c.pingHeartbeat);
  if (!isPingHeartbeat(pingHeartbeatMs)) {
    throw new RangeError('exchange-online: pingHeartbeat must be whole seconds from 1m to 59m');
  }
  return {
    ...c,
    // Fields left out keep their defaults.
    validateCert: { ...DEFAULT_VALIDATE_CERT_CONFIG, ...overrides.validateCert },
    pingHeartbeatS: pingHeartbeatMs / 1000,
    autodiscoverLoopWindowMs: parseDuration(c.autodiscoverLoopWindow),
    clockSkewMs: parseDuration(c.clockSkew),
    jwksCacheTtlMs: parseDuration(c.jwksCacheTtl),
    cloudCacheMailWindowMs: parseDuration(c.cloudCacheMailWindow),
    searchCacheTtlMs: parseDuration(c.searchCacheTtl),
    deletedAccountCacheRetentionMs: parseDuration(c.deletedAccountCacheRetention),
    syncIntervalMs: parseDuration(c.syncInterval),
    tokenRefreshLeadMs: parseDuration(c.tokenRefreshLead),
    retryInitialDelayMs: parseDuration(c.retryInitialDelay),
    retryMaxDelayMs: parseDuration(c.retryMaxDelay),
    deviceInactivityTimeoutMs: parseDuration(c.deviceInactivityTimeout),
  };
}
