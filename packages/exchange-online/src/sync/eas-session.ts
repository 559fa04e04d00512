import { createHash } from 'node:crypto';
import {
  EasHttpError,
  createEasClient,
  el,
  child,
  children,
  textOf,
  type EasClient,
  type EasClientState,
  type EasFolder,
  type EasItem,
  type EasSyncOptions,
  parseEasDate,
} from '@hma-lab/activesync';
import type { LabFetch } from '@hma-lab/core';
import {
  itemCount,
  pruneMail,
  type CacheItem,
  type CacheMailbox,
  type OofState,
} from '../cache/cloud-cache.js';
import { syncFailureFrom } from './sync-failure.js';

/**
 * Exchange Online's ActiveSync connection to one on-prem mailbox (step 19):
 * DeviceType `OutlookService`, AT2 as the Bearer credential (asked per
 * request, so a renewed AT2 is used at once). The first run does OPTIONS,
 * Provision (both phases), FolderSync, then Sync of Inbox (one month, then
 * only the cache window kept), Calendar and Contacts (all) — the three
 * collections in one Sync request per round — and reads OOF
 * with Settings; later runs are incremental (the client keeps the sync keys).
 */
export interface EasSession {
  readonly deviceId: string;
  readonly provisioned: boolean;
  /** Whether on-prem's OPTIONS listed Ping in `MS-ASProtocolCommands` (true when it listed none). */
  readonly offersPing: boolean;
  /** One sync pass into `mailbox`. Throws {@link SyncFailure}. */
  run(mailbox: CacheMailbox, window: { nowMs: number; mailWindowMs: number }): Promise<SyncReport>;
  /** On-prem Search (MS-ASCMD Search, store Mailbox). Throws {@link SyncFailure}. */
  search(query: string): Promise<EasItem[]>;
  /** An attachment's content type and bytes, by its FileReference (ItemOperations Fetch). Throws {@link SyncFailure}. */
  fetchAttachment(fileReference: string): Promise<{ contentType: string; bytes: Uint8Array }>;
  /**
   * Ping on the folders the cache keeps (Inbox, Calendar, Contacts), held by
   * on-prem until one changes or the heartbeat ends. Throws {@link SyncFailure}.
   */
  ping(heartbeatS: number): Promise<PingAnswer>;
  /** Reads OOF (Settings) into `mailbox`: what a Ping does not watch. Throws {@link SyncFailure}. */
  readOof(mailbox: CacheMailbox, nowMs: number): Promise<void>;
}

/** What on-prem answered a Ping (MS-ASCMD 2.2.3.177.10). */
export interface PingAnswer {
  /** 1 heartbeat over, 2 changes, 5 heartbeat out of range, 6 too many folders, 7 folder hierarchy changed. */
  status: number;
  changedFolders: string[];
  /** With Status 5: the heartbeat the server allows. */
  heartbeatS?: number;
}

export interface SyncReport {
  initial: boolean;
  folders: number;
  items: number;
  added: number;
  changed: number;
  deleted: number;
  pruned: number;
  oof: OofState['state'];
}

export interface EasSessionOptions {
  fetch: LabFetch;
  url: string;
  user: string;
  /** Stable per mailbox (see {@link syncDeviceId}). */
  deviceId: string;
  authorization: () => Promise<string>;
  protocolVersion: string;
  userAgent: string;
  mailFilterType: number;
  /** The cloud cache's copy of a repeated value (CloudCache.shareText). */
  shareText: (value: string) => string;
}

/** `OutlookService` + 16 hex digits of a hash of the account: one device per mailbox. */
export function syncDeviceId(accountId: string): string {
  return `OutlookService${createHash('sha256').update(accountId).digest('hex').slice(0, 16)}`;
}

const INBOX = 2;
const CALENDAR = 8;
const CONTACTS = 9;
/** The folders a sync pass brings into the cache, and a Ping watches. */
const CACHED_TYPES = [INBOX, CALENDAR, CONTACTS];

export function createEasSession(options: EasSessionOptions): EasSession {
  return new OnPremSession(options);
}

/**
 * Between runs a session keeps only the EAS client's state (sync keys, policy
 * key, folders), not the client: a client is a few dozen closures, which a
 * large lab would hold for every mailbox while it waits for the next sync.
 * Calls that overlap share one client, as they always did.
 */
class OnPremSession implements EasSession {
  readonly deviceId: string;
  provisioned = false;
  offersPing = true;
  private saved: EasClientState | undefined;
  private client: EasClient | undefined;
  private users = 0;

  constructor(private readonly options: EasSessionOptions) {
    this.deviceId = options.deviceId;
  }

