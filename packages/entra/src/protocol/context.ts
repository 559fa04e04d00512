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
  /**
   * The times a client or person outside the lab may be counting in, now:
   * the lab's, and (`clientClock` 'lab-or-machine') the machine's. Something
   * they bring (an assertion's window, a TOTP code, a pause between polls) is
   * right when it is right by one of them.
   */
  clientNows(): number[];
  /** The lab's entra origin (`https://login.microsoftonline.com`). */
  origin(): string;
  /** Counts issued grants and sweeps the stores now and then. */
  noteIssued(): void;
}

/** Grants issued between two sweeps of the stores, at least. */
export const SWEEP_AFTER = 500;

export function createEntraContext(
  deps: ServiceDeps,
  config: EntraConfig,
  stores: EntraStores,
): EntraContext {
  let issued = 0;
  let sweepAt = SWEEP_AFTER;
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
    clientNows: () =>
      config.clientClock === 'lab'
        ? [deps.clock.now()]
        : [deps.clock.now(), deps.clock.machineNow()],
    origin: () => deps.hosts.origin('entra'),
    noteIssued() {
      issued += 1;
      if (issued < sweepAt) return;
      stores.sweep(deps.clock.now(), deps.directory.lifetimes().refreshTokenMaxAge);
      // A sweep visits every entry: the next one comes after as many grants as
      // entries are left, so sweeping costs the same per grant however many
      // users hold tokens (every 500 grants, 10,000 mailboxes' renewals swept
      // 40,000 refresh tokens 20 times an hour).
      sweepAt = issued + Math.max(SWEEP_AFTER, stores.entryCount());
    },
  };
  return context;
}
