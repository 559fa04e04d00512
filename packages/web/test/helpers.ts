import { randomUUID } from 'node:crypto';
import { createLab, type Lab } from '@hma-lab/lab';
import type { RunRecord } from '../src/protocol/run-record.js';
import { lastSeq } from '../src/http/session.js';

/** An in-process lab that logs nothing (tests assert on the trace, not on logs). */
export function quietLab(scenario = 'contoso'): Promise<Lab> {
  return createLab({ mode: 'in-process', scenario, log: () => {} });
}

/** Runs a flow the way the page does and returns the page's record of it. */
export async function recordRun(
  lab: Lab,
  user: string,
  options: { path?: 'hma' | 'basic' } = {},
): Promise<RunRecord> {
  const record: RunRecord = {
    runId: randomUUID(),
    user,
    path: options.path ?? 'hma',
    flow: 'A',
    status: 'running',
    startedAtMs: lab.clock.now(),
    afterSeq: lastSeq(lab),
    faults: lab.faults.active().map((f) => f.name),
  };
  const run = await lab.runFlow(user, { runId: record.runId, path: record.path });
  record.flow = run.flow;
  record.status = run.ok ? 'ok' : 'failed';
  record.finishedAtMs = lab.clock.now();
  if (run.error) {
    record.error = { step: run.error.step, reason: run.error.reason, message: run.error.message };
  }
  return record;
}
