import {
  DEFAULT_VALIDATE_CERT_CONFIG,
  EAS_COMMANDS,
  PING_LIMITS,
  type ValidateCertConfig,
} from '@hma-lab/activesync';
import type { OnpremConfig, ServiceDeps } from '@hma-lab/core';
import type { Diagnostics } from './errors.js';

/**
 * Configuration of the two on-premises parties. Everything that describes the
 * Exchange organisation (hosts, HMA switch, policies, device rules) comes from
 * the scenario (`exchange.onprem`); the options here are the lab's choices
 * where Microsoft's behaviour is not documented (protocol-facts.md marks them
 * [unconfirmed]), each with its default and the reason for it.
 */

/** Options of {@link createOnpremAutodiscover}. */
export interface OnpremAutodiscoverConfig {
  /** The on-prem organisation. Default: `deps.directory.scenario.exchange.onprem`. */
  onprem: OnpremConfig;
  /**
   * What an address the organisation does not know gets. Real Exchange error
   * bodies other than InvalidProtocol are unconfirmed (facts §2.4).
   * - `not-found` (default): `404 {"ErrorCode":"UserNotFound",...}` for an unknown
   *   user of an accepted domain, `404 {"ErrorCode":"InvalidDomain",...}` for a domain
   *   the tenant does not have.
   * - `answer`: answer with the on-prem URLs anyway (an anonymous endpoint need
   *   not reveal which users exist).
   */
  unknownUser: 'not-found' | 'answer';
  /**
   * What a user whose mailbox is in Exchange Online gets (a RemoteMailbox on-prem).
   * - `redirect` (default): `302` to Exchange Online's AutoDiscover v2 with
   *   `RedirectCount` + 1, as the cloud does the other way round (facts §2.3).
   * - `answer`: the on-prem URLs (the mailbox is then redirected later by EAS 451).
   */
  cloudMailbox: 'redirect' | 'answer';
  /** Highest accepted `RedirectCount`; above it: `400 {"ErrorCode":"RedirectCountExceeded"}`. Default 10. */
  maxRedirectCount: number;
}

/** The lab's answer to a Basic credential an authentication policy blocks (facts §7: unconfirmed). */
export type BlockedBasicAnswer = 'bearer-challenge-only' | 'both-challenges' | 'forbidden';

/** Options of {@link createOnpremActiveSync}. */
export interface OnpremActiveSyncConfig {
  /** The on-prem organisation. Default: `deps.directory.scenario.exchange.onprem`. */
  onprem: OnpremConfig;
  /** `Server` header. Default `Microsoft-IIS/10.0` (facts §1.1). */
  serverHeader: string;
  /** `X-FEServer` header: the front-end server's name. Default `EX19` (CSS-HMAEAS screenshots). */
  frontEndServer: string;
  /** Entra's JWKS. Default `https://<entra host>/common/discovery/keys` (facts §4.1). */
  jwksUrl: string;
  /** How long fetched signing keys are trusted before a refetch. Default 24 h. */
  jwksCacheMs: number;
  /** Tolerance for `exp`/`nbf` (Exchange's OAuth default is 5 minutes). Default 300 s. */
  clockSkewS: number;
  /**
   * Diagnostics for an expired (or not yet valid) token. The real text is
   * unconfirmed (facts §1.3, §8.1). `{exp}`, `{nbf}` and `{now}` are replaced by
   * ISO times. Default code `2000002`, category `invalid_token`.
   */
  expiredToken: Diagnostics;
  /**
   * Diagnostics for a bearer token of a user whose mailbox is on Exchange 2010,
   * which cannot use OAuth (HMA-DOC). Basic still works for such a mailbox.
   * `{version}` is replaced. Default code `2000005`, category `invalid_user`.
   */
  oauthUnsupportedMailbox: Diagnostics;
  /**
   * A delegated scope the token must carry (`scp`), e.g. `EAS.AccessAsUser.All`;
   * missing -> 2000008. Default: none (whether HMA tokens carry it is unconfirmed, facts §4.4).
   */
  requiredScope: string | undefined;
  /** Answer to Basic under `BlockLegacyAuthActiveSync`. Default `bearer-challenge-only` (facts §7). */
  blockedBasic: BlockedBasicAnswer;
  /**
   * Status for a body over `maxRequestLengthBytes`. Default 404: IIS request
   * filtering (`maxAllowedContentLength`, equal to `maxRequestLength` in Exchange's
   * web.config) runs first and answers 404.13. 413 is the alternative.
   */
  oversizeStatus: 404 | 413;
  /** Versions offered to Exchange 2016 and later mailboxes. Default 2.5, 12.0, 12.1, 14.0, 14.1, 16.0, 16.1. */
  protocolVersions: string[];
  /** `MS-ASProtocolCommands` (facts §6.1, the spec sample's list plus Find). */
  protocolCommands: string[];
  /** Whether commands need a provisioned policy key (Exchange's default mailbox policy). Default true. */
  provisioningRequired: boolean;
  /** Commands that work without a policy key. Default Provision and Settings (CSS-HMAEAS probes Settings unprovisioned). */
  provisioningExemptCommands: string[];
  /**
   * What a quarantined device gets (facts §6.7: unconfirmed).
   * - `notice` (default): it may Provision, Settings, FolderSync, Sync, GetItemEstimate
   *   and Ping, but its Inbox shows only a quarantine notice and other folders
   *   nothing; any other command gets Status 129.
   * - `block`: treated as blocked (Status 129 / HTTP 403).
   */
  quarantine: 'notice' | 'block';
  /** Ping heartbeat bounds (Exchange defaults 60..3540 s) and the most folders one Ping may watch. */
  ping: { minHeartbeatS: number; maxHeartbeatS: number; maxFolders: number };
  /** Sync window: default 100 items per collection, at most 512 (MS-ASCMD 2.2.3.199). */
  sync: { defaultWindowSize: number; maxWindowSize: number };
  /** `Retry-After` when the `eas-503` fault has no `retryAfterS`. Default 30. */
  defaultRetryAfterS: number;
  /**
   * What ValidateCert trusts: Node's root certificates (as Exchange trusts the
   * Windows store), extra roots in PEM, and the serial numbers of the lab's
   * revocation list (read when the client sends CheckCRL 1).
   */
  validateCert: ValidateCertConfig;
}

