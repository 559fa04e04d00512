import type { Request, RequestHandler, Response } from 'express';
import type { CloudCache } from '../cache/cloud-cache.js';
import { HmaApiError } from '../errors.js';
import { accountToBody } from '../protocol/account.js';
import type { AccountManager } from '../sync/account-manager.js';
import { at1Of } from './hma-auth.js';

/** The JSON body of `POST /api/hma/v1/provision` (docs/flow-map.md step 16). */
export interface ProvisionRequestBody {
  emailAddress: string;
  activeSyncUrl: string;
  deviceId: string;
}

const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Validates the provisioning body; throws a 400 naming the bad field. */
export function provisionRequestFromBody(body: unknown): ProvisionRequestBody {
  const bad = (field: string, why: string): never => {
    throw new HmaApiError(400, 'InvalidRequest', `"${field}" ${why}.`, {
      detail: { step: 16, field },
    });
  };
  if (!body || typeof body !== 'object' || Buffer.isBuffer(body)) {
    return bad('body', 'must be a JSON object {"emailAddress","activeSyncUrl","deviceId"}');
  }
  const { emailAddress, activeSyncUrl, deviceId } = body as Record<string, unknown>;
  if (typeof emailAddress !== 'string' || !isEmailAddress(emailAddress)) {
    bad('emailAddress', 'must be an e-mail address');
  }
  if (typeof activeSyncUrl !== 'string') return bad('activeSyncUrl', 'must be a URL');
  let url: URL | undefined;
  try {
    url = new URL(activeSyncUrl);
  } catch {
    url = undefined;
  }
  if (!url || url.protocol !== 'https:' || url.username || url.password) {
    bad('activeSyncUrl', 'must be an https URL of the on-premises ActiveSync endpoint');
  }
  // The service adds its own query (Cmd, User, DeviceId...) to the endpoint's path.
  if (!ACTIVESYNC_PATH.test(url!.pathname) || url!.search || url!.hash) {
    bad('activeSyncUrl', 'must end in /Microsoft-Server-ActiveSync, without a query or fragment');
  }
  if (typeof deviceId !== 'string' || !DEVICE_ID.test(deviceId)) {
    bad('deviceId', 'must be 1-64 letters, digits, ".", "_" or "-"');
  }
  return {
    emailAddress: emailAddress as string,
    activeSyncUrl: activeSyncUrl,
    deviceId: deviceId as string,
  };
}

const ACTIVESYNC_PATH = /^\/microsoft-server-activesync(\/default\.eas)?$/i;

/**
 * `local@domain.tld` as `/^[^@\s]+@[^@\s]+\.[^@\s]+$/` tells it, in linear time: no
 * white space, one `@` after at least one character, and a `.` inside the
 * domain (neither its first character nor its last). The regular expression
 * tried every `.` of the domain as the one and scanned the rest again from it:
 * quadratic in a domain of dots that fails at its end (16 KB: 0.14 s, 64 KB: 2 s).
 */
function isEmailAddress(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 1 || text.includes('@', at + 1) || /\s/.test(text)) return false;
  const dot = text.indexOf('.', at + 2);
  return dot >= 0 && dot < text.length - 1;
}

/**
 * `POST /api/hma/v1/provision` (step 16): AT1 + the on-prem ActiveSync URL in;
 * on-behalf-of (17), cloud cache (18) and the first sync (19) happen before
 * the answer, so the flow is deterministic. Idempotent per user and device.
 */
export function provisionEndpoint(deps: {
  accounts: AccountManager;
  cache: CloudCache;
  mailWindowMs: number;
}): RequestHandler {
  return async function provision(req: Request, res: Response) {
    const body = provisionRequestFromBody(req.body);
    const { account } = await deps.accounts.provision({ at1: at1Of(res), ...body });
    res.status(200).json(accountToBody(account, deps.cache.get(account.upn), deps.mailWindowMs));
  };
}
