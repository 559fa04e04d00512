import { createServiceApp, type ServiceDeps } from '@hma-lab/core';
import type express from 'express';
import {
  resolveOutlookServiceConfig,
  type OutlookServiceConfig,
  type ResolvedOutlookServiceConfig,
} from './config.js';
import { createBasicConnector, type PurgeReport } from './connector/basic-connector.js';
import type { SyncSummary } from './connector/exchange-connection.js';
import { connectEndpoint } from './http/connect-endpoint.js';
import { deleteAccountEndpoint } from './http/delete-account-endpoint.js';
import { methodNotAllowed, notFound, outlookServiceErrors } from './http/error-handler.js';
import { signInEndpoint } from './http/sign-in-endpoint.js';
import { withholdSecrets } from './http/withhold-secrets.js';
import { createRuntimeMemory } from './protocol/runtime-memory.js';
import { createStores, type BasicAccount, type OutlookServiceStores } from './protocol/stores.js';

/** An account as the lab's controls show it (never the password or the key). */
export interface BasicAccountSummary {
  accountId: string;
  emailAddress: string;
  deviceId: string;
  easDeviceId: string;
  createdMs: number;
  lastActivityMs: number;
  lastActivity: BasicAccount['lastActivity'];
  lastSyncMs: number | undefined;
  /** The decrypted password is in the service's memory now (the user is active). */
  passwordInMemory: boolean;
  /** A ciphertext is stored. */
  ciphertextStored: boolean;
  /** Items in the synced mailbox cache. */
  cachedItems: number;
}

/** The Outlook cloud service (flow C) and the controls the lab and tests need. */
export interface OutlookService {
  app: express.Express;
  config: ResolvedOutlookServiceConfig;
  /**
   * Everything kept at rest: accounts, sealed passwords, synced mailbox data.
   * What a breach of the cloud would expose. Read it; change it only to stage
   * a test.
   */
  stores: OutlookServiceStores;
  /** Accounts whose decrypted password is in memory, with since when (never the password). */
  passwordsInMemory(): Array<{ accountId: string; sinceMs: number }>;
  accounts(): BasicAccountSummary[];
  account(accountId: string): BasicAccountSummary | undefined;
  /** Runs the weekly job now: inactive accounts lose ciphertext and mailbox data. */
  runPurge(): Promise<PurgeReport>;
  /** Flushes now the passwords of accounts inactive for `inactivityFlushAfter`; returns their ids. */
  runInactivityCheck(): string[];
  /** One keep-alive sync pass now, for an account whose password is in memory. */
  syncNow(accountId: string): Promise<SyncSummary>;
  /** Cancels the service's timers and wipes every password in memory. */
  close(): Promise<void>;
}

export function createOutlookService(
  deps: ServiceDeps,
  config: Partial<OutlookServiceConfig> = {},
): OutlookService {
  const resolved = resolveOutlookServiceConfig(deps.hosts, config);
  const stores = createStores();
  const memory = createRuntimeMemory();
  const connector = createBasicConnector(deps, resolved, stores, memory);

  const app = createServiceApp('outlook-service', deps, {
    bodyLimitBytes: resolved.bodyLimitBytes,
  });
  app.use(withholdSecrets);
  const accounts = '/api/basic/v1/accounts';
  const account = '/api/basic/v1/accounts/:accountId';
  const connect = '/api/basic/v1/accounts/:accountId/connect';
  app.post(accounts, signInEndpoint(connector, deps.hosts, resolved));
  app.all(accounts, methodNotAllowed('POST'));
  app.post(connect, connectEndpoint(connector));
  app.all(connect, methodNotAllowed('POST'));
  app.delete(account, deleteAccountEndpoint(connector));
  app.all(account, methodNotAllowed('DELETE'));
  app.use(notFound);
  app.use(outlookServiceErrors(deps));

  const summary = (record: BasicAccount): BasicAccountSummary => {
    let cachedItems = 0;
    for (const items of stores.mailboxes.get(record.accountId)?.items.values() ?? []) {
      cachedItems += items.size;
    }
    return {
      accountId: record.accountId,
      emailAddress: record.emailAddress,
      deviceId: record.deviceId,
      easDeviceId: record.easDeviceId,
      createdMs: record.createdMs,
      lastActivityMs: record.lastActivityMs,
      lastActivity: record.lastActivity,
      lastSyncMs: record.lastSyncMs,
      passwordInMemory: memory.peek(record.accountId) !== undefined,
      ciphertextStored: stores.credentials.has(record.accountId),
      cachedItems,
    };
  };

  return {
    app,
    config: resolved,
    stores,
    passwordsInMemory: () => memory.list(),
    accounts: () => [...stores.accounts.values()].map(summary),
    account(accountId) {
      const record = stores.accounts.get(accountId);
      return record ? summary(record) : undefined;
    },
    runPurge: () => connector.purgeInactive(),
    runInactivityCheck: () => connector.flushInactive(),
    syncNow: (accountId) => connector.syncNow(accountId),
    async close() {
      connector.close();
    },
  };
}
