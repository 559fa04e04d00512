import type { Response } from 'express';
import type { CacheMailbox, CloudCache } from '../cache/cloud-cache.js';
import type { CloudMailbox, CloudStore } from '../cloud-mailbox/cloud-store.js';
import { HmaApiError } from '../errors.js';
import {
  FEATURE_NAMES,
  HYBRID_ACCOUNT_TYPE,
  type Account,
  type UnsupportedFeature,
} from '../protocol/account.js';
import type { AccountManager } from '../sync/account-manager.js';
import { at1Of } from './hma-auth.js';

/** Where the caller's data lives: the cloud cache of a hybrid account, or an Exchange Online mailbox. */
export type MailboxSource =
  | { kind: 'hybrid'; account: Account; cache: CacheMailbox }
  | { kind: 'cloud'; mailbox: CloudMailbox };

export interface MailboxSourceDeps {
  accounts: AccountManager;
  cache: CloudCache;
  store: CloudStore;
}

/**
 * Resolves the caller's mailbox from its AT1 and records the device activity
 * (which resumes a dormant account). A hybrid user who has not provisioned
 * gets 404; a deleted account 410.
 */
export async function mailboxSourceOf(
  deps: MailboxSourceDeps,
  res: Response,
): Promise<MailboxSource> {
  const at1 = at1Of(res);
  const user = at1.user;
  if (user.mailbox?.location === 'exo') {
    const mailbox = deps.store.mailbox(user.upn);
    if (mailbox) return { kind: 'cloud', mailbox };
  }
  const account = await deps.accounts.touch(user.upn, at1);
  const cache = deps.cache.get(user.upn);
  if (!account || !cache) {
    throw new HmaApiError(
      404,
      'AccountNotProvisioned',
      `${user.upn} has not been provisioned: POST /api/hma/v1/provision first.`,
      { detail: { step: 16 } },
    );
  }
  if (account.state === 'deleted') {
    throw new HmaApiError(
      410,
      'AccountDeleted',
      account.problem?.message ?? 'The account was deleted.',
      {
        detail: { step: 20 },
      },
    );
  }
  return { kind: 'hybrid', account, cache };
}

/** The "not supported for this account" error of the features HMA lacks on-prem (FLOWS.md D). */
export function unsupportedFeature(feature: UnsupportedFeature): HmaApiError {
  return new HmaApiError(
    403,
    'NotSupportedForThisAccount',
    `${FEATURE_NAMES[feature]} is not supported for this account (${HYBRID_ACCOUNT_TYPE}).`,
    { detail: { feature, accountType: HYBRID_ACCOUNT_TYPE } },
  );
}
