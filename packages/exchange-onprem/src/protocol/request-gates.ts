import type { EasRequestLine } from '@hma-lab/activesync';
import type { OnpremActiveSyncConfig } from '../config.js';
import { EasHttpError, EasStatusError } from '../errors.js';
import type { AccessDecision } from '@hma-lab/core';
import type { DeviceRecord } from './devices.js';
import { atLeast } from './versions.js';

/**
 * The checks every ActiveSync POST passes before its command runs, in this
 * order: protocol version, remote wipe, policy key, device access.
 * Before 14.0 the answers are HTTP statuses (400, 449, 403); from 14.0 they
 * are the command's `Status` (140, 142, 143, 144, 129): MS-ASPROV 3.1.5.1,
 * MS-ASCMD 2.2.2.
 */

/**
 * The version the client asked for, when this mailbox's server offers it;
 * otherwise 400 with `MS-ASProtocolVersions` listing what it does offer.
 */
export function negotiateVersion(line: EasRequestLine, offered: readonly string[]): string {
  const asked = line.protocolVersion;
  if (asked && offered.includes(asked)) return asked;
  throw new EasHttpError(
    400,
    'UnsupportedProtocolVersion',
    asked ? `protocol version ${asked} is not supported` : 'MS-ASProtocolVersion is missing',
    { headers: { 'MS-ASProtocolVersions': offered.join(',') } },
  );
}

/** HTTP 449 "Retry after sending a Provision command" (12.1 and earlier). */
function needProvision(message: string): EasHttpError {
  return new EasHttpError(449, 'NeedProvision', message);
}

/** A device with a pending or acknowledged remote wipe must Provision (which wipes it). */
export function checkRemoteWipe(device: DeviceRecord, command: string, version: string): void {
  if (device.wipe === 'none' || command === 'Provision') return;
  const message = `remote wipe pending for ${device.deviceId}`;
  if (!atLeast(version, '14.0')) throw needProvision(message);
  throw new EasStatusError(140, message);
}

/**
 * `X-MS-PolicyKey` against the device's provisioned key: missing or 0 ->
 * 142 (not provisioned), another key -> 144 (invalid), a key for an older
 * policy revision -> 143 (policy refresh). 449 for all three before 14.0.
 */
export function checkPolicyKey(
  device: DeviceRecord,
  line: EasRequestLine,
  version: string,
  revision: number,
  config: Pick<OnpremActiveSyncConfig, 'provisioningRequired' | 'provisioningExemptCommands'>,
): void {
  if (!config.provisioningRequired || config.provisioningExemptCommands.includes(line.cmd)) return;
  const key = line.policyKey;
  const legacy = !atLeast(version, '14.0');
  if (!key || key === '0') {
    if (legacy) throw needProvision('the device is not provisioned');
    throw new EasStatusError(142, 'the device is not provisioned');
  }
  if (key !== device.policy.key) {
    if (legacy) throw needProvision(`policy key ${key} is not the device's`);
    throw new EasStatusError(144, `policy key ${key} is not the device's`);
  }
  if (device.policy.revision !== revision) {
    if (legacy) throw needProvision('the policy changed');
    throw new EasStatusError(143, 'the policy changed: provision again');
  }
}

/** Commands a quarantined device may run under the `notice` choice. */
const QUARANTINE_ALLOWED = new Set([
  'Provision',
  'Settings',
  'FolderSync',
  'Sync',
  'GetItemEstimate',
  'Ping',
  'ItemOperations',
]);

/**
 * Device access for commands other than Provision and Settings (those decide
 * after recording the request's DeviceInformation). Blocked: Status 129, or
 * HTTP 403 before 14.0.
 */
export function checkDeviceAccess(
  decision: AccessDecision,
  command: string,
  version: string,
  config: Pick<OnpremActiveSyncConfig, 'quarantine'>,
): void {
  const blocked =
    decision.level === 'Block' ||
    (decision.level === 'Quarantine' &&
      (config.quarantine === 'block' || !QUARANTINE_ALLOWED.has(command)));
  if (!blocked) return;
  const message = `device access ${decision.level} (${decision.reason}${
    decision.rule ? `: ${decision.rule.characteristic} ${decision.rule.queryString}` : ''
  })`;
  if (!atLeast(version, '14.0')) throw new EasHttpError(403, 'DeviceBlocked', message);
  throw new EasStatusError(129, message);
}
