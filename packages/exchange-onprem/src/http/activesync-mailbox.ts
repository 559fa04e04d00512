import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { EasHttpError } from '../errors.js';
import type { EasServiceState } from '../protocol/server-state.js';
import { principalOf } from './activesync-auth.js';

/**
 * After authentication: is there an on-prem mailbox to serve? A mailbox in
 * Exchange Online (or one the lab has "moved") is answered
 * `451` with `X-MS-Location` (MS-ASHTTP 2.2.2.1.1, the redirect Exchange
 * hybrid sends for migrated mailboxes); a user without a mailbox, disabled,
 * or with ActiveSync switched off gets 403.
 */
export function locateMailbox(state: EasServiceState): RequestHandler {
  return function locateUserMailbox(req: Request, res: Response, next: NextFunction) {
    const { user } = principalOf(res);
    const key = user.upn.toLowerCase();
    if (state.directory.isDisabled(user.upn)) {
      throw new EasHttpError(403, 'AccountDisabled', `${user.upn} is disabled`);
    }
    if (state.activeSyncDisabled.has(key)) {
      throw new EasHttpError(403, 'ActiveSyncDisabled', `ActiveSync is disabled for ${user.upn}`);
    }
    const moved = state.mailboxRedirects.get(key);
    const inCloud = user.mailbox?.location === 'exo';
    if ((moved || inCloud) && req.method === 'POST') {
      const location = moved ?? state.hosts.url('exo', '/Microsoft-Server-ActiveSync');
      throw new EasHttpError(451, 'MailboxMoved', `${user.upn}'s mailbox is served elsewhere`, {
        headers: { 'X-MS-Location': location },
      });
    }
    const mailbox = state.store.mailbox(user.upn);
    if (!mailbox && !inCloud && !moved) {
      throw new EasHttpError(403, 'NoMailbox', `${user.upn} has no on-premises mailbox`);
    }
    res.locals['mailbox'] = mailbox;
    next();
  };
}
