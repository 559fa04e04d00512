import { builtInScenarioNames } from '@hma-lab/core';
import type { TrainerLab } from './trainer-lab.js';

/** How the trainer UI is wired to a lab. */
export interface TrainerUiOptions {
  /**
   * The lab the page shows, asked on every request: after a scenario switch
   * it returns the new lab.
   */
  lab(): TrainerLab;
  /**
   * Replaces the running lab with one of the named scenario and returns it
   * (the caller closes the old one). Without it the scenario picker is read-only.
   */
  switchScenario?(name: string): Promise<TrainerLab>;
  /** Scenario names offered by the picker. Default: every built-in scenario. */
  scenarios?: readonly string[];
  /**
   * A background stretch of the trace (one clock advance) with more diagram
   * rows than this is shown summarised, one row per kind of exchange, until
   * the trainer expands it. Default 40.
   */
  largeSegmentRows?: number;
  /** Real milliseconds between keep-alive comments on the live-update stream. Default 15,000. */
  heartbeatMs?: number;
}

/** The options with defaults applied. */
export interface ResolvedTrainerUiOptions {
  lab(): TrainerLab;
  switchScenario: ((name: string) => Promise<TrainerLab>) | undefined;
  scenarios: readonly string[];
  largeSegmentRows: number;
  heartbeatMs: number;
}

export function resolveTrainerUiOptions(options: TrainerUiOptions): ResolvedTrainerUiOptions {
  if (typeof options?.lab !== 'function') {
    throw new TypeError('createTrainerUi: options.lab must be a function returning the lab');
  }
  const largeSegmentRows = options.largeSegmentRows ?? 40;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (!Number.isInteger(largeSegmentRows) || largeSegmentRows < 1) {
    throw new RangeError('createTrainerUi: largeSegmentRows must be a positive integer');
  }
  if (!Number.isFinite(heartbeatMs) || heartbeatMs < 100) {
    throw new RangeError('createTrainerUi: heartbeatMs must be at least 100');
  }
  return {
    lab: options.lab,
    switchScenario: options.switchScenario,
    scenarios: options.scenarios ?? builtInScenarioNames(),
    largeSegmentRows,
    heartbeatMs,
  };
}