  async run(
    mailbox: CacheMailbox,
    window: { nowMs: number; mailWindowMs: number },
  ): Promise<SyncReport> {
    const { options } = this;
    const initial = !this.provisioned;
    const windowStartMs = window.nowMs - window.mailWindowMs;
    const report: SyncReport = {
      initial,
      folders: 0,
      items: 0,
      added: 0,
      changed: 0,
      deleted: 0,
      pruned: 0,
      oof: mailbox.oof?.state ?? 'unknown',
    };
    const client = this.acquire();
    try {
      if (initial) {
        const offered = await probeOptions(options);
        this.offersPing = offered.commands.length === 0 || offered.commands.includes('Ping');
        await client.provision();
        this.provisioned = true;
      }
      await client.folderSync();
      // The client's own (frozen) folder objects: the cache and the state
      // kept between syncs then hold one hierarchy between them.
      const folders = client.exportState().folders ?? [];
      applyFolders(mailbox, folders);
      const plan: Array<[number, EasSyncOptions]> = [
        [
          INBOX,
          {
            filterType: options.mailFilterType,
            bodyType: 1,
            truncationSize: 2048,
            windowSize: 100,
          },
        ],
        [CALENDAR, { filterType: 0, bodyType: 1, truncationSize: 2048, windowSize: 100 }],
        [CONTACTS, { bodyType: 1, truncationSize: 2048, windowSize: 100 }],
      ];
      // The three folders go in one Sync request per round (MS-ASCMD allows several collections).
      const requests = plan.flatMap(([type, syncOptions]) => {
        const folder = folders.find((f) => f.type === type);
        return folder ? [{ collectionId: folder.serverId, options: syncOptions }] : [];
      });
      const results = requests.length > 0 ? await client.syncCollections(requests) : {};
      for (const { collectionId } of requests) {
        const result = results[collectionId]!;
        const items = itemsFor(mailbox, collectionId);
        for (const item of [...result.added, ...result.changed]) {
          const cached = toCacheItem(item, collectionId, window.nowMs, options.shareText);
          if (cached.receivedMs !== undefined && cached.receivedMs < windowStartMs) continue;
          if (items.has(cached.serverId)) report.changed++;
          else report.added++;
          items.set(cached.serverId, cached);
        }
        for (const id of result.deleted) if (items.delete(id)) report.deleted++;
      }
      mailbox.oof = (await readOof(client, window.nowMs)) ?? mailbox.oof;
    } catch (error) {
      throw syncFailureFrom(error);
    } finally {
      this.release();
    }
    report.pruned = pruneMail(mailbox, windowStartMs);
    report.folders = mailbox.folders.length;
    report.items = itemCount(mailbox);
    report.oof = mailbox.oof?.state ?? 'unknown';
    mailbox.lastSyncAtMs = window.nowMs;
    return report;
  }

  search(query: string): Promise<EasItem[]> {
    return this.withProvisionedClient((client) => client.search(query));
  }

  fetchAttachment(fileReference: string): Promise<{ contentType: string; bytes: Uint8Array }> {
    return this.withProvisionedClient((client) => client.fetchAttachment(fileReference));
  }

  /** {@link withClient}, provisioning first when no sync pass has yet. */
  private withProvisionedClient<T>(work: (client: EasClient) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      if (!this.provisioned) {
        await client.provision();
        this.provisioned = true;
      }
      return work(client);
    });
  }

  readOof(mailbox: CacheMailbox, nowMs: number): Promise<void> {
    return this.withClient(async (client) => {
      mailbox.oof = (await readOof(client, nowMs)) ?? mailbox.oof;
    });
  }

  ping(heartbeatS: number): Promise<PingAnswer> {
    return this.withClient((client) => {
      const folders = client.exportState().folders ?? [];
      const watched = CACHED_TYPES.flatMap((type) => {
        const folder = folders.find((f) => f.type === type);
        return folder ? [folder.serverId] : [];
      });
      return client.ping(watched, heartbeatS);
    });
  }

  /** `work` with the session's client; what it throws as a {@link SyncFailure}. */
  private async withClient<T>(work: (client: EasClient) => Promise<T>): Promise<T> {
    const client = this.acquire();
    try {
      return await work(client);
    } catch (error) {
      throw syncFailureFrom(error);
    } finally {
      this.release();
    }
  }

  private acquire(): EasClient {
    this.users += 1;
    const { options } = this;
    return (this.client ??= createEasClient({
      fetch: options.fetch,
      url: options.url,
      authorization: options.authorization,
      deviceId: options.deviceId,
      deviceType: 'OutlookService',
      user: options.user,
      protocolVersion: options.protocolVersion,
      userAgent: options.userAgent,
      deviceModel: 'OutlookService',
      ...(this.saved ? { state: this.saved } : {}),
    }));
  }

  /** The last call out keeps the client's state, whatever became of the call (keys the server moved on stay moved on). */
  private release(): void {
    this.users -= 1;
    if (this.users > 0 || !this.client) return;
    this.saved = this.client.exportState();
    this.client = undefined;
  }
}

