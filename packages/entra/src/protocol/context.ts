import { parseDuration, type ServiceDeps } from '@hma-lab/core';
import type { EntraConfig } from '../config.js';
import type { EntraStores } from './stores.js';

/** Everything the protocol logic of one Entra instance works with. */
export interface EntraContext {
  deps: ServiceDeps;
  config: EntraConfig;
  stores: EntraStores;
  /** Parsed durations of the config, in milliseconds. */
  ms: {
    clockSkew: number;
    signInFlow: number;
    deviceCode: number;
  };
  /** Lab time now (ms). */
  now(): number;
  /** The lab's entra origin (`https://login.microsoftonline.com`). */
  origin(): string;
  /** Counts issued grants and sweeps the stores now and then. */
  noteIssued(): void;
}

export function createEntraContext(
  deps: ServiceDeps,
  config: EntraConfig,
  stores: EntraStores,
): EntraContext {
  let issued = 0;
  const context: EntraContext = {
    deps,
    config,
    stores,
    ms: {
      clockSkew: parseDuration(config.clockSkew),
      signInFlow: parseDuration(config.signInFlowLifetime),
      deviceCode: parseDuration(config.deviceCodeLifetime),
    },
    now: () => deps.clock.now(),
    origin: () => deps.hosts.origin('entra'),
    noteIssued() {
      issued += 1;
      if (issued % 500 === 0) {
        stores.sweep(deps.clock.now(), deps.directory.lifetimes().refreshTokenMaxAge);
      }
    },
  };
  return context;
}
