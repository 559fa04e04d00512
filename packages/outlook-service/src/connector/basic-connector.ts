import { randomBytes, randomUUID } from 'node:crypto';
import type { ServiceDeps, Timer } from '@hma-lab/core';
import type { ResolvedOutlookServiceConfig } from '../config.js';
import {
  AccountNotFoundError,
  DeviceKeyRejectedError,
  ExchangeRefusedError,
  ExchangeUnavailableError,
  type OutlookServiceError,
} from '../errors.js';
import {
  openSealedPassword,
  sealPassword,
  SealOpenError,
  wipe,
} from '../protocol/device-key-crypto.js';
import { mailboxView, type MailboxViewBody } from '../protocol/mailbox-view.js';
import type { ConnectRequest, SignInRequest } from '../protocol/requests.js';
import type { RuntimeMemory } from '../protocol/runtime-memory.js';
import {
  dropAccount,
  sealContext,
  type ActivityKind,
  type BasicAccount,
  type OutlookServiceStores,
} from '../protocol/stores.js';
import {
  chooseProtocolVersion,
  classifyExchangeFailure,
  openExchangeConnection,
  syncMailbox,
  type ExchangeFailure,
  type SyncSummary,
} from './exchange-connection.js';

/**
 * Flow C on the service side (seeds 000/001), as a list of named steps:
 *
 * - sign-in (steps 2-5): check the password against Exchange with Basic; on
 *   success seal it with the device key and keep only the ciphertext; on a
 *   refusal drop the credentials at once; either way wipe key and password;
 * - connect (steps 6-9): open the ciphertext with the key the device sends
 *   again, wipe the key, keep the password in memory, sync, answer;
 * - keep-alive (step 8): while the password is in memory, sync on a timer;
 * - inactivity (step 10): no device contact for `inactivityFlushAfter` ->
 *   the password leaves memory, the ciphertext stays;
 * - purge (step 11): the weekly job removes inactive accounts completely.
 *
 * Every account's work runs one at a time (a per-account queue), so the purge
 * never races a sync that would write into a removed cache.
 */

export interface PurgeReport {
  purged: string[];
}

export interface BasicConnector {
  signIn(request: SignInRequest): Promise<BasicAccount>;
  connect(
    accountId: string,
    request: ConnectRequest,
  ): Promise<{ account: BasicAccount; view: MailboxViewBody }>;
  deleteAccount(accountId: string, deviceKey: Buffer): Promise<void>;
  /** Flushes the passwords of accounts inactive for `inactivityFlushAfter`; returns their ids. */
  flushInactive(): string[];
  /** The weekly job, now. */
  purgeInactive(): Promise<PurgeReport>;
  syncNow(accountId: string): Promise<SyncSummary>;
  close(): void;
}

type Event = (action: string, summary: string, data?: Record<string, unknown>) => void;

