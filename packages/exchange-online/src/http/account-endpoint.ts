import type { Request, RequestHandler, Response } from 'express';
import { accountToBody, CLOUD_ACCOUNT_TYPE, type AccountBody } from '../protocol/account.js';
import { accountIdFor } from '../protocol/account.js';
import { at1Of } from './hma-auth.js';
import { mailboxSourceOf, type MailboxSourceDeps } from './mailbox-source.js';

/**
 * `GET /api/hma/v1/account`: the account as the device shows it: label
 * "Exchange (Hybrid)" for an on-prem mailbox, its state (`signInRequired` when
 * RT2 was refused...), devices, cache and OOF.
 */
export function accountEndpoint(
  deps: MailboxSourceDeps & { mailWindowMs: number },
): RequestHandler {
  return async function account(_req: Request, res: Response) {
    const source = await mailboxSourceOf(deps, res);
    if (source.kind === 'hybrid') {
      res.json(accountToBody(source.account, source.cache, deps.mailWindowMs));
      return;
    }
    const at1 = at1Of(res);
    const body: AccountBody = {
      accountId: accountIdFor(at1.claims.tid, at1.user.upn),
      emailAddress: at1.user.upn,
      displayName: at1.user.displayName,
      accountType: CLOUD_ACCOUNT_TYPE,
      state: 'ready',
      outOfOffice: {
        state: source.mailbox.oof.state,
        internalReply: source.mailbox.oof.internalReply,
      },
      unsupportedFeatures: [],
    };
    res.json(body);
  };
}
