import { createHash } from 'node:crypto';
import type { Timer } from '@hma-lab/core';
import { itemCount, type CacheMailbox } from '../cache/cloud-cache.js';

/**
 * A hybrid account: one per user (the on-prem mailbox and its cloud cache),
 * with the devices that provisioned it. Its `state` is what the device sees
 * (docs/flow-map.md):
 *
 * | state | meaning | background work |
 * |---|---|---|
 * | `ready` | synced; data served from the cloud cache | AT2 renewal and periodic sync on the clock |
 * | `pending` | provisioned, the first sync has not succeeded yet (on-prem unreachable or 503) | retries with backoff |
 * | `dormant` | no device activity for `deviceInactivityTimeout` | none; resumes when a device calls |
 * | `signInRequired` | Entra refused RT2 (e.g. AADSTS50173 after a password change) | none; a new provisioning call (fresh AT1) recovers |
 * | `failed` | on-prem refused AT2 or the device (401/403) | none; a new provisioning call retries |
 * | `deleted` | the user was deleted (disabled) in Entra | none; the cache is purged after `deletedAccountCacheRetention` |
 */
export type AccountState =
  'ready' | 'pending' | 'dormant' | 'signInRequired' | 'failed' | 'deleted';

/** What went wrong last, as the device is told. */
export interface AccountProblem {
  code: string;
  message: string;
  step?: number;
  aadsts?: number;
  diagnostics?: string;
}

export interface DeviceRecord {
  deviceId: string;
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface AccountTokens {
  accessToken: string;
  refreshToken: string;
  expiresAtMs: number;
  acquiredAtMs: number;
}

/** Internal account record (never sent as is). */
export interface Account {
  id: string;
  upn: string;
  displayName: string;
  tenantId: string;
  /** The on-prem ActiveSync URL the device sent. */
  activeSyncUrl: string;
  /** AT2 audience: `scheme://host` of activeSyncUrl. */
  resource: string;
  state: AccountState;
  problem?: AccountProblem;
  devices: Map<string, DeviceRecord>;
  lastDeviceActivityMs: number;
  tokens?: AccountTokens;
  lastSyncAtMs?: number;
  nextSyncAtMs?: number;
  /** Push mode: the Ping held on-prem now (sent at `sentAtMs`), if any. */
  ping?: { sentAtMs: number; heartbeatS: number };
  /** Push mode: the Ping heartbeat on-prem allows, when it named one (Status 5). */
  pingHeartbeatS?: number;
  /** Sync passes in a row that found nothing (push mode's guard against a Ping that keeps reporting changes). */
  fruitlessPasses?: number;
  /** Current backoff after failures (0 when healthy). */
  retryDelayMs: number;
  deletedAtMs?: number;
  purgeAtMs?: number;
  timers: { refresh?: Timer; sync?: Timer; purge?: Timer };
  syncCount: number;
  refreshCount: number;
}

/** A stable GUID-shaped id for a user's account (same user, same id, in every lab). */
export function accountIdFor(tenantId: string, upn: string): string {
  const hex = createHash('sha256').update(`${tenantId}:${upn.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** `scheme://host[:port]` of the ActiveSync URL: the resource of the on-behalf-of call (facts §1.2). */
export function resourceOf(activeSyncUrl: string): string {
  return new URL(activeSyncUrl).origin;
}

/** The label Outlook shows for an on-prem mailbox reached through HMA (seed 003). */
export const HYBRID_ACCOUNT_TYPE = 'Exchange (Hybrid)';
/** The label of a mailbox in Exchange Online (flow B). */
export const CLOUD_ACCOUNT_TYPE = 'Office 365';

/** Features HMA does not offer on-prem mailboxes (FLOWS.md D). */
export const HYBRID_UNSUPPORTED_FEATURES = [
  'draftsSync',
  'sharedCalendars',
  'calendarAttachments',
  'tasks',
] as const;
export type UnsupportedFeature = (typeof HYBRID_UNSUPPORTED_FEATURES)[number];

export const FEATURE_NAMES: Record<UnsupportedFeature, string> = {
  draftsSync: 'Drafts sync',
  sharedCalendars: 'Shared and delegate calendars',
  calendarAttachments: 'Calendar attachments',
  tasks: 'Tasks (To Do)',
};

/** The account object of the client API (`POST /provision`, `GET /account`). */
export interface AccountBody {
  accountId: string;
  emailAddress: string;
  displayName: string;
  accountType: string;
  state: AccountState;
  activeSyncUrl?: string;
  devices?: Array<{ deviceId: string; firstSeenDateTime: string; lastSeenDateTime: string }>;
  cloudCache?: {
    createdDateTime: string;
    items: number;
    mailWindowDays: number;
    lastSyncDateTime?: string;
    nextSyncDateTime?: string;
    pushSinceDateTime?: string;
  };
  outOfOffice?: { state: string; internalReply?: string };
  unsupportedFeatures: string[];
  error?: AccountProblem;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function accountToBody(
  account: Account,
  cache: CacheMailbox | undefined,
  mailWindowMs: number,
): AccountBody {
  const body: AccountBody = {
    accountId: account.id,
    emailAddress: account.upn,
    displayName: account.displayName,
    accountType: HYBRID_ACCOUNT_TYPE,
    state: account.state,
    activeSyncUrl: account.activeSyncUrl,
    devices: [...account.devices.values()].map((d) => ({
      deviceId: d.deviceId,
      firstSeenDateTime: iso(d.firstSeenMs),
      lastSeenDateTime: iso(d.lastSeenMs),
    })),
    unsupportedFeatures: [...HYBRID_UNSUPPORTED_FEATURES],
  };
  if (cache) {
    body.cloudCache = {
      createdDateTime: iso(cache.createdAtMs),
      items: itemCount(cache),
      mailWindowDays: Math.round(mailWindowMs / 86_400_000),
      ...(account.lastSyncAtMs !== undefined
        ? { lastSyncDateTime: iso(account.lastSyncAtMs) }
        : {}),
      ...(account.nextSyncAtMs !== undefined
        ? { nextSyncDateTime: iso(account.nextSyncAtMs) }
        : {}),
      ...(account.ping ? { pushSinceDateTime: iso(account.ping.sentAtMs) } : {}),
    };
    if (cache.oof) {
      body.outOfOffice = {
        state: cache.oof.state,
        ...(cache.oof.internalReply !== undefined
          ? { internalReply: cache.oof.internalReply }
          : {}),
      };
    }
  }
  if (account.problem) body.error = { ...account.problem };
  return body;
}
