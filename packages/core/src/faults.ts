import { LabError } from './errors.js';
import { catalogueFault, faultParamProblems } from './fault-catalogue.js';

/**
 * The switchboard of named faults (see docs/faults.md). Services ask it whether
 * a fault is on before doing the faithful thing; the lab, the admin endpoint,
 * the CLI and scenarios switch faults on and off at run time.
 */
export interface FaultBoard {
  /** True when the named fault is on. */
  isOn(name: string): boolean;
  /** The parameters the fault was switched on with (empty when none). */
  params(name: string): Record<string, unknown>;
  /**
   * Switches a fault of the catalogue on; throws an UnknownFaultError (404)
   * for a name it does not have (a typo would otherwise stay on doing
   * nothing) and a 400 {@link LabError} for parameters of the wrong kind
   * (nothing changes then).
   */
  on(name: string, params?: Record<string, unknown>): void;
  off(name: string): void;
  /** Every fault that is on, with its parameters. */
  active(): Array<{ name: string; params: Record<string, unknown> }>;
  clear(): void;
  /**
   * Called when a fault is switched on (`params` given) or off (`params`
   * undefined), for faults that start scheduled work; returns an unsubscribe function.
   */
  onChange(
    listener: (name: string, params: Record<string, unknown> | undefined) => void,
  ): () => void;
}

export function createFaultBoard(
  initial: Array<{ name: string; params?: Record<string, unknown> }> = [],
): FaultBoard {
  const faults = new Map<string, Record<string, unknown>>();
  const listeners = new Set<(name: string, params: Record<string, unknown> | undefined) => void>();
  for (const fault of initial) faults.set(fault.name, fault.params ?? {});
  const emit = (name: string, params: Record<string, unknown> | undefined): void => {
    for (const listener of listeners) listener(name, params);
  };
  return {
    isOn: (name) => faults.has(name),
    params: (name) => faults.get(name) ?? {},
    on(name, params = {}) {
      // Checked before anything changes: a fault switched on with parameters a
      // service cannot use would stay on while doing nothing (or fail later).
      catalogueFault(typeof name === 'string' ? name : String(name));
      if (params === null || typeof params !== 'object' || Array.isArray(params)) {
        throw new LabError(
          400,
          'invalid_fault_params',
          `${name}: parameters must be an object of numbers, texts or true/false`,
        );
      }
      const problems = faultParamProblems(name, params);
      if (problems.length > 0) {
        throw new LabError(400, 'invalid_fault_params', `${name}: ${problems.join('; ')}`);
      }
      faults.set(name, params);
      emit(name, params);
    },
    off(name) {
      if (faults.delete(name)) emit(name, undefined);
    },
    active: () => [...faults].map(([name, params]) => ({ name, params })),
    clear() {
      const names = [...faults.keys()];
      faults.clear();
      for (const name of names) emit(name, undefined);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
