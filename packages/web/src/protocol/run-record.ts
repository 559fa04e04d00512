import { faultDefinition, type FlowName } from '@hma-lab/core';

/** A flow the trainer started from the page. */
export interface RunRecord {
  runId: string;
  user: string;
  path: 'hma' | 'basic';
  /** The flow the trace is labelled with: predicted while running, the device's once done. */
  flow: FlowName;
  status: 'running' | 'ok' | 'failed';
  startedAtMs: number;
  finishedAtMs?: number;
  /** The last trace sequence number before the run began. */
  afterSeq: number;
  /** Faults switched on when the run began. */
  faults: string[];
  /** Why the device gave up. */
  error?: { step: number; reason: string; message: string };
}

/** A clock advance the trainer asked for, as a window of trace sequence numbers. */
export interface AdvanceRecord {
  id: number;
  by: string;
  fromMs: number;
  toMs: number;
  afterSeq: number;
  /** The last sequence number when the advance finished; undefined while it runs. */
  untilSeq?: number;
}

/** Where a failed run stopped, and why. */
export interface StopPoint {
  step: number;
  cause: 'fault' | 'device';
  /** The catalogue fault that explains the stop. */
  fault?: string;
  title: string;
  detail: string;
  /** Where the device gave up (may be later than `step`: AutoDetect still answers at 6). */
  deviceStep?: number;
  deviceReason?: string;
}

/** An active fault whose catalogue step occurs in the run. */
export interface FaultMark {
  step: number;
  fault: string;
  title: string;
}

export interface RunSummary extends RunRecord {
  stoppedAt?: StopPoint;
  faultMarks: FaultMark[];
}

/**
 * Where the run stopped: when a fault that was on at the start breaks a step
 * the run reached at or before the device's give-up point, that step (the
 * catalogue's `step`) is where the flow broke; otherwise the device's step.
 */
export function stopPoint(run: RunRecord, stepsSeen: readonly number[]): StopPoint | undefined {
  if (run.status !== 'failed' || !run.error) return undefined;
  const device = run.error;
  let best: { name: string; step: number; title: string; symptom: string } | undefined;
  for (const name of run.faults) {
    const definition = faultDefinition(name);
    if (definition?.step === undefined) continue;
    const step = definition.step;
    if (step > device.step || (!stepsSeen.includes(step) && step !== device.step)) continue;
    if (!best || step > best.step) {
      best = { name, step, title: definition.title, symptom: definition.symptom };
    }
  }
  if (best) {
    return {
      step: best.step,
      cause: 'fault',
      fault: best.name,
      title: best.title,
      detail: best.symptom,
      deviceStep: device.step,
      deviceReason: `${device.reason}: ${device.message}`,
    };
  }
  return { step: device.step, cause: 'device', title: device.reason, detail: device.message };
}

/** Active faults (at the run's start) whose catalogue step the run reached. */
export function faultMarks(run: RunRecord, stepsSeen: readonly number[]): FaultMark[] {
  const marks: FaultMark[] = [];
  for (const name of run.faults) {
    const definition = faultDefinition(name);
    if (definition?.step !== undefined && stepsSeen.includes(definition.step)) {
      marks.push({ step: definition.step, fault: name, title: definition.title });
    }
  }
  return marks;
}
