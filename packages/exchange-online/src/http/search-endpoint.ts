import type { Request, RequestHandler, Response } from 'express';
import { HmaApiError } from '../errors.js';
import { byReceivedDesc, messageFromCache, messageFromSeed } from '../protocol/mailbox-view.js';
import type { MailItem } from '@hma-lab/core';
import { mailboxSourceOf, type MailboxSourceDeps } from './mailbox-source.js';

/**
 * `GET /api/hma/v1/mailbox/search?q=` (step 20). For a hybrid account the
 * query goes to on-prem ActiveSync Search with AT2 and the results are kept
 * in Exchange Online for `searchCacheTtl` (one day): a repeat within that
 * time is answered without asking on-prem (`X-HMA-Search-Cache: hit`).
 * On-prem search may return mail older than the cache window.
 */
export function searchEndpoint(deps: MailboxSourceDeps): RequestHandler {
  return async function search(req: Request, res: Response) {
    const q = typeof req.query.q === 'string' ? req.query.q.trim() : '';
    if (!q || q.length > 256) {
      throw new HmaApiError(400, 'InvalidRequest', 'The query "q" must be 1-256 characters.');
    }
    if (q.includes('\0')) {
      // It would go into ActiveSync Search as WBXML text, which cannot hold NUL.
      throw new HmaApiError(400, 'InvalidRequest', 'The query "q" must not contain NUL.');
    }
    const source = await mailboxSourceOf(deps, res);
    if (source.kind === 'cloud') {
      const needle = q.toLowerCase();
      const value = source.mailbox.folders
        .flatMap((f) => f.items)
        .filter((s) => s.item.kind === 'mail')
        .filter((s) => {
          const mail = s.item as MailItem;
          return `${mail.subject}\n${mail.bodyText}`.toLowerCase().includes(needle);
        })
        .map((s) => messageFromSeed(s.serverId, s.item as MailItem, s))
        .sort(byReceivedDesc);
      res.json({ value, source: 'exchangeOnline' });
      return;
    }
    const { items, cached } = await deps.accounts.search(source.account.upn, q);
    const value = items
      .filter((item) => item.class === 'Email' || item.data['Email:Subject'] !== undefined)
      .map(messageFromCache)
      .sort(byReceivedDesc);
    res.set('X-HMA-Search-Cache', cached ? 'hit' : 'miss').json({
      value,
      source: 'onPremises',
      cached,
      accountState: source.account.state,
    });
  };
}
