import type { ResolvedTrainerUiOptions } from '../config.js';
import { BusyError } from '../errors.js';
import { doneSeq } from '../protocol/run-view.js';
import type { AdvanceRecord, RunRecord } from '../protocol/run-record.js';
import type { TrainerLab } from '../trainer-lab.js';
import { createLiveHub, type LiveHub } from './live-hub.js';

/** What the page remembers of one lab: the runs it started and the clock advances it made. */
export interface LabMemory {
  /** This lab's number in the session (1 for the first one shown, then one more per switch). */
  serial: number;
  runs: RunRecord[];
  advances: AdvanceRecord[];
}

/** The state of one trainer UI: no module-level state, so two UIs can serve two labs. */
export interface TrainerSession {
  readonly options: ResolvedTrainerUiOptions;
  readonly hub: LiveHub;
  /** The lab shown now (follows scenario switches). */
  lab(): TrainerLab;
  memory(lab: TrainerLab): LabMemory;
  /** What the lab is busy with, if anything. */
  busy(): string | undefined;
  /** Runs `work` unless the lab is busy with something else (then BusyError). */
  exclusive<T>(doing: string, work: () => Promise<T>): Promise<T>;
}

/** Runs kept per lab; older ones drop off the list. */
export const MAX_RUNS = 50;

export function createTrainerSession(options: ResolvedTrainerUiOptions): TrainerSession {
  const memories = new WeakMap<TrainerLab, LabMemory>();
  let serials = 0;
  let doing: string | undefined;
  const hub = createLiveHub(options.heartbeatMs);

  const session: TrainerSession = {
    options,
    hub,
    lab() {
      const lab = options.lab();
      hub.follow(lab, session.memory(lab).serial);
      return lab;
    },
    memory(lab) {
      let memory = memories.get(lab);
      if (!memory) {
        memory = { serial: ++serials, runs: [], advances: [] };
        memories.set(lab, memory);
      }
      return memory;
    },
    busy: () => doing,
    async exclusive(what, work) {
      if (doing) throw new BusyError(doing);
      doing = what;
      hub.broadcast('state', { busy: what });
      try {
        return await work();
      } finally {
        doing = undefined;
        hub.broadcast('state', { busy: null });
      }
    },
  };
  return session;
}

/** The last trace sequence number completed so far (-1 for an empty trace). */
export function lastSeq(lab: TrainerLab): number {
  const last = lab.trace.last();
  return last ? doneSeq(last) : -1;
}
