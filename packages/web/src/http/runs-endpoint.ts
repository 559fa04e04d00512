import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { InvalidRequestError, UnknownRunError, UnknownUserError } from '../errors.js';
import type { RunRecord } from '../protocol/run-record.js';
import type { TrainerLab } from '../trainer-lab.js';
import { lastSeq, MAX_RUNS, type TrainerSession } from './session.js';
import { predictedFlow } from './state-endpoint.js';
import { viewOf } from './view-of.js';

interface RunRequestBody {
  user?: unknown;
  path?: unknown;
  freshAutodetect?: unknown;
}

/**
 * AutoDetect remembers what it found for an address (a "sticky" cache that
 * Microsoft support clears on request), so after a fault is switched on a rerun
 * would not reach the broken step. The page's rerun forgets that answer first
 * unless the trainer unticks "fresh AutoDetect".
 */
function forgetAutodetectAnswer(lab: TrainerLab, upn: string): void {
  try {
    lab.service?.<{ clearCache?(email?: string): number }>('autodetect').clearCache?.(upn);
  } catch {
    // A lab without AutoDetect (or without its controls) has nothing to forget.
  }
}

/** `POST /_ui/api/runs` `{"user", "path"?: "hma"|"basic", "freshAutodetect"?: true}`: runs a flow; answers its view. */
export function startRunEndpoint(session: TrainerSession): RequestHandler {
  return async function startRun(req: Request, res: Response) {
    const lab = session.lab();
    const body = (req.body ?? {}) as RunRequestBody;
    if (typeof body.user !== 'string' || body.user.length === 0) {
      throw new InvalidRequestError('body must be {"user": "<upn>"}');
    }
    const user = lab.directory.user(body.user);
    if (!user) throw new UnknownUserError(body.user, lab.scenario.name);
    const path = body.path ?? 'hma';
    if (path !== 'hma' && path !== 'basic') {
      throw new InvalidRequestError('"path" must be "hma" (flows A and B) or "basic" (flow C)');
    }
    if (body.freshAutodetect !== undefined && typeof body.freshAutodetect !== 'boolean') {
      throw new InvalidRequestError('"freshAutodetect" must be true or false');
    }
    const record = await session.exclusive(`running a flow for ${user.upn}`, async () => {
      if (body.freshAutodetect !== false) forgetAutodetectAnswer(lab, user.upn);
      const run: RunRecord = {
        runId: randomUUID(),
        user: user.upn,
        path,
        flow: predictedFlow(lab, user.upn, path),
        status: 'running',
        startedAtMs: lab.clock.now(),
        afterSeq: lastSeq(lab),
        faults: lab.faults.active().map((f) => f.name),
      };
      const runs = session.memory(lab).runs;
      runs.push(run);
      if (runs.length > MAX_RUNS) runs.splice(0, runs.length - MAX_RUNS);
      session.hub.broadcast('run', run);
      try {
        const result = await lab.runFlow(user.upn, { runId: run.runId, path });
        run.flow = result.flow;
        run.status = result.ok ? 'ok' : 'failed';
        if (result.error) {
          run.error = {
            step: result.error.step,
            reason: result.error.reason,
            message: result.error.message,
          };
        }
      } catch (error) {
        // Not a flow failure the device understood: a lab bug, shown on the page and logged.
        console.error('[trainer ui] run failed', error);
        run.status = 'failed';
        run.error = { step: 0, reason: 'lab-error', message: (error as Error).message };
      } finally {
        run.finishedAtMs = lab.clock.now();
        session.hub.broadcast('run', run);
      }
      return run;
    });
    res.json(viewOf(session, lab, record));
  };
}

/** `GET /_ui/api/runs`: the runs started from the page, oldest first. */
export function listRunsEndpoint(session: TrainerSession): RequestHandler {
  return function listRuns(_req: Request, res: Response) {
    res.json({ runs: session.memory(session.lab()).runs });
  };
}

export function findRun(session: TrainerSession, lab: TrainerLab, runId: string): RunRecord {
  const run = session.memory(lab).runs.find((r) => r.runId === runId);
  if (!run) throw new UnknownRunError(runId);
  return run;
}

const flag = (value: unknown): boolean => value === '1' || value === 'true';

/** `GET /_ui/api/runs/:runId/view?unnumbered=1&legs=1`: the diagram of a run, live or done. */
export function runViewEndpoint(session: TrainerSession): RequestHandler {
  return function getRunView(req: Request, res: Response) {
    const lab = session.lab();
    const run = findRun(session, lab, String(req.params.runId));
    res.json(
      viewOf(session, lab, run, {
        showUnnumbered: flag(req.query.unnumbered),
        everyLeg: flag(req.query.legs),
      }),
    );
  };
}
