import type { HostMap } from '@hma-lab/core';
import type { NextFunction, Request, Response } from 'express';
import type { ResolvedOutlookServiceConfig } from '../config.js';
import type { BasicConnector } from '../connector/basic-connector.js';
import { takeSignInRequest } from '../protocol/requests.js';
import { accountBody } from '../protocol/wire.js';

/**
 * `POST /api/basic/v1/accounts`: the device signs in (flow C step 2) with the
 * user name, password and device key; the service checks them against
 * Exchange (3), and answers 201 once only the ciphertext is stored (5), or
 * with the refusal (4).
 */
export function signInEndpoint(
  connector: BasicConnector,
  hosts: HostMap,
  config: ResolvedOutlookServiceConfig,
) {
  return async function signIn(req: Request, res: Response, _next: NextFunction): Promise<void> {
    const request = takeSignInRequest(req.body, hosts, config.activeSyncUrl);
    const account = await connector.signIn(request);
    res
      .status(201)
      .set('Location', `/api/basic/v1/accounts/${account.accountId}`)
      .json(accountBody(account, 'ready'));
  };
}