/** The defaults of {@link OnpremAutodiscoverConfig} for a lab's deps. */
export function resolveAutodiscoverConfig(
  deps: Pick<ServiceDeps, 'directory'>,
  config: Partial<OnpremAutodiscoverConfig> = {},
): OnpremAutodiscoverConfig {
  return {
    onprem: deps.directory.scenario.exchange.onprem,
    unknownUser: 'not-found',
    cloudMailbox: 'redirect',
    maxRedirectCount: 10,
    ...config,
  };
}

/** Every command MS-ASProtocolCommands lists (MS-ASHTTP §4, plus Find for 16.1): the wire library's list. */
export const ALL_PROTOCOL_COMMANDS: readonly string[] = EAS_COMMANDS;

/** The defaults of {@link OnpremActiveSyncConfig} for a lab's deps. */
export function resolveActiveSyncConfig(
  deps: Pick<ServiceDeps, 'directory' | 'hosts'>,
  config: Partial<OnpremActiveSyncConfig> = {},
): OnpremActiveSyncConfig {
  return {
    onprem: deps.directory.scenario.exchange.onprem,
    serverHeader: 'Microsoft-IIS/10.0',
    frontEndServer: 'EX19',
    jwksUrl: deps.hosts.url('entra', '/common/discovery/keys'),
    jwksCacheMs: 24 * 3_600_000,
    clockSkewS: 300,
    expiredToken: {
      code: '2000002',
      reason: "The token has expired. Token lifetime: '{nbf}' to '{exp}'. Current time: '{now}'.",
      category: 'invalid_token',
    },
    oauthUnsupportedMailbox: {
      code: '2000005',
      reason:
        'The user specified by the user-context in the token has a mailbox on Exchange {version}, which does not support OAuth.',
      category: 'invalid_user',
    },
    requiredScope: undefined,
    blockedBasic: 'bearer-challenge-only',
    oversizeStatus: 404,
    protocolVersions: ['2.5', '12.0', '12.1', '14.0', '14.1', '16.0', '16.1'],
    protocolCommands: [...ALL_PROTOCOL_COMMANDS],
    provisioningRequired: true,
    provisioningExemptCommands: ['Provision', 'Settings'],
    quarantine: 'notice',
    ping: { ...PING_LIMITS },
    sync: { defaultWindowSize: 100, maxWindowSize: 512 },
    defaultRetryAfterS: 30,
    ...config,
    // Fields left out keep their defaults.
    validateCert: { ...DEFAULT_VALIDATE_CERT_CONFIG, ...config.validateCert },
  };
}
