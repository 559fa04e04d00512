/**
 * @hma-lab/outlook-mobile: the reference device, Outlook for iOS and Android as
 * a scripted client running the flows of FLOWS.md over the lab's HTTP.
 *
 * @example
 * ```ts
 * const device = createDevice({ fetch: lab.fetchAs('device'), clock: lab.clock, trace: lab.trace });
 * const result = await device.connect({ email: 'alice@contoso.com', password: 'Passw0rd!', totpSecret: 'JBSWY3DPEHPK3PXP' });
 * ```
 */
export { createDevice } from './device.js';
export type {
  AutodetectAnswer,
  AutodetectService,
  Device,
  DeviceOptions,
  DeviceUser,
  FlowResult,
  TokenSet,
} from './device.js';
export { createBrowser, readPage } from './browser.js';
export type {
  Browser,
  BrowserForm,
  BrowserPage,
  BrowserResult,
  BrowserOptions,
} from './browser.js';
export { DeviceFlowError } from './errors.js';
export { createPkce } from './pkce.js';
/**
 * Flow C: Outlook on the basic-authentication path through the Outlook cloud
 * service (device key, sign-in, later connections, and the device states that
 * make the account inactive).
 *
 * @example
 * ```ts
 * const phone = createBasicAuthDevice({ fetch: lab.fetchAs('device'), clock: lab.clock, trace: lab.trace });
 * const first = await phone.connect({ email: 'alice@contoso.com', password: 'Passw0rd!' });
 * phone.setBackgroundRefresh(false);
 * phone.forceClose();
 * await lab.clock.advance('3d'); // the service flushes the decrypted password
 * ```
 * @see seeds 000/001; packages/outlook-service/README.md
 */
export { createBasicAuthDevice } from './basic/basic-device.js';
export type {
  BasicAuthDevice,
  BasicAuthDeviceOptions,
  BasicDeviceStorage,
  BasicFlowResult,
} from './basic/basic-device.js';
export { wakesInBackground, type BasicDeviceConditions } from './basic/device-conditions.js';
export { generateDeviceKey, DEVICE_KEY_BYTES } from './basic/device-key.js';
