/**
 * @hma-lab/core: the seams every party of the lab is built on.
 *
 * @example
 * ```ts
 * import { createVirtualClock, createTraceRecorder } from '@hma-lab/core';
 * const clock = createVirtualClock();
 * const trace = createTraceRecorder({ clock });
 * await clock.advance('14d');
 * ```
 */
export * from './clock.js';
export * from './duration.js';
export * from './errors.js';
export * from './hosts.js';
export * from './trace.js';
export * from './fetch.js';
export * from './faults.js';
export * from './mail-input.js';
export * from './jwt.js';
export * from './keys.js';
export * from './totp.js';
export * from './directory.js';
export * from './deps.js';
export * from './service.js';
export * from './json-api-errors.js';
export * from './xml-depth.js';
export * from './flows.js';
export * from './scenario/index.js';
export * from './html.js';
export * from './app-dispatch.js';
export * from './in-process.js';
export * from './lab-deps.js';
export * from './test-context.js';
export * from './trace-export.js';
export * from './fault-catalogue.js';
export * from './jwks.js';
export * from './lazy-module.js';
export * from './text-sharer.js';
export * from './form-encoding.js';
export * from './shorten.js';
export * from './make-directory.js';
export * from './device-access.js';
export * from './perimeter.js';
