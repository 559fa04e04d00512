import { child, textOf, type EasElement } from '@hma-lab/activesync';
import type { DeviceInformation, DeviceRecord } from './devices.js';

/**
 * Settings:DeviceInformation / Set (MS-ASCMD 2.2.3.45), sent in Settings and,
 * from 14.1, in the first Provision. Exchange uses `Model` for DeviceModel
 * access rules and `OS` for DeviceOS rules.
 */
const FIELDS: ReadonlyArray<[string, keyof DeviceInformation]> = [
  ['Settings:Model', 'model'],
  ['Settings:IMEI', 'imei'],
  ['Settings:FriendlyName', 'friendlyName'],
  ['Settings:OS', 'os'],
  ['Settings:OSLanguage', 'osLanguage'],
  ['Settings:PhoneNumber', 'phoneNumber'],
  ['Settings:UserAgent', 'userAgent'],
  ['Settings:MobileOperator', 'mobileOperator'],
  ['Settings:EnableOutboundSMS', 'enableOutboundSms'],
];

/** Records the DeviceInformation under `parent` (if any); true when there was one. */
export function recordDeviceInformation(parent: EasElement, device: DeviceRecord): boolean {
  const info = child(parent, 'Settings:DeviceInformation');
  if (!info) return false;
  const set = child(info, 'Settings:Set') ?? info;
  for (const [tag, key] of FIELDS) {
    const value = textOf(set, tag);
    if (value !== undefined) device.info[key] = value;
  }
  return true;
}
