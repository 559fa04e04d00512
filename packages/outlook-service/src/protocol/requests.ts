import type { HostMap } from '@hma-lab/core';
import { InvalidRequestError } from '../errors.js';
import { DEVICE_KEY_BYTES, wipe } from './device-key-crypto.js';

/**
 * The device's requests, validated, with their secrets taken out as Buffers.
 * "Taking" a secret replaces the field of the parsed body with a marker, so
 * the string the JSON parser made is no longer reachable from the request.
 *
 * Wire field names (JSON): `emailAddress`, `userName`, `password`,
 * `deviceKey` (base64 of 16 bytes), `deviceId`, `activeSyncUrl`, `reason`.
 * `password` and `deviceKey` are among the field names the trace redacts.
 */

export const TAKEN = '[taken]';

export interface SignInRequest {
  emailAddress: string;
  userName: string;
  deviceId: string;
  activeSyncUrl: string;
  password: Buffer;
  deviceKey: Buffer;
}

export interface ConnectRequest {
  deviceKey: Buffer;
  reason: 'foreground' | 'background';
}

const EMAIL = /^[^\s@]{1,128}@[^\s@]{1,253}$/;
const DEVICE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{22}==$/;
const MAX_PASSWORD_BYTES = 1024;

type Body = Record<string, unknown>;

function bodyOf(body: unknown, step: number): Body {
  if (!body || typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw new InvalidRequestError('the request body must be a JSON object', step);
  }
  return body as Body;
}

function text(body: Body, field: string, step: number, required: true): string;
function text(body: Body, field: string, step: number, required: false): string | undefined;
function text(body: Body, field: string, step: number, required: boolean): string | undefined {
  const value = body[field];
  if (value === undefined || value === null || value === '') {
    if (required) throw new InvalidRequestError(`${field} is required`, step);
    return undefined;
  }
  if (typeof value !== 'string') throw new InvalidRequestError(`${field} must be a string`, step);
  return value;
}

/** Takes a secret string field out of the body as UTF-8 bytes. */
function takeSecret(body: Body, field: string, step: number): Buffer {
  const value = text(body, field, step, true);
  body[field] = TAKEN;
  return Buffer.from(value, 'utf8');
}

/** Takes the device key (base64 of exactly 16 bytes) out of the body. */
export function takeDeviceKey(body: Body, step: number): Buffer {
  const value = body['deviceKey'];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidRequestError('deviceKey is required (base64 of a 16-byte AES key)', step);
  }
  body['deviceKey'] = TAKEN;
  if (!BASE64_KEY.test(value)) {
    throw new InvalidRequestError(
      `deviceKey must be the base64 form of ${DEVICE_KEY_BYTES} bytes (an AES-128 key)`,
      step,
    );
  }
  return Buffer.from(value, 'base64');
}

/** `POST /api/basic/v1/accounts` (step 2). Secrets are taken before anything can fail after them. */
export function takeSignInRequest(
  raw: unknown,
  hosts: HostMap,
  defaultActiveSyncUrl: string,
): SignInRequest {
  const body = bodyOf(raw, 2);
  const secrets: Buffer[] = [];
  try {
    const password = takeSecret(body, 'password', 2);
    secrets.push(password);
    const deviceKey = takeDeviceKey(body, 2);
    secrets.push(deviceKey);
    if (password.length > MAX_PASSWORD_BYTES) {
      throw new InvalidRequestError(`password is longer than ${MAX_PASSWORD_BYTES} bytes`, 2);
    }
    const emailAddress = text(body, 'emailAddress', 2, true).trim();
    if (!EMAIL.test(emailAddress)) {
      throw new InvalidRequestError('emailAddress is not an e-mail address', 2);
    }
    const givenUserName = text(body, 'userName', 2, false)?.trim();
    const userName = givenUserName || emailAddress;
    if (userName.length > 256 || userName.includes(':')) {
      // The address stands in for a missing userName: say which one it was.
      throw new InvalidRequestError(
        givenUserName
          ? 'userName must be at most 256 characters, without ":"'
          : 'emailAddress, the user name when no userName is given, must be at most 256 characters, without ":"',
        2,
      );
    }
    const deviceId = text(body, 'deviceId', 2, true);
    if (!DEVICE_ID.test(deviceId)) {
      throw new InvalidRequestError('deviceId must be 1-64 letters, digits, "-" or "_"', 2);
    }
    const activeSyncUrl = checkActiveSyncUrl(
      text(body, 'activeSyncUrl', 2, false) ?? defaultActiveSyncUrl,
      hosts,
    );
    return { emailAddress, userName, deviceId, activeSyncUrl, password, deviceKey };
  } catch (error) {
    wipe(...secrets);
    throw error;
  }
}

/** `POST /api/basic/v1/accounts/{id}/connect` (step 6). */
export function takeConnectRequest(raw: unknown): ConnectRequest {
  const body = bodyOf(raw, 6);
  const deviceKey = takeDeviceKey(body, 6);
  const reason = body['reason'] ?? 'foreground';
  if (reason !== 'foreground' && reason !== 'background') {
    wipe(deviceKey);
    throw new InvalidRequestError('reason must be "foreground" or "background"', 6);
  }
  return { deviceKey, reason };
}

/**
 * The ActiveSync URL must be https and name the lab's on-premises ActiveSync
 * host: the service connects nowhere else on a device's say-so.
 */
function checkActiveSyncUrl(value: string, hosts: HostMap): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidRequestError('activeSyncUrl is not a URL', 2);
  }
  if (url.protocol !== 'https:' || hosts.partyFor(url.hostname) !== 'onprem-eas') {
    throw new InvalidRequestError(
      `activeSyncUrl must be an https URL of the on-premises ActiveSync host (${hosts.primary('onprem-eas')})`,
      2,
    );
  }
  if (!/^\/microsoft-server-activesync(\/default\.eas)?$/i.test(url.pathname) || url.search) {
    throw new InvalidRequestError(
      'activeSyncUrl must end in /Microsoft-Server-ActiveSync, without a query',
      2,
    );
  }
  return `${url.origin}${url.pathname}`;
}
