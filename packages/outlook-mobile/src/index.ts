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
