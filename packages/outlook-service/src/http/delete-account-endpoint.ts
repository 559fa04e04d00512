import type { NextFunction, Request, Response } from 'express';
import type { BasicConnector } from '../connector/basic-connector.js';
import { takeDeviceKey } from '../protocol/requests.js';
import { accountIdOf } from './connect-endpoint.js';

/**
 * `DELETE /api/basic/v1/accounts/{accountId}` with `{deviceKey}`: "delete
 * account" in the app. The key proves the caller is the device; ciphertext,
 * cached mailbox data and any password in memory go at once.
 */
export function deleteAccountEndpoint(connector: BasicConnector) {
  return async function deleteAccount(
    req: Request,
    res: Response,
    _next: NextFunction,
  ): Promise<void> {
    const accountId = accountIdOf(req);
    const body =
      req.body && typeof req.body === 'object' && !Buffer.isBuffer(req.body)
        ? (req.body as Record<string, unknown>)
        : {};
    const deviceKey = takeDeviceKey(body, 6);
    await connector.deleteAccount(accountId, deviceKey);
    res.status(204).end();
  };
}
