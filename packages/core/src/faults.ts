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
  on(name: string, params?: Record<string, unknown>): void;
  off(name: string): void;
  /** Every fault that is on, with its parameters. */
  active(): Array<{ name: string; params: Record<string, unknown> }>;
  clear(): void;
}

export function createFaultBoard(
  initial: Array<{ name: string; params?: Record<string, unknown> }> = [],
): FaultBoard {
  const faults = new Map<string, Record<string, unknown>>();
  for (const fault of initial) faults.set(fault.name, fault.params ?? {});
  return {
    isOn: (name) => faults.has(name),
    params: (name) => faults.get(name) ?? {},
    on: (name, params = {}) => void faults.set(name, params),
    off: (name) => void faults.delete(name),
    active: () => [...faults].map(([name, params]) => ({ name, params })),
    clear: () => faults.clear(),
  };
}
