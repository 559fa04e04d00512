/**
 * @hma-lab/lab: a scenario turned into a running lab.
 *
 * @example
 * ```ts
 * import { createLab } from '@hma-lab/lab';
 * const lab = await createLab({ scenario: 'contoso', mode: 'loopback' });
 * const run = await lab.runFlow('alice@contoso.com');
 * await lab.clock.advance('2h');
 * await lab.close();
 * ```
 */
export { createLab } from './lab.js';
export { LabUsageError } from './lab-options.js';
export { NockLabOpenError } from './nock-mode.js';
export type { FlowRun, Lab, LabMode, LabOptions, LabService } from './lab.js';
export {
  parseServiceOptions,
  ServiceOptionsError,
  type LabServiceOptions,
} from './service-options.js';
export { listen } from './listen.js';
export { createAdminApp } from './admin.js';
export { loadOrCreateCa, defaultTlsDir } from './tls.js';
export type { LocalCa } from './tls.js';
export type { Listener } from './listen.js';
export { formatStep, formatRun } from './format.js';
export { labMatchers } from './testing.js';
export { federatedPasswordToken, type FederatedPasswordTokenOptions } from './federated-sign-in.js';
export type { StepExpectation, TokenExpectation } from './testing.js';
export { createFrontDoorFetch } from './front-door-fetch.js';
export { lowerHelperThreadPriority, DEFAULT_HELPER_NICE } from './helper-threads.js';
