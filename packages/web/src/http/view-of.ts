import { buildRunView, type RunView } from '../protocol/run-view.js';
import type { RunRecord } from '../protocol/run-record.js';
import type { TrainerLab } from '../trainer-lab.js';
import type { TrainerSession } from './session.js';

/** The view of a run in the lab's trace as it is now. */
export function viewOf(
  session: TrainerSession,
  lab: TrainerLab,
  run: RunRecord,
  flags: { showUnnumbered?: boolean; everyLeg?: boolean } = {},
): RunView {
  return buildRunView({
    run,
    entries: lab.trace.entries(),
    advances: session.memory(lab).advances,
    nowMs: lab.clock.now(),
    lifetimes: lab.directory.lifetimes(),
    largeSegmentRows: session.options.largeSegmentRows,
    users: lab.directory.users().map((u) => u.upn),
    ...flags,
  });
}
