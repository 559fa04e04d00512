import type express from 'express';
import type { NextFunction, Request, Response } from 'express';
import {
  createServiceApp,
  type AccessDecision,
  type AccessLevel,
  type MailItem,
  type MailRoute,
  type ServiceDeps,
} from '@hma-lab/core';
import { createCloudCache, itemCount, type CacheMailbox } from './cache/cloud-cache.js';
import { createCloudStore } from './cloud-mailbox/cloud-store.js';
import { deviceAccessOf, type EasDeviceState } from './cloud-mailbox/eas-engine.js';
import { resolveExoConfig, type ExchangeOnlineConfig, type ResolvedExoConfig } from './config.js';
import { createJwksSource } from './entra/jwks.js';
import { createTokenClient } from './entra/token-client.js';
import { activeSyncErrors } from './http/activesync-errors.js';
import { deviceKey } from './http/activesync-endpoint.js';
import { activeSyncRouter } from './http/activesync-router.js';
import { autodiscoverErrors } from './http/autodiscover-errors.js';
import { hmaErrors } from './http/hma-errors.js';
import { HmaApiError } from './errors.js';
import { autodiscoverRouter } from './http/autodiscover-router.js';
import { poxAutodiscoverEndpoint } from './http/pox-autodiscover-endpoint.js';
import { hmaRouter } from './http/hma-router.js';
import { accountToBody, type AccountBody } from './protocol/account.js';
import { createRedirectMemory } from './protocol/redirect-memory.js';
import { createAccountManager } from './sync/account-manager.js';
import type { SyncReport } from './sync/eas-session.js';

/** What the lab can see of a cloud cache mailbox. */
export interface CloudCacheSnapshot {
  upn: string;
  accountId: string;
  createdAtMs: number;
  lastSyncAtMs?: number;
  folders: Array<{ serverId: string; displayName: string; type: number; items: number }>;
  items: number;
  /** Received time of the oldest mail kept (ms), if any. */
  oldestMailMs?: number;
  oof?: string;
  /** On-prem search results kept, by query. */
  searches: Array<{ query: string; atMs: number; results: number }>;
}

/** A running Exchange Online and the controls the lab needs. */
export interface ExchangeOnlineService {
  app: express.Express;
  /** Cancels every scheduled renewal, sync and purge. */
  close(): Promise<void>;
  /** Every hybrid account, as the client API shows it. */
  accounts(): AccountBody[];
  /** One hybrid account, as the client API shows it. */
  account(upn: string): AccountBody | undefined;
  /** A look into a cloud cache mailbox (undefined when there is none). */
  cloudCache(upn: string): CloudCacheSnapshot | undefined;
  /** Runs one incremental sync of a hybrid account now (throws when it fails). */
  syncNow(upn: string): Promise<SyncReport>;
  /**
   * The account was deleted in Entra: background work stops and the cloud
   * cache is removed after `deletedAccountCacheRetention` (30 days). Also
   * triggered by `directory.setDisabled(upn, true)`.
   */
  deleteAccount(upn: string): boolean;
  /** Undoes {@link deleteAccount} before the purge (also on `setDisabled(upn, false)`). */
  restoreAccount(upn: string): boolean;
  /** Delivers a message to the Inbox of a mailbox that lives in Exchange Online (flow B). */
  deliver(upn: string, mail: Partial<MailItem> & { subject: string }): string;
  /** Mail sent to a cloud mailbox from elsewhere (another Exchange's route): false when there is no such mailbox. */
  acceptMail: MailRoute;
  /**
   * Where flow B's SendMail, SmartReply and SmartForward send mail for
   * addresses without a cloud mailbox (the lab gives on-premises Exchange's
   * `acceptMail`: hybrid mail flow). Without a route, or when it declines, the
   * recipient is outside the organisation.
   */
  routeMail(route: MailRoute | undefined): void;
  /**
   * The administrator's decision for one flow B device (allow a quarantined
   * one, block one), before the device access rules; undefined removes it.
   * Throws for a device that never connected.
   */
  setDeviceAccess(upn: string, deviceId: string, level: AccessLevel | undefined): void;
  /** The device access decision for a flow B device that connected, and why. Throws for one that never did. */
  deviceAccess(upn: string, deviceId: string): AccessDecision;
  /** The resolved configuration. */
  readonly config: ResolvedExoConfig;
}

