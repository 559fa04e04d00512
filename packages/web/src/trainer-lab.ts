import type {
  Directory,
  FaultBoard,
  FlowName,
  FlowStep,
  Scenario,
  ServiceParty,
  TraceEntry,
  TraceRecorder,
  VirtualClock,
} from '@hma-lab/core';

/**
 * What the trainer UI needs of a lab: the part of `Lab` (packages/lab) it
 * uses, written out here because the lab package depends on this one, not the
 * other way round. A real `Lab` satisfies it as it is.
 */
export interface TrainerLab {
  readonly scenario: Scenario;
  readonly clock: Pick<VirtualClock, 'now' | 'advance'>;
  readonly trace: TraceRecorder;
  readonly faults: FaultBoard;
  readonly directory: Directory;
  /** Runs flow A/B (`path: 'hma'`) or C (`path: 'basic'`) for a user with a fresh device. */
  runFlow(
    upn: string,
    options?: { runId?: string; path?: 'hma' | 'basic' },
  ): Promise<TrainerFlowRun>;
  /**
   * A running service, for its controls. Optional: with it, a rerun can clear
   * AutoDetect's sticky cache (`service('autodetect').clearCache(upn)`).
   */
  service?<T>(party: ServiceParty): T;
}

/** The part of the lab's `FlowRun` the UI reads. */
export interface TrainerFlowRun {
  ok: boolean;
  flow: FlowName;
  runId: string;
  user: string;
  /** Why the device gave up, and at which FLOWS.md step. */
  error?: { step: number; reason: string; message: string };
  steps: FlowStep[];
  entries: TraceEntry[];
}
