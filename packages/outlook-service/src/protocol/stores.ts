import type { EasClientState, EasFolder, EasItem } from '@hma-lab/activesync';
import type { SealedPassword } from './device-key-crypto.js';

/**
 * What the Outlook cloud service keeps at rest for flow C: account records,
 * the sealed passwords, and the mailbox data it synced. A breach of the cloud
 * exposes exactly these (the password and the device key are never among
 * them). The decrypted password lives elsewhere, only in memory, and only
 * while the user is active (see `runtime-memory.ts`).
 */

/** One Exchange account added on one device. */
export interface BasicAccount {
  readonly accountId: string;
  /** The address the user added (also the default Basic user name). */
  readonly emailAddress: string;
  /** The Basic user name (UPN, DOMAIN\\user or account name). */
  readonly userName: string;
  /** The phone's own id, as the device sent it. */
  readonly deviceId: string;
  readonly activeSyncUrl: string;
  /** The ActiveSync DeviceId of the service's connection for this account. */
  readonly easDeviceId: string;
  /** The ActiveSync version agreed at sign-in (OPTIONS): the highest both sides speak. */
  readonly protocolVersion: string;
  readonly createdMs: number;
  /** Last time the device contacted the service (sign-in, app start, background refresh). */
  lastActivityMs: number;
  lastActivity: ActivityKind;
  lastSyncMs?: number;
  /** Policy key and sync keys of the ActiveSync connection (no secrets). */
  eas: EasClientState;
}

export type ActivityKind = 'sign-in' | 'foreground' | 'background';

/** The ciphertext of one account's password. */
export interface CredentialRecord {
  readonly accountId: string;
  readonly sealed: SealedPassword;
  readonly storedMs: number;
}

/** Mailbox data synced from Exchange for one account. */
export interface CachedMailbox {
  readonly accountId: string;
  folders: EasFolder[];
  /** Collection id -> server id -> item. */
  items: Map<string, Map<string, EasItem>>;
}

export interface OutlookServiceStores {
  readonly accounts: Map<string, BasicAccount>;
  readonly credentials: Map<string, CredentialRecord>;
  readonly mailboxes: Map<string, CachedMailbox>;
}

export function createStores(): OutlookServiceStores {
  return { accounts: new Map(), credentials: new Map(), mailboxes: new Map() };
}

/** Removes everything kept at rest for an account; true when something was there. */
export function dropAccount(stores: OutlookServiceStores, accountId: string): boolean {
  const had = stores.accounts.has(accountId) || stores.credentials.has(accountId);
  stores.accounts.delete(accountId);
  const credential = stores.credentials.get(accountId);
  if (credential) {
    // The ciphertext is useless without the key, but a flushed record is gone for good.
    credential.sealed.ciphertext.fill(0);
    stores.credentials.delete(accountId);
  }
  stores.mailboxes.delete(accountId);
  return had;
}

/** The context a password is sealed under: it opens only for the account it was sealed for. */
export function sealContext(account: Pick<BasicAccount, 'accountId' | 'emailAddress'>): Buffer {
  return Buffer.from(`${account.accountId}\n${account.emailAddress.toLowerCase()}`, 'utf8');
}
