import type { Request, RequestHandler, Response } from 'express';
import {
  flowDefinition,
  labelFlow,
  stepsToMermaid,
  traceToHar,
  type TraceEntry,
} from '@hma-lab/core';
import { InvalidRequestError } from '../errors.js';
import { backgroundOf, doneSeq } from '../protocol/run-view.js';
import type { RunRecord } from '../protocol/run-record.js';
import { findRun } from './runs-endpoint.js';
import type { TrainerSession } from './session.js';

function fileStem(scenario: string, run: RunRecord): string {
  const user = run.user.replace(/[^a-z0-9.-]+/gi, '_');
  return `hma-lab-${scenario}-flow-${run.flow}-${user}-${run.runId.slice(0, 8)}`;
}

/**
 * `GET /_ui/api/runs/:runId/export?format=har|json|mermaid`: the run and the
 * background activity after it (what the diagram shows), as a download: HAR
 * 1.2 with the lab's `_hmaLab` fields, the raw entries and labelled steps as
 * JSON, or a Mermaid sequence diagram (core's exporters).
 */
export function exportEndpoint(session: TrainerSession): RequestHandler {
  return function exportRun(req: Request, res: Response) {
    const lab = session.lab();
    const run = findRun(session, lab, String(req.params.runId));
    const format = String(req.query.format ?? 'json');
    const all = lab.trace.entries();
    const runEntries = all.filter((e) => e.runId === run.runId);
    const background = backgroundOf(
      all,
      run,
      lab.directory.users().map((u) => u.upn),
    );
    const entries: TraceEntry[] = [...runEntries, ...background].sort(
      (a, b) => doneSeq(a) - doneSeq(b),
    );
    const steps = [...labelFlow(runEntries, run.flow), ...labelFlow(background, run.flow)];
    const title = `Flow ${run.flow}: ${flowDefinition(run.flow).title} (${run.user})`;
    const stem = fileStem(lab.scenario.name, run);
    switch (format) {
      case 'har':
        res.attachment(`${stem}.har`);
        res
          .type('application/json')
          .send(JSON.stringify(traceToHar(entries, steps, title), null, 2));
        return;
      case 'mermaid':
        res.attachment(`${stem}.mmd`);
        res.type('text/plain').send(stepsToMermaid(steps, title));
        return;
      case 'json':
        res.attachment(`${stem}.json`);
        res.type('application/json').send(
          JSON.stringify(
            {
              scenario: lab.scenario.name,
              run,
              steps: steps.map((s) => ({
                step: s.step,
                leg: s.leg,
                seq: s.seq,
                from: s.from,
                to: s.to,
                meaning: s.meaning,
                entryId: s.entry.id,
              })),
              entries,
            },
            null,
            2,
          ),
        );
        return;
      default:
        throw new InvalidRequestError('"format" must be har, json or mermaid');
    }
  };
}
