import {
  createEasClient,
  EasHttpError,
  EasStatusError,
  WbxmlError,
  type EasClient,
  type EasClientState,
  type EasItem,
} from '@hma-lab/activesync';
import { fetchWithin, type LabFetch } from '@hma-lab/core';
import type { ResolvedOutlookServiceConfig } from '../config.js';
import { SYNCED_FOLDER_TYPES } from '../protocol/mailbox-view.js';
import type { CachedMailbox } from '../protocol/stores.js';

/**
 * The service's ActiveSync connection to on-premises Exchange on a user's
 * behalf, authenticated with Basic from the password the service holds. The
 * Authorization value is built per request from the Buffer in memory, so a
 * flushed password stops the connection at its next request.
 */

/** The password was flushed while a sync was under way. */
export class PasswordGoneError extends Error {
  override readonly name = 'PasswordGoneError';
  constructor() {
    super('the decrypted password is no longer in memory');
  }
}

export interface ExchangeConnectionOptions {
  fetch: LabFetch;
  config: ResolvedOutlookServiceConfig;
  activeSyncUrl: string;
  easDeviceId: string;
  userName: string;
  protocolVersion: string;
  /** The password, read at every request (undefined once flushed). */
  password: () => Buffer | undefined;
  state?: EasClientState;
}

export function openExchangeConnection(options: ExchangeConnectionOptions): EasClient {
  const { config } = options;
  return createEasClient({
    // Every answer within the time limit: one Exchange never answered held the
    // account's queue (connect, delete, its background sync) and the lab clock.
    fetch: fetchWithin(options.fetch, config.exchangeRequestTimeoutMs),
    url: options.activeSyncUrl,
    authorization: () => basicAuthorization(options.userName, options.password()),
    deviceId: options.easDeviceId,
    deviceType: config.easDeviceType,
    deviceModel: config.easDeviceModel,
    userAgent: config.easUserAgent,
    protocolVersion: options.protocolVersion,
    user: options.userName,
    ...(options.state ? { state: options.state } : {}),
  });
}

/**
 * `Basic base64(user:password)` (RFC 7617). A header value has to be a string;
 * the bytes it is built from are wiped, the string lives until collected.
 */
function basicAuthorization(userName: string, password: Buffer | undefined): string {
  if (!password) throw new PasswordGoneError();
  const raw = Buffer.concat([Buffer.from(`${userName}:`, 'utf8'), password]);
  const value = `Basic ${raw.toString('base64')}`;
  raw.fill(0);
  return value;
}

/** What an Exchange failure means for the account. */
export interface ExchangeFailure {
  /**
   * - `bad-credentials`: 401 with the Basic challenge offered (user name or password wrong)
   * - `blocked`: Exchange refuses this client: device access (Status 129...), an
   *   authentication policy (401 without the Basic challenge), 403
   * - `unavailable`: 503, 5xx, the password flushed mid-way
   * - `unreachable`: no answer at all
   * - `protocol`: an answer the service cannot use
   */
  kind: 'bad-credentials' | 'blocked' | 'unavailable' | 'unreachable' | 'protocol';
  /** Finer reason for traces and the device: `device-blocked`, `basic-auth-blocked`... */
  reason: string;
  message: string;
  httpStatus?: number;
  easStatus?: number;
}

/** ActiveSync Status values that mean "this device may not sync" (MS-ASCMD 2.2.2). */
const REFUSING_STATUSES = new Map<number, string>([
  [126, 'user-disabled-for-sync'],
  [129, 'device-blocked'],
  [130, 'access-denied'],
  [131, 'account-disabled'],
  [141, 'legacy-device-on-strict-policy'],
  [145, 'externally-managed-devices-not-allowed'],
]);

export function classifyExchangeFailure(error: unknown): ExchangeFailure {
  if (error instanceof EasHttpError) {
    const base = { httpStatus: error.status, message: error.message };
    if (error.status === 401) {
      const offersBasic = /(^|,)\s*basic\b/i.test(error.headers.get('www-authenticate') ?? '');
      return offersBasic
        ? { ...base, kind: 'bad-credentials', reason: 'password-rejected' }
        : { ...base, kind: 'blocked', reason: 'basic-auth-blocked' };
    }
    if (error.status === 403) return { ...base, kind: 'blocked', reason: 'forbidden' };
    if (error.status === 451) {
      const location = error.headers.get('x-ms-location');
      return {
        ...base,
        kind: 'protocol',
        reason: 'mailbox-moved',
        message: `the mailbox is not served here${location ? ` (X-MS-Location: ${location})` : ''}`,
      };
    }
    if (error.status >= 500)
      return { ...base, kind: 'unavailable', reason: `http-${error.status}` };
    return { ...base, kind: 'protocol', reason: `http-${error.status}` };
  }
  if (error instanceof EasStatusError) {
    const refusal = REFUSING_STATUSES.get(error.status);
    const base = { easStatus: error.status, message: error.message };
    return refusal
      ? { ...base, kind: 'blocked', reason: refusal }
      : { ...base, kind: 'protocol', reason: `status-${error.status}` };
  }
  if (error instanceof PasswordGoneError) {
    return { kind: 'unavailable', reason: 'password-flushed', message: error.message };
  }
  if (error instanceof NoCommonVersionError) {
    return { kind: 'protocol', reason: 'no-common-version', message: error.message };
  }
  if (error instanceof WbxmlError) {
    return { kind: 'protocol', reason: 'malformed-wbxml', message: error.message };
  }
  if (error instanceof TypeError && /fetch failed/.test(error.message)) {
    const code = (error.cause as { code?: string } | undefined)?.code;
    return {
      kind: 'unreachable',
      reason: code ? code.toLowerCase() : 'no-answer',
      message: `on-premises ActiveSync could not be reached${code ? ` (${code})` : ''}`,
    };
  }
  return {
    kind: 'protocol',
    reason: 'unexpected',
    message: error instanceof Error ? error.message : String(error),
  };
}

