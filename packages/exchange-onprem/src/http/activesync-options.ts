import type { Request, RequestHandler, Response } from 'express';
import { WBXML_CONTENT_TYPE } from '@hma-lab/activesync';
import type { EasServiceState } from '../protocol/server-state.js';
import { serverVersionFor, versionsForMailbox } from '../protocol/versions.js';
import { principalOf } from './activesync-auth.js';

/**
 * `OPTIONS /Microsoft-Server-ActiveSync` (MS-ASHTTP 3.2.5.2, protocol-facts
 * §6.1): what the server speaks, for the authenticated user's mailbox server.
 */
export function activeSyncOptions(state: EasServiceState): RequestHandler {
  return function activeSyncOptionsEndpoint(_req: Request, res: Response) {
    const { user } = principalOf(res);
    const exchangeVersion = user.mailbox?.exchangeVersion ?? '2019';
    res
      .status(200)
      .set({
        Allow: 'OPTIONS,POST',
        Public: 'OPTIONS,POST',
        'MS-Server-ActiveSync': serverVersionFor(
          exchangeVersion,
          state.config.onprem.serverVersion,
        ),
        'MS-ASProtocolVersions': versionsForMailbox(
          exchangeVersion,
          state.config.protocolVersions,
        ).join(','),
        'MS-ASProtocolCommands': state.config.protocolCommands.join(','),
        'Content-Type': WBXML_CONTENT_TYPE,
        'Cache-Control': 'private',
        'Content-Length': '0',
      })
      .end();
  };
}

/** GET (and other verbs) after authentication: Exchange answers 501 Not Implemented. */
export function activeSyncOtherMethod(_req: Request, res: Response): void {
  res.status(501).set('Content-Length', '0').end();
}