/**
 * Creates Exchange Online (`outlook.office365.com`, `outlook.office.com`):
 * AutoDiscover v2 (steps 2-3), the HMA provisioning API with on-behalf-of
 * (16-18), the cloud cache and its ActiveSync sync engine (19), the client
 * data API (20), and ActiveSync for cloud mailboxes (flow B).
 *
 * @example
 * ```ts
 * const exo = createExchangeOnline(ctx.depsFor('exo'), { syncInterval: '15m' });
 * ctx.mount('exo', exo.app);
 * await ctx.clock.advance('24h'); // AT2 renewed with RT2, mailbox synced in the background
 * exo.account('alice@contoso.com')?.state; // 'ready'
 * ```
 * @see docs/flow-map.md, protocol-facts.md §2, §4.3
 */
/** Where ActiveSync clients other than Outlook mobile ask POX AutoDiscover. */
const POX_AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';

export function createExchangeOnline(
  deps: ServiceDeps,
  config: Partial<ExchangeOnlineConfig> = {},
): ExchangeOnlineService {
  const resolved = resolveExoConfig(deps, config);
  const memory = createRedirectMemory(deps.clock, resolved.autodiscoverLoopWindowMs);
  const keys = createJwksSource({
    fetch: deps.fetch,
    url: resolved.jwksUrl,
    clock: deps.clock,
    cacheMs: resolved.jwksCacheTtlMs,
    log: deps.log,
  });
  const cache = createCloudCache();
  const store = createCloudStore({ directory: deps.directory, now: () => deps.clock.now() });
  const tokenClient = createTokenClient({
    fetch: deps.fetch,
    hosts: deps.hosts,
    clock: deps.clock,
    clientId: resolved.clientId,
    clientSecret: resolved.clientSecret,
  });
  const accounts = createAccountManager({ deps, config: resolved, cache, tokens: tokenClient });
  const unsubscribe = deps.directory.onChange((change) => {
    if (change.type === 'disabled') accounts.markDeleted(change.upn);
    if (change.type === 'enabled') accounts.restore(change.upn);
  });
  const authorizationUri = deps.hosts.url('entra', '/common/oauth2/authorize');
  const tokenRules = {
    acceptedAudiences: resolved.acceptedAudiences,
    allowedClientIds: resolved.allowedClientIds,
    clockSkewMs: resolved.clockSkewMs,
  };

  // Only the JSON API's bodies are parsed up front. ActiveSync reads WBXML and
  // POX AutoDiscover XML whatever the content type says, each after its own
  // checks (a body labelled JSON that was not got a 400 before the 401
  // challenge, or before AutoDiscover's 405).
  const app = createServiceApp('exo', deps, {
    parseBody: (req) => /^\/api(\/|$)/i.test(req.path),
  });
  const activeSyncAuth = {
    keys,
    clock: deps.clock,
    directory: deps.directory,
    // Any client the directory knows may sync a cloud mailbox with an Exchange Online token.
    rules: { acceptedAudiences: resolved.acceptedAudiences, clockSkewMs: resolved.clockSkewMs },
    allowBasicAuth: resolved.allowBasicAuthActiveSync,
  };
  app.all(
    POX_AUTODISCOVER_PATH,
    poxAutodiscoverEndpoint({ ...activeSyncAuth, hosts: deps.hosts, trace: deps.trace }),
  );
  app.use(
    autodiscoverRouter({
      directory: deps.directory,
      hosts: deps.hosts,
      memory,
      maxRedirects: resolved.autodiscoverMaxRedirects,
      unknownUser: resolved.unknownUserAutodiscover,
      capExhausted: () => deps.faults.isOn('redirect-count-exhausted'),
    }),
  );
  app.use(
    hmaRouter(
      { keys, clock: deps.clock, directory: deps.directory, rules: tokenRules },
      { accounts, cache, store, clock: deps.clock, mailWindowMs: resolved.cloudCacheMailWindowMs },
    ),
  );
  const heldPings = new Set<() => void>();
  const devices = new Map<string, EasDeviceState>();
  const knownDevice = (upn: string, deviceId: string): EasDeviceState => {
    const device = devices.get(deviceKey(upn, deviceId));
    if (!device) throw new Error(`no device ${deviceId} for ${upn}`);
    return device;
  };
  let mailRoute: MailRoute | undefined;
  app.use(
    activeSyncRouter({
      ...activeSyncAuth,
      store,
      serverVersion: resolved.activeSyncServerVersion,
      validateCert: resolved.validateCert,
      trace: deps.trace,
      heldPings,
      devices,
      routeMail: (recipient, mail) => mailRoute?.(recipient, mail) ?? false,
    }),
  );
  app.use(function notFound(req: Request, _res: Response, next: NextFunction) {
    next(new HmaApiError(404, 'NotFound', `No endpoint ${req.method} ${req.path}.`));
  });
  // One error middleware per protocol, at app level so that errors raised
  // before routing (an unreadable body) are rendered in the protocol's shape too.
  // POX AutoDiscover is authenticated as ActiveSync is, and challenges as it does.
  const activeSyncErrorPages = activeSyncErrors(deps, {
    authorizationUri,
    ...(resolved.allowBasicAuthActiveSync ? { basicRealm: deps.hosts.primary('exo') } : {}),
  });
  app.use(POX_AUTODISCOVER_PATH, activeSyncErrorPages);
  app.use('/autodiscover', autodiscoverErrors(deps));
  app.use('/Microsoft-Server-ActiveSync', activeSyncErrorPages);
  app.use(hmaErrors(deps, authorizationUri));

  const view = (upn: string): AccountBody | undefined => {
    const account = accounts.get(upn);
    return account
      ? accountToBody(account, cache.get(account.upn), resolved.cloudCacheMailWindowMs)
      : undefined;
  };

  return {
    app,
    config: resolved,
    async close() {
      unsubscribe();
      accounts.close();
      for (const finish of [...heldPings]) finish();
      memory.clear();
    },
    accounts: () => accounts.all().map((a) => view(a.upn)!),
    account: view,
    cloudCache: (upn) => {
      const mailbox = cache.get(upn);
      return mailbox ? snapshotOf(mailbox) : undefined;
    },
    syncNow: (upn) => accounts.syncNow(upn),
    deleteAccount: (upn) => accounts.markDeleted(upn),
    restoreAccount: (upn) => accounts.restore(upn),
    deliver: (upn, mail) => store.deliver(upn, mail),
    acceptMail: (upn, mail) => store.accept(upn, mail),
    routeMail(route) {
      mailRoute = route;
    },
    setDeviceAccess(upn, deviceId, level) {
      const device = knownDevice(upn, deviceId);
      if (level) device.accessOverride = level;
      else delete device.accessOverride;
    },
    deviceAccess: (upn, deviceId) =>
      deviceAccessOf(
        knownDevice(upn, deviceId),
        deps.directory.scenario.exchange.online.deviceAccess,
      ),
  };
}

function snapshotOf(mailbox: CacheMailbox): CloudCacheSnapshot {
  const mail = [...mailbox.items.values()]
    .flatMap((items) => [...items.values()])
    .map((item) => item.receivedMs)
    .filter((ms): ms is number => ms !== undefined);
  return {
    upn: mailbox.upn,
    accountId: mailbox.accountId,
    createdAtMs: mailbox.createdAtMs,
    ...(mailbox.lastSyncAtMs !== undefined ? { lastSyncAtMs: mailbox.lastSyncAtMs } : {}),
    folders: mailbox.folders.map((f) => ({
      serverId: f.serverId,
      displayName: f.displayName,
      type: f.type,
      items: mailbox.items.get(f.serverId)?.size ?? 0,
    })),
    items: itemCount(mailbox),
    ...(mail.length > 0 ? { oldestMailMs: Math.min(...mail) } : {}),
    ...(mailbox.oof ? { oof: mailbox.oof.state } : {}),
    searches: [...(mailbox.searches?.values() ?? [])].map((s) => ({
      query: s.query,
      atMs: s.atMs,
      results: s.items.length,
    })),
  };
}