/** ActiveSync versions the service can speak, best first (MS-ASHTTP 2.2.1.1.2.4). */
const SPOKEN_VERSIONS = ['16.1', '16.0', '14.1', '14.0', '12.1'];

/**
 * The version to use with a server: the highest it offers (OPTIONS
 * `MS-ASProtocolVersions`) that the service speaks and that is not above the
 * configured one. A server that lists nothing gets the configured version.
 */
export function chooseProtocolVersion(offered: readonly string[], preferred: string): string {
  if (offered.length === 0) return preferred;
  const ceiling = SPOKEN_VERSIONS.indexOf(preferred);
  const candidates = ceiling >= 0 ? SPOKEN_VERSIONS.slice(ceiling) : SPOKEN_VERSIONS;
  const chosen = candidates.find((v) => offered.includes(v));
  if (!chosen) {
    throw new NoCommonVersionError(offered);
  }
  return chosen;
}

/** The server speaks no ActiveSync version the service does. */
export class NoCommonVersionError extends Error {
  override readonly name = 'NoCommonVersionError';
  constructor(offered: readonly string[]) {
    super(`no common ActiveSync version (the server offers ${offered.join(', ') || 'none'})`);
  }
}

export interface SyncSummary {
  folders: number;
  /** Collections actually synced (the others had no changes). */
  synced: number;
  added: number;
  changed: number;
  deleted: number;
  /** Items in the cache after the pass. */
  items: number;
}

/**
 * One sync pass into the cache. `full`: refresh the folder hierarchy and sync
 * every synced folder (an app start). Otherwise: GetItemEstimate, then Sync
 * only what changed (the service's own keep-alive, a background refresh).
 */
export async function syncMailbox(
  client: EasClient,
  cache: CachedMailbox,
  options: { full: boolean; mailFilterType: number },
): Promise<SyncSummary> {
  if (!client.exportState().policyKey) await client.provision();
  if (options.full || cache.folders.length === 0) {
    const { folders } = await client.folderSync();
    cache.folders = folders;
    for (const id of [...cache.items.keys()]) {
      if (!folders.some((f) => f.serverId === id)) cache.items.delete(id);
    }
  }
  const wanted: number[] = Object.values(SYNCED_FOLDER_TYPES);
  const targets = cache.folders.filter((f) => wanted.includes(f.type));
  let toSync = targets;
  const keys = client.exportState().syncKeys;
  if (!options.full && targets.every((f) => keys[f.serverId] && keys[f.serverId] !== '0')) {
    try {
      const estimates = await client.getItemEstimate(targets.map((f) => f.serverId));
      toSync = targets.filter((f) => (estimates[f.serverId] ?? 1) > 0);
    } catch (error) {
      // An unknown or stale sync key: sync everything, which repairs the keys.
      if (!(error instanceof EasStatusError)) throw error;
    }
  }
  const summary: SyncSummary = {
    folders: cache.folders.length,
    synced: 0,
    added: 0,
    changed: 0,
    deleted: 0,
    items: 0,
  };
  for (const folder of toSync) {
    const result = await client.syncAll(folder.serverId, {
      windowSize: 100,
      ...(folder.type === SYNCED_FOLDER_TYPES.inbox ? { filterType: options.mailFilterType } : {}),
    });
    let items = cache.items.get(folder.serverId);
    if (!items) {
      items = new Map<string, EasItem>();
      cache.items.set(folder.serverId, items);
    }
    for (const item of [...result.added, ...result.changed]) items.set(item.serverId, item);
    for (const id of result.deleted) items.delete(id);
    summary.synced += 1;
    summary.added += result.added.length;
    summary.changed += result.changed.length;
    summary.deleted += result.deleted.length;
  }
  for (const items of cache.items.values()) summary.items += items.size;
  return summary;
}
