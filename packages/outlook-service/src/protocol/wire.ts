import type { MailboxViewBody } from './mailbox-view.js';
import type { BasicAccount } from './stores.js';

/**
 * The device API of the Outlook cloud service for flow C
 * (`https://prod-outlookservice.outlookmobile.com`). Outlook's real protocol
 * is private; this JSON stand-in keeps to what the seeds describe: the
 * password and the device key travel in the body (over TLS), never in a URL or
 * a header.
 *
 * | request | step | answer |
 * |---|---|---|
 * | `POST /api/basic/v1/accounts` `{emailAddress, userName?, password, deviceKey, deviceId, activeSyncUrl?}` | 2 | 201 {@link AccountBody}, or an error (step 4 when Exchange refused) |
 * | `POST /api/basic/v1/accounts/{accountId}/connect` `{deviceKey, reason: "foreground"\|"background"}` | 6 | 200 {@link ConnectBody}; 404 after a purge (step 12) |
 * | `DELETE /api/basic/v1/accounts/{accountId}` `{deviceKey}` | | 204: "delete account" in the app |
 */
export const BASIC_API = {
  accounts: '/api/basic/v1/accounts',
  connect: (accountId: string) => `/api/basic/v1/accounts/${encodeURIComponent(accountId)}/connect`,
  account: (accountId: string) => `/api/basic/v1/accounts/${encodeURIComponent(accountId)}`,
} as const;

export interface AccountBody {
  accountId: string;
  emailAddress: string;
  /** How the account shows on the device (flow A's shows `Exchange (Hybrid)`). */
  accountType: 'Exchange';
  /**
   * `ready`: set up, password stored sealed, not connected yet;
   * `connected`: the decrypted password is in the service's memory;
   * `idle`: flushed after inactivity (the ciphertext waits for the device key).
   */
  state: 'ready' | 'connected' | 'idle';
  createdDateTime: string;
  lastSyncDateTime: string | null;
}

export interface ConnectBody extends MailboxViewBody {
  account: AccountBody;
}

export interface ErrorBody {
  error: { code: string; message: string; step?: number; reason?: string };
}

export function accountBody(account: BasicAccount, state: AccountBody['state']): AccountBody {
  return {
    accountId: account.accountId,
    emailAddress: account.emailAddress,
    accountType: 'Exchange',
    state,
    createdDateTime: new Date(account.createdMs).toISOString(),
    lastSyncDateTime: account.lastSyncMs ? new Date(account.lastSyncMs).toISOString() : null,
  };
}
