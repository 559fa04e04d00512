import { deviceInformationOf, type EasElement } from '@hma-lab/activesync';
import type { DeviceRecord } from './devices.js';

/** Records the DeviceInformation under `parent` (if any; activesync's `deviceInformationOf`); true when there was one. */
export function recordDeviceInformation(parent: EasElement, device: DeviceRecord): boolean {
  const info = deviceInformationOf(parent);
  if (!info) return false;
  Object.assign(device.info, info);
  return true;
}