function itemsFor(mailbox: CacheMailbox, collectionId: string): Map<string, CacheItem> {
  let items = mailbox.items.get(collectionId);
  if (!items) {
    items = new Map();
    mailbox.items.set(collectionId, items);
  }
  return items;
}

function applyFolders(mailbox: CacheMailbox, folders: EasFolder[]): void {
  mailbox.folders = folders;
  const known = new Set(folders.map((f) => f.serverId));
  for (const id of [...mailbox.items.keys()]) if (!known.has(id)) mailbox.items.delete(id);
}

/** An EAS item as the cache keeps it. */
export function toCacheItem(
  item: EasItem,
  collectionId: string,
  nowMs: number,
  shareText: (value: string) => string,
): CacheItem {
  const kind =
    item.class ??
    (Object.keys(item.data).some((k) => k.startsWith('Calendar:'))
      ? 'Calendar'
      : Object.keys(item.data).some((k) => k.startsWith('Contacts:'))
        ? 'Contacts'
        : 'Email');
  const receivedMs = kind === 'Email' ? parseEasDate(item.data['Email:DateReceived']) : undefined;
  // A spread copy, then overwritten in place with shared texts. Measured
  // against a copy through JSON (an object with room for exactly its keys):
  // 0.46 KB more heap per mailbox of 10,000, but 1.2 s less to provision them
  // and ~2 % off a flow (docs/benchmarks.md, ninth round).
  const data = { ...item.data };
  for (const key in data) data[key] = shareText(data[key]!);
  const cached: CacheItem = {
    serverId: shareText(item.serverId),
    collectionId: shareText(item.collectionId || collectionId),
    class: kind,
    data,
    ...(item.body !== undefined ? { body: shareText(item.body) } : {}),
    ...(receivedMs !== undefined ? { receivedMs } : {}),
    syncedAtMs: nowMs,
  };
  // Added to the few items with files only: one more spread in the literal
  // above made every cached item bigger (~0.15 KB of heap per mailbox of 17).
  if (item.attachments && item.attachments.length > 0) cached.attachments = item.attachments;
  return cached;
}

/** Settings/Oof/Get (MS-ASCMD 2.2.3.119): 0 disabled, 1 enabled, 2 scheduled. Undefined when unreadable. */
async function readOof(client: EasClient, nowMs: number): Promise<OofState | undefined> {
  let answer: Awaited<ReturnType<EasClient['command']>>;
  try {
    answer = await client.command(
      'Settings',
      el(
        'Settings:Settings',
        el('Settings:Oof', el('Settings:Get', el('Settings:BodyType', 'Text'))),
      ),
    );
  } catch (error) {
    const failure = syncFailureFrom(error);
    // Auth and availability problems matter; a server without OOF support does not.
    if (failure.kind === 'unauthorized' || failure.kind === 'unavailable') throw failure;
    return undefined;
  }
  const oof = answer.body ? child(answer.body, 'Settings:Oof') : undefined;
  const get = oof ? child(oof, 'Settings:Get') : undefined;
  if (!get) return undefined;
  const code = textOf(get, 'Settings:OofState');
  const state =
    code === '1' ? 'enabled' : code === '2' ? 'scheduled' : code === '0' ? 'disabled' : 'unknown';
  const messages = children(get, 'Settings:OofMessage');
  const replyOf = (tag: string): string | undefined => {
    const message = messages.find((m) => child(m, tag));
    return message ? textOf(message, 'Settings:ReplyMessage') : undefined;
  };
  const internalReply = replyOf('Settings:AppliesToInternal');
  const externalReply =
    replyOf('Settings:AppliesToExternalKnown') ?? replyOf('Settings:AppliesToExternalUnknown');
  return {
    state,
    ...(internalReply !== undefined ? { internalReply } : {}),
    ...(externalReply !== undefined ? { externalReply } : {}),
    readAtMs: nowMs,
  };
}

/**
 * `OPTIONS` with the device's query (`?User=…&DeviceId=…&DeviceType=OutlookService`),
 * as devices send it, so the server's logs and device rules see who asks.
 * Answers the versions and commands on-prem offers (MS-ASHTTP 2.2.2.1.2).
 */
async function probeOptions(
  options: EasSessionOptions,
): Promise<{ versions: string[]; commands: string[] }> {
  const query = new URLSearchParams({
    User: options.user,
    DeviceId: options.deviceId,
    DeviceType: 'OutlookService',
  });
  const response = await options.fetch(`${options.url}?${query.toString()}`, {
    method: 'OPTIONS',
    headers: {
      Authorization: await options.authorization(),
      'User-Agent': options.userAgent,
    },
  });
  const body = await response.text();
  if (response.status !== 200) {
    throw new EasHttpError('OPTIONS', response.status, response.headers, body || undefined);
  }
  const list = (name: string): string[] =>
    (response.headers.get(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  return { versions: list('ms-asprotocolversions'), commands: list('ms-asprotocolcommands') };
}
