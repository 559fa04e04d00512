import type { EasItem } from '@hma-lab/activesync';
import type { ServiceDeps, User } from '@hma-lab/core';
import type { CacheItem, CacheMailbox, CloudCache } from '../cache/cloud-cache.js';
import type { ResolvedExoConfig } from '../config.js';
import { EntraGrantError, type GrantedTokens, type TokenClient } from '../entra/token-client.js';
import { HmaApiError } from '../errors.js';
import {
  accountIdFor,
  resourceOf,
  type Account,
  type AccountProblem,
  type AccountTokens,
} from '../protocol/account.js';
import type { ValidatedToken } from '../protocol/access-token.js';
import {
  createEasSession,
  syncDeviceId,
  toCacheItem,
  type EasSession,
  type PingAnswer,
  type SyncReport,
} from './eas-session.js';
import { SyncFailure, TokenRenewalFailed, syncFailureFrom } from './sync-failure.js';

/**
 * The hybrid accounts and everything Exchange Online does for them on its
 * own: provisioning (steps 16-19), AT2 renewal with RT2 before it expires,
 * background sync (a held Ping, or a poll; `syncMode`), retries with backoff, dormancy of inactive
 * devices, "sign in again" when Entra refuses RT2, and the purge of a deleted
 * account's cloud cache. All scheduling is on `deps.clock`.
 */
export interface AccountManager {
  /** Steps 17-19 for a validated AT1. Throws {@link HmaApiError} the device can show. */
  provision(input: ProvisionInput): Promise<{ account: Account; created: boolean }>;
  /**
   * A device called with a valid AT1: records activity and, for a dormant
   * account, resumes background work (renewal, then a sync) before returning.
   */
  touch(upn: string, at1?: ValidatedToken): Promise<Account | undefined>;
  get(upn: string): Account | undefined;
  all(): Account[];
  /** Runs one sync pass now (lab control). Throws {@link SyncFailure}. */
  syncNow(upn: string): Promise<SyncReport>;
  /** On-prem search through ActiveSync, kept `searchCacheTtl`. Throws {@link HmaApiError}. */
  search(upn: string, query: string): Promise<{ items: CacheItem[]; cached: boolean }>;
  /**
   * An attachment of a cached message, fetched from on-premises with AT2 when
   * asked (ItemOperations Fetch by its FileReference; not kept). Throws {@link HmaApiError}.
   */
  fetchAttachment(
    upn: string,
    fileReference: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }>;
  /** The account was deleted in Entra: stop, and purge the cache after the retention. */
  markDeleted(upn: string): boolean;
  /** Undo {@link markDeleted} before the purge. */
  restore(upn: string): boolean;
  close(): void;
}

export interface ProvisionInput {
  at1: ValidatedToken;
  emailAddress: string;
  activeSyncUrl: string;
  deviceId: string;
}

export interface AccountManagerDeps {
  deps: Pick<ServiceDeps, 'clock' | 'trace' | 'log' | 'fetch' | 'directory' | 'faults'>;
  config: ResolvedExoConfig;
  cache: CloudCache;
  tokens: TokenClient;
}

/** Catalogue fault (party exo): AT2 is treated as living only `lifetimeS` seconds. */
const SHORT_AT2_FAULT = 'at2-expiring-mid-sync';
const EARLY_RENEWAL_MS = 30_000;
/**
 * On-prem answers a Ping whose heartbeat ended at that instant of the lab
 * clock; Exchange Online reads the answer this much later, so that the advance
 * that ends a heartbeat also renews the Ping.
 */
const PING_READ_DELAY_MS = 1000;
/** Real time to wait for that answer before looking again a heartbeat later. */
const PING_ANSWER_WAIT_MS = 2000;
/** Passes in a row that found nothing, after which a Ping's "changes" wait a poll period. */
const FRUITLESS_PASSES = 2;

/** A Ping Exchange Online holds on-prem for an account (`account.ping`), and what it will come back with. */
interface HeldPing {
  sentAtMs: number;
  heartbeatS: number;
  outcome: Promise<{ answer: PingAnswer } | { failure: SyncFailure }>;
}