export function createBasicConnector(
  deps: ServiceDeps,
  config: ResolvedOutlookServiceConfig,
  stores: OutlookServiceStores,
  memory: RuntimeMemory,
): BasicConnector {
  const { clock, trace } = deps;
  const flushTimers = new Map<string, Timer>();
  const syncTimers = new Map<string, Timer>();
  const queues = new Map<string, Promise<unknown>>();
  let closed = false;
  const event: Event = (action, summary, data) =>
    void trace.event('outlook-service', action, summary, data);

  /** Runs `fn` after the account's earlier work; the queue forgets itself when idle. */
  function serialize<T>(accountId: string, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(accountId) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    queues.set(accountId, settled);
    void settled.then(() => {
      if (queues.get(accountId) === settled) queues.delete(accountId);
    });
    return run;
  }

  /** Timer work runs outside any request's trace context (no run id, no parent exchange). */
  function background(label: string, atMs: number, fn: () => Promise<void> | void): Timer {
    return clock.schedule(
      atMs,
      () =>
        trace.runWith({ party: 'outlook-service' }, async () => {
          if (closed) return;
          try {
            await fn();
          } catch (error) {
            deps.log({
              level: 'error',
              party: 'outlook-service',
              message: `${label} failed`,
              error,
            });
          }
        }),
      label,
    );
  }

  function connectionFor(account: BasicAccount) {
    return openExchangeConnection({
      fetch: deps.fetch,
      config,
      activeSyncUrl: account.activeSyncUrl,
      easDeviceId: account.easDeviceId,
      userName: account.userName,
      protocolVersion: account.protocolVersion,
      password: () => memory.peek(account.accountId),
      state: account.eas,
    });
  }

  // --- activity and inactivity (step 10) ---------------------------------

  function noteActivity(account: BasicAccount, kind: ActivityKind): void {
    account.lastActivityMs = clock.now();
    account.lastActivity = kind;
    if (!flushTimers.has(account.accountId)) scheduleFlushCheck(account.accountId);
  }

  function scheduleFlushCheck(accountId: string): void {
    const account = stores.accounts.get(accountId);
    if (!account) return;
    const dueMs = account.lastActivityMs + config.inactivityFlushAfterMs;
    flushTimers.set(
      accountId,
      background(`outlook-service inactivity check ${accountId}`, dueMs, () => {
        flushTimers.delete(accountId);
        const current = stores.accounts.get(accountId);
        if (!current) return;
        if (current.lastActivityMs + config.inactivityFlushAfterMs > clock.now()) {
          scheduleFlushCheck(accountId);
          return;
        }
        flushPassword(current, 'inactive');
      }),
    );
  }

  function flushPassword(account: BasicAccount, why: 'inactive' | 'removed'): boolean {
    stopKeepAlive(account.accountId);
    if (!memory.flush(account.accountId)) return false;
    if (why === 'inactive') {
      const idleMs = clock.now() - account.lastActivityMs;
      event(
        'outlook.basic.password.flushed',
        `no activity for ${Math.round(idleMs / 3_600_000)} h: the decrypted password of ${account.emailAddress} left memory; the ciphertext stays`,
        { accountId: account.accountId, lastActivity: account.lastActivity, idleMs },
      );
    }
    return true;
  }

  // --- keep-alive (step 8) ------------------------------------------------

  function startKeepAlive(accountId: string): void {
    if (syncTimers.has(accountId) || closed) return;
    syncTimers.set(
      accountId,
      background(
        `outlook-service keep-alive ${accountId}`,
        clock.now() + config.exchangeSyncIntervalMs,
        async () => {
          syncTimers.delete(accountId);
          if (!memory.peek(accountId)) return;
          await serialize(accountId, async () => {
            const account = stores.accounts.get(accountId);
            if (!account || !memory.peek(accountId)) return;
            try {
              await syncPass(account, false);
            } catch (error) {
              const failure = classifyExchangeFailure(error);
              deps.log({
                level: 'warn',
                party: 'outlook-service',
                message: `background sync of ${account.emailAddress} failed: ${failure.message}`,
              });
              onExchangeFailure(account, failure);
            }
          });
          if (memory.peek(accountId)) startKeepAlive(accountId);
        },
      ),
    );
  }

  function stopKeepAlive(accountId: string): void {
    syncTimers.get(accountId)?.cancel();
    syncTimers.delete(accountId);
  }

  async function syncPass(account: BasicAccount, full: boolean): Promise<SyncSummary> {
    const cache = stores.mailboxes.get(account.accountId);
    if (!cache) throw new AccountNotFoundError(account.accountId);
    const client = connectionFor(account);
    try {
      const summary = await syncMailbox(client, cache, {
        full,
        mailFilterType: config.mailFilterType,
      });
      account.lastSyncMs = clock.now();
      event(
        'outlook.basic.sync.completed',
        `synced ${account.emailAddress} from on-premises ActiveSync with Basic (${summary.synced} folder(s) fetched, ${summary.items} item(s) cached)`,
        { accountId: account.accountId, ...summary },
      );
      return summary;
    } finally {
      account.eas = client.exportState();
    }
  }

  /**
   * Exchange refused a connection made with a stored password: the password
   * was changed on-premises, or Exchange now blocks the app. The ciphertext is
   * worthless either way: everything goes. Transient failures change nothing.
   */
  function onExchangeFailure(account: BasicAccount, failure: ExchangeFailure): void {
    if (failure.kind !== 'bad-credentials' && failure.kind !== 'blocked') return;
    forget(account.accountId);
    event(
      'outlook.basic.credentials.dropped',
      `on-premises Exchange refused ${account.emailAddress} (${failure.reason}): credentials and cached data removed`,
      { accountId: account.accountId, reason: failure.reason, when: 'later-connection' },
    );
  }

  function forget(accountId: string): void {
    const account = stores.accounts.get(accountId);
    if (account) flushPassword(account, 'removed');
    else memory.flush(accountId);
    stopKeepAlive(accountId);
    flushTimers.get(accountId)?.cancel();
    flushTimers.delete(accountId);
    dropAccount(stores, accountId);
  }

  function refusal(failure: ExchangeFailure, step: number): OutlookServiceError {
    switch (failure.kind) {
      case 'bad-credentials':
        return new ExchangeRefusedError(
          401,
          'on-premises Exchange rejected the user name or password',
          {
            step,
            reason: failure.reason,
          },
        );
      case 'blocked':
        return new ExchangeRefusedError(
          403,
          `on-premises Exchange refused the connection (${failure.reason})`,
          {
            step,
            reason: failure.reason,
          },
        );
      case 'unavailable':
        return new ExchangeUnavailableError(
          503,
          'ExchangeUnavailable',
          'on-premises Exchange is unavailable',
          {
            step,
            reason: failure.reason,
          },
        );
      case 'unreachable':
        return new ExchangeUnavailableError(502, 'ExchangeUnreachable', failure.message, {
          step,
          reason: failure.reason,
        });
      default:
        return new ExchangeUnavailableError(
          502,
          'ExchangeProtocolError',
          `on-premises Exchange answered in a way the service cannot use: ${failure.message}`,
          { step, reason: failure.reason },
        );
    }
  }

  function openWith(account: BasicAccount, deviceKey: Buffer): Buffer {
    const credential = stores.credentials.get(account.accountId);
    if (!credential) throw new AccountNotFoundError(account.accountId);
    try {
      return openSealedPassword(credential.sealed, deviceKey, sealContext(account));
    } catch (error) {
      if (!(error instanceof SealOpenError)) throw error;
      event(
        'outlook.basic.device-key.rejected',
        `a device key that does not open ${account.emailAddress}'s ciphertext was refused`,
        { accountId: account.accountId },
      );
      throw new DeviceKeyRejectedError();
    }
  }

  function accountOf(accountId: string): BasicAccount {
    const account = stores.accounts.get(accountId);
    if (!account) throw new AccountNotFoundError(accountId);
    return account;
  }

  // --- the operations -----------------------------------------------------

  async function signIn(request: SignInRequest): Promise<BasicAccount> {
    const { password, deviceKey } = request;
    try {
      const accountId = randomUUID();
      const draft = {
        accountId,
        emailAddress: request.emailAddress,
        userName: request.userName,
        deviceId: request.deviceId,
        activeSyncUrl: request.activeSyncUrl,
        easDeviceId: randomBytes(16).toString('hex').toUpperCase(),
      };
      const checked = await checkWithExchange(draft, password);
      const account: BasicAccount = {
        ...draft,
        protocolVersion: checked.protocolVersion,
        createdMs: clock.now(),
        lastActivityMs: clock.now(),
        lastActivity: 'sign-in',
        eas: checked.eas,
      };
      const sealed = sealPassword(password, deviceKey, sealContext(account));
      wipe(password, deviceKey);
      stores.accounts.set(accountId, account);
      stores.credentials.set(accountId, { accountId, sealed, storedMs: clock.now() });
      stores.mailboxes.set(accountId, { accountId, folders: [], items: new Map() });
      event(
        'outlook.basic.credentials.stored',
        `password of ${account.emailAddress} encrypted with the device key (AES-128-GCM); only the ciphertext is stored, key and password wiped`,
        { accountId, algorithm: sealed.algorithm, ciphertextBytes: sealed.ciphertext.length },
      );
      noteActivity(account, 'sign-in');
      return account;
    } finally {
      wipe(password, deviceKey);
    }
  }

  /**
   * Step 3: the first connection, with the password the device just sent:
   * OPTIONS (the password is checked, the version agreed), then Provision
   * (device access rules apply once Exchange knows the DeviceModel).
   */
  async function checkWithExchange(
    draft: Pick<BasicAccount, 'activeSyncUrl' | 'easDeviceId' | 'userName' | 'emailAddress'>,
    password: Buffer,
  ): Promise<Pick<BasicAccount, 'protocolVersion' | 'eas'>> {
    const connection = (protocolVersion: string) =>
      openExchangeConnection({
        fetch: deps.fetch,
        config,
        activeSyncUrl: draft.activeSyncUrl,
        easDeviceId: draft.easDeviceId,
        userName: draft.userName,
        protocolVersion,
        password: () => password,
      });
    let failure: ExchangeFailure | undefined;
    let result: Pick<BasicAccount, 'protocolVersion' | 'eas'> | undefined;
    try {
      const { versions } = await connection(config.easProtocolVersion).options();
      const protocolVersion = chooseProtocolVersion(versions, config.easProtocolVersion);
      const client = connection(protocolVersion);
      const provisioned = await client.provision();
      if (provisioned.remoteWipe) {
        failure = {
          kind: 'blocked',
          reason: 'remote-wipe-requested',
          message: 'Exchange asked for a remote wipe',
        };
      }
      result = { protocolVersion, eas: client.exportState() };
    } catch (error) {
      failure = classifyExchangeFailure(error);
    }
    if (!failure && result) return result;
    const refused = failure ?? classifyExchangeFailure(new Error('no answer'));
    // The credentials leave memory at once and are never stored (seed FAQ).
    wipe(password);
    const verb =
      refused.kind === 'blocked' || refused.kind === 'bad-credentials' ? 'refused' : 'failed';
    event(
      'outlook.basic.credentials.dropped',
      `the first connection to on-premises Exchange for ${draft.emailAddress} ${verb} (${refused.reason}): credentials dropped from memory, nothing stored`,
      {
        emailAddress: draft.emailAddress,
        reason: refused.reason,
        when: 'sign-in',
        ...(refused.httpStatus ? { httpStatus: refused.httpStatus } : {}),
        ...(refused.easStatus ? { easStatus: refused.easStatus } : {}),
      },
    );
    throw refusal(refused, 4);
  }

  async function connect(
    accountId: string,
    request: ConnectRequest,
  ): Promise<{ account: BasicAccount; view: MailboxViewBody }> {
    const { deviceKey } = request;
    try {
      return await serialize(accountId, async () => {
        const account = accountOf(accountId);
        const password = openWith(account, deviceKey);
        wipe(deviceKey);
        memory.hold(accountId, password, clock.now());
        event(
          'outlook.basic.password.decrypted',
          `device key received again (${request.reason}): password of ${account.emailAddress} decrypted in memory only, key wiped`,
          { accountId, reason: request.reason },
        );
        noteActivity(account, request.reason);
        startKeepAlive(accountId);
        try {
          await syncPass(account, request.reason === 'foreground');
        } catch (error) {
          if (error instanceof AccountNotFoundError) throw error;
          const failure = classifyExchangeFailure(error);
          onExchangeFailure(account, failure);
          throw refusal(failure, 8);
        }
        return { account, view: mailboxView(stores.mailboxes.get(accountId)) };
      });
    } finally {
      wipe(deviceKey);
    }
  }

  async function deleteAccount(accountId: string, deviceKey: Buffer): Promise<void> {
    try {
      await serialize(accountId, async () => {
        const account = accountOf(accountId);
        wipe(openWith(account, deviceKey));
        forget(accountId);
        event(
          'outlook.basic.account.deleted',
          `"delete account" on the device: ${account.emailAddress}'s ciphertext and cached data removed at once`,
          { accountId },
        );
      });
    } finally {
      wipe(deviceKey);
    }
  }

  function isInactive(account: BasicAccount): boolean {
    return clock.now() - account.lastActivityMs >= config.inactivityFlushAfterMs;
  }

  function flushInactive(): string[] {
    const flushed: string[] = [];
    for (const account of stores.accounts.values()) {
      if (isInactive(account) && flushPassword(account, 'inactive')) {
        flushed.push(account.accountId);
      }
    }
    return flushed;
  }

  async function purgeInactive(): Promise<PurgeReport> {
    const purged: string[] = [];
    for (const accountId of [...stores.accounts.keys()]) {
      await serialize(accountId, async () => {
        const account = stores.accounts.get(accountId);
        if (!account || !isInactive(account)) return;
        flushPassword(account, 'inactive');
        let items = 0;
        for (const folder of stores.mailboxes.get(accountId)?.items.values() ?? []) {
          items += folder.size;
        }
        forget(accountId);
        purged.push(accountId);
        event(
          'outlook.basic.account.purged',
          `weekly job: inactive account ${account.emailAddress} flushed (ciphertext and ${items} synced item(s))`,
          { accountId, items, idleMs: clock.now() - account.lastActivityMs },
        );
      });
    }
    return { purged };
  }

  let purgeTimer: Timer | undefined;
  function schedulePurge(): void {
    purgeTimer = background(
      'outlook-service weekly purge',
      clock.now() + config.purgeIntervalMs,
      async () => {
        await purgeInactive();
        if (!closed) schedulePurge();
      },
    );
  }
  schedulePurge();

  return {
    signIn,
    connect,
    deleteAccount,
    flushInactive,
    purgeInactive,
    syncNow(accountId) {
      return serialize(accountId, async () => {
        const account = accountOf(accountId);
        if (!memory.peek(accountId)) {
          throw new ExchangeUnavailableError(
            503,
            'ExchangeUnavailable',
            `no password in memory for ${account.emailAddress}: the device must connect first`,
            { step: 8, reason: 'password-not-in-memory' },
          );
        }
        return syncPass(account, false);
      });
    },
    close() {
      closed = true;
      purgeTimer?.cancel();
      for (const timer of [...flushTimers.values(), ...syncTimers.values()]) timer.cancel();
      flushTimers.clear();
      syncTimers.clear();
      memory.flushAll();
    },
  };
}
