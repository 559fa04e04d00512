import type { DeviceAccessPolicy, DeviceAccessRule } from './scenario/schema.js';

/**
 * ActiveSync device access (Allow / Block / Quarantine) of either Exchange, as
 * `Set-ActiveSyncOrganizationSettings -DefaultAccessLevel` and
 * `New-ActiveSyncDeviceAccessRule` configure it (protocol-facts §6.7).
 *
 * Evaluation order (the lab's reading of Exchange's ABQ order): a per-device
 * decision by the administrator (the lab's `setDeviceAccess` control, like
 * `ActiveSyncAllowedDeviceIDs` / approving a quarantined device) first; then
 * device access rules, the most specific characteristic first: DeviceModel,
 * DeviceType, DeviceOS, UserAgent (the first characteristic with a matching
 * rule decides); then the organisation's DefaultAccessLevel. QueryStrings
 * match the whole value, case-insensitively.
 */

export type AccessLevel = 'Allow' | 'Block' | 'Quarantine';

/** What Exchange knows about a device when it decides. */
export interface DeviceFacts {
  deviceType: string;
  model?: string | undefined;
  os?: string | undefined;
  userAgent?: string | undefined;
  /** A per-device decision by the administrator. */
  override?: AccessLevel | undefined;
}

export interface AccessDecision {
  level: AccessLevel;
  /** Why, for the trace and `Get-MobileDevice`-like inspection: `Individual`, `DeviceRule`, `Global`. */
  reason: 'Individual' | 'DeviceRule' | 'Global';
  rule?: DeviceAccessRule;
}

const PRECEDENCE: ReadonlyArray<DeviceAccessRule['characteristic']> = [
  'DeviceModel',
  'DeviceType',
  'DeviceOS',
  'UserAgent',
];

function valueOf(device: DeviceFacts, characteristic: DeviceAccessRule['characteristic']) {
  switch (characteristic) {
    case 'DeviceModel':
      return device.model;
    case 'DeviceType':
      return device.deviceType;
    case 'DeviceOS':
      return device.os;
    case 'UserAgent':
      return device.userAgent;
  }
}

/**
 * Decides a device's access level.
 *
 * @example
 * evaluateDeviceAccess({ deviceType: 'OutlookService' }, contoso.exchange.onprem.deviceAccess)
 * // { level: 'Allow', reason: 'DeviceRule', rule: { characteristic: 'DeviceType', queryString: 'OutlookService', ... } }
 */
export function evaluateDeviceAccess(
  device: DeviceFacts,
  policy: DeviceAccessPolicy,
): AccessDecision {
  if (device.override) return { level: device.override, reason: 'Individual' };
  for (const characteristic of PRECEDENCE) {
    const value = valueOf(device, characteristic)?.toLowerCase();
    if (value === undefined) continue;
    const rule = policy.rules.find(
      (r) => r.characteristic === characteristic && r.queryString.toLowerCase() === value,
    );
    if (rule) return { level: rule.accessLevel, reason: 'DeviceRule', rule };
  }
  return { level: policy.defaultAccessLevel, reason: 'Global' };
}