export function createAccountManager(input: AccountManagerDeps): AccountManager {
  const { deps, config, cache, tokens } = input;
  const { clock, trace } = deps;
  const accounts = new Map<string, Account>();
  const sessions = new Map<string, EasSession>();
  const renewals = new Map<string, Promise<void>>();
  const queues = new Map<string, Promise<unknown>>();
  let closed = false;

  const key = (upn: string): string => upn.toLowerCase();
  const event = (action: string, summary: string, data: Record<string, unknown>): void =>
    void trace.event('exo', action, summary, data);

  // -- tokens -----------------------------------------------------------------

  function effectiveExpiry(t: AccountTokens): number {
    if (!deps.faults.isOn(SHORT_AT2_FAULT)) return t.expiresAtMs;
    const lifetimeS = Number(deps.faults.params(SHORT_AT2_FAULT).lifetimeS ?? 60);
    return Math.min(t.expiresAtMs, t.acquiredAtMs + lifetimeS * 1000);
  }

  function tokensFrom(granted: GrantedTokens, previous?: AccountTokens): AccountTokens {
    const refreshToken = granted.refreshToken ?? previous?.refreshToken;
    if (!refreshToken) {
      throw new HmaApiError(502, 'OboFailed', 'Entra returned no refresh token (RT2).', {
        detail: { step: 17 },
      });
    }
    return {
      accessToken: granted.accessToken,
      refreshToken,
      expiresAtMs: granted.expiresAtMs,
      acquiredAtMs: clock.now(),
    };
  }

  function scheduleRenewal(account: Account, delayMs?: number): void {
    account.timers.refresh?.cancel();
    if (closed || !account.tokens) return;
    const t = account.tokens;
    const expiry = effectiveExpiry(t);
    const lead = Math.min(config.tokenRefreshLeadMs, Math.max(0, (expiry - t.acquiredAtMs) / 2));
    const at =
      delayMs !== undefined ? clock.now() + delayMs : Math.max(clock.now() + 1000, expiry - lead);
    account.timers.refresh = clock.schedule(
      at,
      async () => {
        if (!['ready', 'pending'].includes(account.state)) return;
        try {
          await renew(account);
        } catch (error) {
          if (error instanceof TokenRenewalFailed && !error.refused) {
            scheduleRenewal(account, nextBackoff(account));
          }
        }
      },
      `exo: renew AT2 of ${account.upn}`,
    );
  }

  /** Renews AT2 with RT2 (one renewal at a time per account). Throws {@link TokenRenewalFailed}. */
  function renew(account: Account): Promise<void> {
    const running = renewals.get(account.id);
    if (running) return running;
    const work = (async () => {
      const current = account.tokens;
      if (!current) throw new TokenRenewalFailed(true, 'no RT2: the account was never provisioned');
      try {
        const granted = await tokens.refresh({
          tenantId: account.tenantId,
          refreshToken: current.refreshToken,
          resource: account.resource,
        });
        account.tokens = tokensFrom(granted, current);
        account.refreshCount++;
        event('exo.token.refreshed', `renewed AT2 of ${account.upn} with RT2`, {
          upn: account.upn,
          expiresAt: new Date(account.tokens.expiresAtMs).toISOString(),
        });
        scheduleRenewal(account);
      } catch (error) {
        if (!(error instanceof EntraGrantError)) throw error;
        if (error.kind === 'refused') {
          requireSignIn(account, error);
          throw new TokenRenewalFailed(true, error.message, error.aadsts, error);
        }
        throw new TokenRenewalFailed(false, error.message, error.aadsts, error);
      }
    })().finally(() => renewals.delete(account.id));
    renewals.set(account.id, work);
    return work;
  }

  async function currentAccessToken(account: Account): Promise<string> {
    if (!account.tokens) throw new TokenRenewalFailed(true, 'no AT2');
    if (clock.now() >= effectiveExpiry(account.tokens) - EARLY_RENEWAL_MS) await renew(account);
    return account.tokens.accessToken;
  }

  function requireSignIn(account: Account, error: EntraGrantError): void {
    cancelTimers(account);
    account.state = 'signInRequired';
    account.nextSyncAtMs = undefined;
    account.problem = {
      code: 'SignInRequired',
      message: `Sign in again: Entra refused to renew Exchange Online's access to your on-premises mailbox (${error.message}).`,
      step: 19,
      ...(error.aadsts !== undefined ? { aadsts: error.aadsts } : {}),
    };
    event('exo.account.sign-in-required', `${account.upn} must sign in again`, {
      upn: account.upn,
      aadsts: error.aadsts,
      error: error.error,
    });
  }

  // -- sync ---------------------------------------------------------------------

  function sessionFor(account: Account): EasSession {
    let session = sessions.get(account.id);
    if (!session) {
      session = createEasSession({
        fetch: deps.fetch,
        url: account.activeSyncUrl,
        user: account.upn,
        deviceId: syncDeviceId(account.id),
        authorization: async () => `Bearer ${await currentAccessToken(account)}`,
        protocolVersion: config.syncProtocolVersion,
        userAgent: config.syncUserAgent,
        mailFilterType: config.initialMailFilterType,
        shareText: cache.shareText,
      });
      sessions.set(account.id, session);
    }
    return session;
  }

  /** Runs `fn` after whatever the account's session is doing (the EAS client is sequential). */
  /** The account and cache of `upn`; 404 before provisioning. */
  function reachable(upn: string): { account: Account; mailbox: CacheMailbox } {
    const account = accounts.get(key(upn));
    const mailbox = cache.get(upn);
    if (!account || !mailbox) {
      throw new HmaApiError(404, 'AccountNotProvisioned', `No account for ${upn}.`, {
        detail: { step: 16 },
      });
    }
    return { account, mailbox };
  }

  /** 409 unless the account works (ready, or pending its first sync): on-premises is asked only then. */
  function assertWorking(account: Account): void {
    if (!['ready', 'pending'].includes(account.state)) {
      throw new HmaApiError(
        409,
        account.state === 'signInRequired' ? 'SignInRequired' : 'AccountNotReady',
        account.problem?.message ?? `The account is ${account.state}.`,
        { detail: { step: 20, state: account.state } },
      );
    }
  }

  function queued<T>(account: Account, fn: () => Promise<T>): Promise<T> {
    const previous = queues.get(account.id) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const settled = next.catch(() => undefined);
    queues.set(account.id, settled);
    void settled.then(() => {
      if (queues.get(account.id) === settled) queues.delete(account.id);
    });
    return next;
  }

  async function syncOnce(account: Account): Promise<SyncReport> {
    return queued(account, async () => {
      const mailbox = cache.get(account.upn);
      if (!mailbox) throw new SyncFailure('error', `no cloud cache for ${account.upn}`);
      const window = { nowMs: clock.now(), mailWindowMs: config.cloudCacheMailWindowMs };
      let report: SyncReport;
      try {
        report = await sessionFor(account).run(mailbox, window);
      } catch (error) {
        const failure = syncFailureFrom(error);
        if (failure.kind !== 'unauthorized' || failure instanceof TokenRenewalFailed) throw failure;
        // On-prem refused AT2: renew once and try again before giving up.
        await renew(account);
        report = await sessionFor(account).run(mailbox, {
          nowMs: clock.now(),
          mailWindowMs: config.cloudCacheMailWindowMs,
        });
      }
      pruneSearches(mailbox);
      account.lastSyncAtMs = clock.now();
      account.syncCount++;
      account.retryDelayMs = 0;
      account.state = 'ready';
      account.problem = undefined;
      event(
        'exo.sync.completed',
        `${report.initial ? 'initial' : 'incremental'} sync of ${account.upn}: ${report.folders} folders, ${report.items} items`,
        {
          upn: account.upn,
          folders: report.folders,
          items: report.items,
          added: report.added,
          changed: report.changed,
          deleted: report.deleted,
          pruned: report.pruned,
          initial: report.initial,
        },
      );
      return report;
    });
  }

  function nextBackoff(account: Account): number {
    account.retryDelayMs =
      account.retryDelayMs === 0
        ? config.retryInitialDelayMs
        : Math.min(account.retryDelayMs * 2, config.retryMaxDelayMs);
    return account.retryDelayMs;
  }

  function scheduleSync(account: Account, delayMs: number): void {
    account.timers.sync?.cancel();
    if (closed) return;
    account.nextSyncAtMs = clock.now() + delayMs;
    account.timers.sync = clock.after(
      delayMs,
      () => runScheduledSync(account),
      `exo: sync ${account.upn}`,
    );
  }

  async function runScheduledSync(account: Account): Promise<void> {
    account.nextSyncAtMs = undefined;
    if (!['ready', 'pending'].includes(account.state)) return;
    if (clock.now() - account.lastDeviceActivityMs >= config.deviceInactivityTimeoutMs) {
      goDormant(account);
      return;
    }
    try {
      afterPass(account, await syncOnce(account));
    } catch (error) {
      onSyncFailure(account, syncFailureFrom(error));
    }
  }

  // -- push ---------------------------------------------------------------------

  /** What follows a pass: the next poll, or (push) a Ping held until on-prem has news. */
  function afterPass(account: Account, report: SyncReport): void {
    account.fruitlessPasses =
      report.added + report.changed + report.deleted > 0 ? 0 : (account.fruitlessPasses ?? 0) + 1;
    if (config.syncMode === 'push' && sessionFor(account).offersPing) startPing(account);
    else scheduleSync(account, config.syncIntervalMs);
  }

  function startPing(account: Account): void {
    account.timers.sync?.cancel();
    delete account.timers.sync;
    account.nextSyncAtMs = undefined;
    delete account.ping;
    if (closed || !['ready', 'pending'].includes(account.state)) return;
    const heartbeatS = account.pingHeartbeatS ?? config.pingHeartbeatS;
    const held: HeldPing = {
      sentAtMs: clock.now(),
      heartbeatS,
      outcome: sessionFor(account)
        .ping(heartbeatS)
        .then(
          (answer) => ({ answer }),
          (error: unknown) => ({ failure: syncFailureFrom(error) }),
        ),
    };
    account.ping = held;
    account.timers.sync = clock.after(
      heartbeatS * 1000 + PING_READ_DELAY_MS,
      () => heartbeatOver(account, held),
      `exo: Ping of ${account.upn}`,
    );
    void held.outcome.then((outcome) => {
      // A heartbeat's end is read on the lab clock (heartbeatOver), the rest at once.
      if (!('answer' in outcome) || outcome.answer.status !== 1)
        onPingAnswer(account, held, outcome);
    });
  }

  /** True when `held` is still the account's Ping; then it is no longer. */
  function endPing(account: Account, held: HeldPing): boolean {
    if (closed || account.ping !== held) return false;
    delete account.ping;
    return true;
  }

  function onPingAnswer(
    account: Account,
    held: HeldPing,
    outcome: { answer: PingAnswer } | { failure: SyncFailure },
  ): void {
    if (!endPing(account, held)) return;
    account.timers.sync?.cancel();
    delete account.timers.sync;
    if ('failure' in outcome) {
      pingFailed(account, outcome.failure);
      return;
    }
    const { status, changedFolders, heartbeatS } = outcome.answer;
    if (status === 5 && heartbeatS !== undefined && heartbeatS !== held.heartbeatS) {
      // HeartbeatInterval out of on-prem's range: it named its limit.
      account.pingHeartbeatS = heartbeatS;
      event('exo.sync.ping-heartbeat', `on-prem allows a ${heartbeatS} s Ping heartbeat`, {
        upn: account.upn,
        heartbeatS,
      });
      startPing(account);
      return;
    }
    if (status !== 2 && status !== 7) {
      pingFailed(
        account,
        new SyncFailure('error', `on-premises answered Ping with Status ${status}`, { status }),
      );
      return;
    }
    // "Changes" at once after passes that found none would go round without
    // end (a change on-prem counts that no sync brings): the pass then waits.
    const spinning =
      (account.fruitlessPasses ?? 0) >= FRUITLESS_PASSES &&
      clock.now() - held.sentAtMs < PING_READ_DELAY_MS;
    const delayMs = spinning ? config.syncIntervalMs : 0;
    event(
      'exo.sync.pushed',
      status === 7
        ? `on-prem's folders of ${account.upn} changed: sync`
        : `on-prem reported changes for ${account.upn} in ${changedFolders.length} folder(s): sync`,
      { upn: account.upn, status, folders: changedFolders, delayMs },
    );
    scheduleSync(account, delayMs);
  }

  /**
   * A Ping that failed: as a failed pass when on-prem or Entra is unavailable
   * (retried with backoff); otherwise, and when on-prem does not implement
   * Ping (501), a poll every `syncInterval`, each poll trying Ping again.
   */
  function pingFailed(account: Account, failure: SyncFailure): void {
    if (!['ready', 'pending'].includes(account.state)) return;
    if (failure.kind === 'unavailable' && failure.status !== 501) {
      onSyncFailure(account, failure);
      return;
    }
    event('exo.sync.ping-failed', `Ping for ${account.upn} failed: ${failure.message}; polling`, {
      upn: account.upn,
      kind: failure.kind,
      status: failure.status,
    });
    scheduleSync(account, config.syncIntervalMs);
  }

  /** The heartbeat ended with nothing changed: read OOF (which no Ping watches) and ping again. */
  async function heartbeatOver(account: Account, held: HeldPing): Promise<void> {
    if (closed || account.ping !== held) return;
    const outcome = await within(held.outcome, PING_ANSWER_WAIT_MS);
    if (closed || account.ping !== held) return;
    if (outcome === undefined) {
      // On-prem began this heartbeat later than Exchange Online did: look again.
      account.timers.sync = clock.after(
        held.heartbeatS * 1000,
        () => heartbeatOver(account, held),
        `exo: Ping of ${account.upn}`,
      );
      return;
    }
    if (!('answer' in outcome) || outcome.answer.status !== 1) return; // onPingAnswer's
    endPing(account, held);
    account.fruitlessPasses = 0;
    if (clock.now() - account.lastDeviceActivityMs >= config.deviceInactivityTimeoutMs) {
      goDormant(account);
      return;
    }
    const mailbox = cache.get(account.upn);
    try {
      if (mailbox) await queued(account, () => sessionFor(account).readOof(mailbox, clock.now()));
    } catch (error) {
      pingFailed(account, syncFailureFrom(error));
      return;
    }
    startPing(account);
    // Lets an in-process Ping reach on-prem (and start its heartbeat) at this instant.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /** Records a failed sync; returns the problem (for the device). */
  function onSyncFailure(account: Account, failure: SyncFailure): AccountProblem {
    if (failure instanceof TokenRenewalFailed && failure.refused) return account.problem!;
    if (failure.kind === 'unavailable') {
      const delayMs = Math.max(nextBackoff(account), (failure.retryAfterS ?? 0) * 1000);
      account.problem = {
        code: failure instanceof TokenRenewalFailed ? 'EntraUnavailable' : 'OnPremisesUnavailable',
        message: `${failure.message}; retrying in ${Math.round(delayMs / 1000)} s`,
        step: 19,
      };
      scheduleSync(account, delayMs);
      event('exo.sync.retry-scheduled', `sync of ${account.upn} failed; retry in ${delayMs} ms`, {
        upn: account.upn,
        delayMs,
        reason: failure.message,
      });
      return account.problem;
    }
    cancelTimers(account);
    account.state = 'failed';
    account.nextSyncAtMs = undefined;
    account.problem = {
      code:
        failure.kind === 'unauthorized'
          ? 'OnPremisesRejectedToken'
          : failure.kind === 'forbidden'
            ? 'DeviceBlockedOnPremises'
            : 'SyncFailed',
      message:
        failure.kind === 'unauthorized'
          ? `On-premises Exchange refused Exchange Online's token (AT2): ${failure.message}`
          : failure.kind === 'forbidden'
            ? `On-premises Exchange blocked Exchange Online's sync device (DeviceType OutlookService): ${failure.message}`
            : failure.message,
      step: 19,
      ...(failure.diagnostics ? { diagnostics: failure.diagnostics } : {}),
    };
    event('exo.sync.failed', `sync of ${account.upn} failed: ${failure.message}`, {
      upn: account.upn,
      kind: failure.kind,
      status: failure.status,
    });
    return account.problem;
  }

  function goDormant(account: Account): void {
    cancelTimers(account);
    account.state = 'dormant';
    account.nextSyncAtMs = undefined;
    event('exo.sync.paused', `no device activity for ${account.upn}: background sync paused`, {
      upn: account.upn,
      lastDeviceActivity: new Date(account.lastDeviceActivityMs).toISOString(),
    });
  }

  async function wake(account: Account, at1?: ValidatedToken): Promise<void> {
    account.state = 'ready';
    event('exo.sync.resumed', `a device of ${account.upn} is back: background sync resumes`, {
      upn: account.upn,
    });
    try {
      await renew(account);
    } catch (error) {
      if (!(error instanceof TokenRenewalFailed) || !error.refused || !at1) {
        if (error instanceof TokenRenewalFailed && !error.refused) {
          onSyncFailure(account, error);
          return;
        }
        if (!(error instanceof TokenRenewalFailed)) throw error;
        return;
      }
      // RT2 no longer works (e.g. expired while dormant): a fresh AT1 can start over.
      try {
        account.tokens = tokensFrom(await oboFor(account, at1));
        account.state = 'ready';
        account.problem = undefined;
        scheduleRenewal(account);
      } catch {
        return; // Stays signInRequired.
      }
    }
    try {
      afterPass(account, await syncOnce(account));
    } catch (error) {
      onSyncFailure(account, syncFailureFrom(error));
    }
  }

  function cancelTimers(account: Account, keepPurge = true): void {
    account.timers.refresh?.cancel();
    account.timers.sync?.cancel();
    delete account.timers.refresh;
    delete account.timers.sync;
    delete account.ping;
    if (!keepPurge) {
      account.timers.purge?.cancel();
      delete account.timers.purge;
    }
  }

  function pruneSearches(mailbox: CacheMailbox): void {
    const searches = mailbox.searches;
    if (!searches) return;
    for (const [q, entry] of searches) {
      if (clock.now() - entry.atMs >= config.searchCacheTtlMs) searches.delete(q);
    }
  }

  // -- provisioning -------------------------------------------------------------

  async function oboFor(
    account: Pick<Account, 'tenantId' | 'resource'>,
    at1: ValidatedToken,
  ): Promise<GrantedTokens> {
    try {
      return await tokens.onBehalfOf({
        tenantId: account.tenantId,
        assertion: at1.raw,
        resource: account.resource,
      });
    } catch (error) {
      if (!(error instanceof EntraGrantError)) throw error;
      const firstLine = error.description.split(/\r?\n/)[0] ?? error.description;
      throw new HmaApiError(
        error.kind === 'refused' ? 403 : 502,
        error.kind === 'refused' ? 'OboFailed' : 'EntraUnavailable',
        error.kind === 'refused'
          ? `Exchange Online could not get a token for ${account.resource} on your behalf: ${firstLine}`
          : `Exchange Online could not reach Entra for the on-behalf-of call: ${firstLine}`,
        {
          detail: {
            step: 17,
            ...(error.aadsts !== undefined ? { aadsts: error.aadsts } : {}),
            aadError: error.error,
            ...(error.claims !== undefined ? { claims: error.claims } : {}),
            ...(error.correlationId !== undefined ? { correlationId: error.correlationId } : {}),
          },
          cause: error,
        },
      );
    }
  }

  function checkMailbox(user: User, emailAddress: string): void {
    if (emailAddress.toLowerCase() !== user.upn.toLowerCase()) {
      throw new HmaApiError(
        403,
        'EmailAddressMismatch',
        `The access token is for ${user.upn}, not ${emailAddress}.`,
        { detail: { step: 16 } },
      );
    }
    const mailbox = user.mailbox;
    if (!mailbox) {
      throw new HmaApiError(404, 'MailboxNotFound', `${user.upn} has no mailbox.`, {
        detail: { step: 16 },
      });
    }
    if (mailbox.location === 'exo') {
      throw new HmaApiError(
        409,
        'MailboxInExchangeOnline',
        `The mailbox of ${user.upn} is in Exchange Online: no hybrid provisioning is needed; connect to Exchange Online directly.`,
        { detail: { step: 16 } },
      );
    }
    if (config.unsupportedExchangeVersions.includes(mailbox.exchangeVersion)) {
      throw new HmaApiError(
        422,
        'ExchangeVersionNotSupported',
        `This mailbox is on Exchange ${mailbox.exchangeVersion}, which cannot use Hybrid Modern Authentication. Ask your administrator to move it to Exchange 2013 or later.`,
        { detail: { step: 16, exchangeVersion: mailbox.exchangeVersion } },
      );
    }
  }

  function recordDevice(account: Account, deviceId: string): void {
    const now = clock.now();
    const device = account.devices.get(deviceId);
    if (device) device.lastSeenMs = now;
    else account.devices.set(deviceId, { deviceId, firstSeenMs: now, lastSeenMs: now });
    account.lastDeviceActivityMs = now;
  }

  function provisioningError(failure: SyncFailure, problem: AccountProblem): HmaApiError {
    const status =
      failure.kind === 'forbidden' || (failure instanceof TokenRenewalFailed && failure.refused)
        ? 403
        : 502;
    const { code, message, ...detail } = problem;
    return new HmaApiError(status, code, message, { detail, cause: failure });
  }

  const manager: AccountManager = {
    async provision({ at1, emailAddress, activeSyncUrl, deviceId }) {
      const user = at1.user;
      checkMailbox(user, emailAddress);
      const tenantId = at1.claims.tid;
      const existing = accounts.get(key(user.upn));
      if (existing?.state === 'deleted') {
        throw new HmaApiError(410, 'AccountDeleted', `The account ${user.upn} was deleted.`, {
          detail: { step: 16 },
        });
      }
      const sameUrl = existing?.activeSyncUrl === activeSyncUrl;
      if (existing && sameUrl && ['ready', 'pending', 'dormant'].includes(existing.state)) {
        recordDevice(existing, deviceId);
        if (existing.state === 'dormant') await wake(existing, at1);
        return { account: existing, created: false };
      }
      const resource = resourceOf(activeSyncUrl);
      const granted = await oboFor({ tenantId, resource }, at1); // step 17
      const now = clock.now();
      let account = existing;
      if (!account) {
        account = {
          id: accountIdFor(tenantId, user.upn),
          upn: user.upn,
          displayName: user.displayName,
          tenantId,
          activeSyncUrl,
          resource,
          state: 'pending',
          devices: new Map(),
          lastDeviceActivityMs: now,
          retryDelayMs: 0,
          timers: {},
          syncCount: 0,
          refreshCount: 0,
        };
        accounts.set(key(user.upn), account);
      } else if (!sameUrl) {
        // A different on-prem endpoint: start the ActiveSync relationship over.
        cancelTimers(account);
        sessions.delete(account.id);
        account.activeSyncUrl = activeSyncUrl;
        account.resource = resource;
        const stale = cache.get(user.upn);
        if (stale) {
          stale.items.clear();
          stale.folders = [];
        }
      }
      account.tokens = tokensFrom(granted, account.tokens);
      account.state = 'pending';
      account.problem = undefined;
      account.retryDelayMs = 0;
      recordDevice(account, deviceId);
      const { created } = cache.create(user.upn, account.id, now); // step 18
      if (created) {
        event('exo.cache.created', `created the cloud cache mailbox of ${user.upn}`, {
          upn: user.upn,
          accountId: account.id,
        });
      }
      scheduleRenewal(account);
      try {
        afterPass(account, await syncOnce(account)); // step 19
      } catch (error) {
        const failure = syncFailureFrom(error);
        const problem = onSyncFailure(account, failure);
        throw provisioningError(failure, problem);
      }
      return { account, created: !existing };
    },

    async touch(upn, at1) {
      const account = accounts.get(key(upn));
      if (!account) return undefined;
      if (account.state === 'deleted') return account;
      account.lastDeviceActivityMs = clock.now();
      if (account.state === 'dormant') await wake(account, at1);
      return account;
    },

    get: (upn) => accounts.get(key(upn)),
    all: () => [...accounts.values()],

    async syncNow(upn) {
      const account = accounts.get(key(upn));
      if (!account) throw new SyncFailure('error', `no account for ${upn}`);
      try {
        const report = await syncOnce(account);
        if (account.timers.sync === undefined) afterPass(account, report);
        return report;
      } catch (error) {
        const failure = syncFailureFrom(error);
        onSyncFailure(account, failure);
        throw failure;
      }
    },

    async search(upn, query) {
      const { account, mailbox } = reachable(upn);
      const normalized = query.trim().toLowerCase();
      const hit = mailbox.searches?.get(normalized);
      if (hit && clock.now() - hit.atMs < config.searchCacheTtlMs) {
        return { items: hit.items, cached: true };
      }
      assertWorking(account);
      let found: EasItem[];
      try {
        found = await queued(account, () => sessionFor(account).search(query));
      } catch (error) {
        const failure = syncFailureFrom(error);
        throw new HmaApiError(
          failure.kind === 'forbidden' ? 403 : 502,
          failure.kind === 'unavailable' ? 'OnPremisesUnavailable' : 'SearchFailed',
          `On-premises search failed: ${failure.message}`,
          { detail: { step: 20 }, cause: failure },
        );
      }
      const items = found.map((item) =>
        toCacheItem(item, item.collectionId, clock.now(), cache.shareText),
      );
      (mailbox.searches ??= new Map()).set(normalized, { query, atMs: clock.now(), items });
      event('exo.search.cached', `kept ${items.length} on-prem search results for ${upn}`, {
        upn,
        query,
        results: items.length,
      });
      return { items, cached: false };
    },

    async fetchAttachment(upn, fileReference) {
      const { account } = reachable(upn);
      assertWorking(account);
      let file: { contentType: string; bytes: Uint8Array };
      try {
        file = await queued(account, () => sessionFor(account).fetchAttachment(fileReference));
      } catch (error) {
        const failure = syncFailureFrom(error);
        if (failure.kind === 'error' && failure.status === 15) {
          throw new HmaApiError(
            404,
            'AttachmentNotFound',
            'On-premises no longer holds this attachment.',
            { detail: { step: 20 }, cause: failure },
          );
        }
        throw new HmaApiError(
          failure.kind === 'forbidden' ? 403 : 502,
          failure.kind === 'unavailable' ? 'OnPremisesUnavailable' : 'AttachmentFetchFailed',
          `Fetching the attachment from on-premises failed: ${failure.message}`,
          { detail: { step: 20 }, cause: failure },
        );
      }
      event('exo.attachment.fetched', `fetched ${fileReference} from on-prem for ${upn}`, {
        upn,
        fileReference,
        bytes: file.bytes.length,
      });
      return file;
    },

    markDeleted(upn) {
      const account = accounts.get(key(upn));
      if (!account || account.state === 'deleted') return false;
      cancelTimers(account, false);
      account.state = 'deleted';
      account.deletedAtMs = clock.now();
      account.purgeAtMs = clock.now() + config.deletedAccountCacheRetentionMs;
      account.nextSyncAtMs = undefined;
      account.problem = {
        code: 'AccountDeleted',
        message: `The account was deleted in Entra; its cloud cache will be removed on ${new Date(account.purgeAtMs).toISOString()}.`,
      };
      account.timers.purge = clock.schedule(
        account.purgeAtMs,
        () => {
          if (accounts.get(key(upn)) !== account || account.state !== 'deleted') return;
          cache.delete(account.upn);
          accounts.delete(key(upn));
          sessions.delete(account.id);
          event('exo.cache.purged', `removed the cloud cache of ${account.upn}`, {
            upn: account.upn,
            deletedAt: new Date(account.deletedAtMs!).toISOString(),
          });
        },
        `exo: purge the cloud cache of ${account.upn}`,
      );
      event('exo.account.deleted', `${account.upn} was deleted in Entra; cache purge scheduled`, {
        upn: account.upn,
        purgeAt: new Date(account.purgeAtMs).toISOString(),
      });
      return true;
    },

    restore(upn) {
      const account = accounts.get(key(upn));
      if (!account || account.state !== 'deleted') return false;
      cancelTimers(account, false);
      delete account.deletedAtMs;
      delete account.purgeAtMs;
      account.problem = undefined;
      account.state = 'ready';
      account.lastDeviceActivityMs = clock.now();
      event('exo.account.restored', `${account.upn} was restored in Entra`, { upn: account.upn });
      scheduleRenewal(account, 0);
      scheduleSync(account, 0);
      return true;
    },

    close() {
      closed = true;
      for (const account of accounts.values()) cancelTimers(account, false);
    },
  };
  return manager;
}

/** `promise`'s value, or undefined when it takes longer than `ms` of real time. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
