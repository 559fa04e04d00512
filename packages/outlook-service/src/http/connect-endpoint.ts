import type { NextFunction, Request, Response } from 'express';
import type { BasicConnector } from '../connector/basic-connector.js';
import { AccountNotFoundError } from '../errors.js';
import { takeConnectRequest } from '../protocol/requests.js';
import { accountBody, type ConnectBody } from '../protocol/wire.js';

const ACCOUNT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The `:accountId` of the path, or 404 for anything that cannot be one. */
export function accountIdOf(req: Request): string {
  const id = String(req.params['accountId'] ?? '');
  if (!ACCOUNT_ID.test(id)) throw new AccountNotFoundError(id.slice(0, 64));
  return id.toLowerCase();
}

/**
 * `POST /api/basic/v1/accounts/{accountId}/connect`: a later connection
 * (step 6): the device sends its key again; the service decrypts the password
 * in memory (7), syncs with Exchange (8) and returns the data (9).
 */
export function connectEndpoint(connector: BasicConnector) {
  return async function connect(req: Request, res: Response, _next: NextFunction): Promise<void> {
    const accountId = accountIdOf(req);
    const request = takeConnectRequest(req.body);
    const { account, view } = await connector.connect(accountId, request);
    const body: ConnectBody = { account: accountBody(account, 'connected'), ...view };
    res.status(200).json(body);
  };
}
