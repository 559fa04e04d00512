import { child, textOf, type EasElement } from '../wbxml/element.js';

/** What a device says of itself in Settings:DeviceInformation / Set (MS-ASCMD 2.2.3.45). */
export interface DeviceInformation {
  model?: string;
  imei?: string;
  friendlyName?: string;
  os?: string;
  osLanguage?: string;
  phoneNumber?: string;
  userAgent?: string;
  mobileOperator?: string;
  enableOutboundSms?: string;
}

/**
 * Sent in Settings and, from 14.1, in the first Provision. Exchange uses
 * `Model` for DeviceModel access rules and `OS` for DeviceOS rules.
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

/** The DeviceInformation under `parent` (a Settings or Provision request); undefined when there is none. */
export function deviceInformationOf(parent: EasElement): DeviceInformation | undefined {
  const info = child(parent, 'Settings:DeviceInformation');
  if (!info) return undefined;
  const set = child(info, 'Settings:Set') ?? info;
  const read: DeviceInformation = {};
  for (const [tag, key] of FIELDS) {
    const value = textOf(set, tag);
    if (value !== undefined) read[key] = value;
  }
  return read;
}
