import express, { type Request } from 'express';
import {
  LabError,
  MAX_ADVANCE_MS,
  catalogueFault,
  faultParamsOf,
  jsonApiErrorHandler,
  labelFlow,
  parseDuration,
  stepsToMermaid,
  traceToHar,
  type FlowName,
} from '@hma-lab/core';
import type { Lab } from './lab.js';

/**
 * The lab's control plane over HTTP: what `hma-lab time advance`, `hma-lab
 * faults`, `hma-lab trace export` and the trainer UI call on a running lab.
 * JSON in and out; errors are `{ "error": { "code", "message" } }`.
 *
 * | method | path | does |
 * |---|---|---|
 * | GET | /_lab | scenario, mode, clock, services, active faults |
 * | POST | /_lab/clock/advance `{"by":"14d"}` | moves the virtual clock, firing due work |
 * | GET | /_lab/faults | active faults |
 * | PUT | /_lab/faults/:name `{params}` | switches a fault on |
 * | DELETE | /_lab/faults/:name | switches it off |
 * | GET | /_lab/trace?format=json\|har\|mermaid&runId=&flow= | the trace |
 * | POST | /_lab/flows `{"user":"alice@contoso.com"}` | runs a flow with a fresh device |
 * | POST | /_lab/users/:upn/password `{"password"}` | changes a password (voids refresh tokens) |
 * | POST | /_lab/users/:upn/revoke | revokes sessions |
 */
export function createAdminApp(lab: Lab): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: ADMIN_BODY_LIMIT }));

  app.get('/_lab', (_req, res) => {
    res.json({
      scenario: lab.scenario.name,
      mode: lab.mode,
      clock: clockJson(lab),
      services: lab.services,
      ...(lab.frontDoor ? { frontDoor: lab.frontDoor } : {}),
      faults: lab.faults.active(),
    });
  });

  app.get('/_lab/clock', (_req, res) => res.json(clockJson(lab)));

  app.post('/_lab/clock/advance', async (req, res) => {
    const by = (req.body as { by?: unknown } | undefined)?.by;
    if (typeof by !== 'string' && typeof by !== 'number')
      throw new AdminError(
        400,
        'invalid_request',
        'body must be {"by": "<duration>"} e.g. {"by":"14d"}',
      );
    let ms: number;
    try {
      ms = parseDuration(by);
    } catch (error) {
      throw new AdminError(400, 'invalid_duration', (error as Error).message);
    }
    // The trainer UI's limit: a longer jump fires years of timers in one request.
    if (!(ms > 0) || ms > MAX_ADVANCE_MS)
      throw new AdminError(400, 'invalid_duration', '"by" must be more than 0 and at most 366d');
    // While it is advancing the clock refuses with a ClockBusyError (409 busy).
    const report = await lab.clock.advance(ms);
    res.json({ ...clockJson(lab), advancedMs: ms, fired: report.fired });
  });

  app.get('/_lab/faults', (_req, res) => res.json({ active: lab.faults.active() }));
  app.put('/_lab/faults/:name', (req, res) => {
    lab.faults.on(knownFault(lab, req), faultParamsOf(req.body));
    res.json({ active: lab.faults.active() });
  });
  app.delete('/_lab/faults/:name', (req, res) => {
    lab.faults.off(knownFault(lab, req));
    res.json({ active: lab.faults.active() });
  });

  app.get('/_lab/trace', (req, res) => {
    const runId = typeof req.query.runId === 'string' ? req.query.runId : undefined;
    const flow = (typeof req.query.flow === 'string' ? req.query.flow : 'A') as FlowName;
    if (!['A', 'B', 'C'].includes(flow))
      throw new AdminError(400, 'invalid_flow', 'flow must be A, B or C');
    const entries = lab.trace.entries(runId ? { runId } : undefined);
    const steps = labelFlow(entries, flow);
    switch (req.query.format ?? 'json') {
      case 'json':
        res.json({
          entries,
          steps: steps.map((s) => ({
            step: s.step,
            leg: s.leg,
            from: s.from,
            to: s.to,
            meaning: s.meaning,
            entryId: s.entry.id,
          })),
        });
        return;
      case 'har':
        res.type('application/json').send(JSON.stringify(traceToHar(entries, steps), null, 2));
        return;
      case 'mermaid':
        res.type('text/plain').send(stepsToMermaid(steps));
        return;
      default:
        throw new AdminError(400, 'invalid_format', 'format must be json, har or mermaid');
    }
  });

  app.post('/_lab/flows', async (req, res) => {
    const user = (req.body as { user?: unknown } | undefined)?.user;
    if (typeof user !== 'string' || !lab.directory.user(user)) {
      throw new AdminError(
        400,
        'unknown_user',
        `body must be {"user": "<upn>"} naming a user of scenario ${lab.scenario.name}`,
      );
    }
    const run = await lab.runFlow(user);
    res.json({
      ok: run.ok,
      flow: run.flow,
      runId: run.runId,
      user: run.user,
      ...(run.error
        ? {
            failedStep: run.error.step,
            error: { reason: run.error.reason, message: run.error.message },
          }
        : {}),
      steps: run.steps.map((s) => ({
        step: s.step,
        leg: s.leg,
        from: s.from,
        to: s.to,
        meaning: s.meaning,
        entryId: s.entry.id,
      })),
      entries: run.entries,
    });
  });

  app.post('/_lab/users/:upn/password', (req, res) => {
    const upn = userOf(lab, req);
    const password = (req.body as { password?: unknown } | undefined)?.password;
    if (typeof password !== 'string' || password.length === 0)
      throw new AdminError(400, 'invalid_request', 'body must be {"password": "<new password>"}');
    lab.directory.changePassword(upn, password);
    res.json({ user: upn, passwordChangedAt: new Date(lab.clock.now()).toISOString() });
  });
  app.post('/_lab/users/:upn/revoke', (req, res) => {
    const upn = userOf(lab, req);
    lab.directory.revokeSessions(upn);
    res.json({ user: upn, sessionsRevokedAt: new Date(lab.clock.now()).toISOString() });
  });

  app.use((_req, _res, next) =>
    next(new AdminError(404, 'not_found', 'no such admin endpoint; see GET /_lab')),
  );
  app.use(jsonApiErrorHandler({ name: 'admin API', bodyLimit: ADMIN_BODY_LIMIT }));
  return app;
}

const ADMIN_BODY_LIMIT = '64kb';

class AdminError extends LabError {}

function userOf(lab: Lab, req: Request): string {
  const user = lab.directory.user(String(req.params.upn));
  if (!user)
    throw new AdminError(
      404,
      'unknown_user',
      `no user ${String(req.params.upn)} in scenario ${lab.scenario.name}`,
    );
  return user.upn;
}

/** The fault the path names, which must be in the catalogue (or on, to be switched off). */
function knownFault(lab: Lab, req: Request): string {
  const name = String(req.params.name);
  if (req.method === 'DELETE' && lab.faults.isOn(name)) return name;
  return catalogueFault(name).name;
}

function clockJson(lab: Lab): { now: number; iso: string } {
  return { now: lab.clock.now(), iso: new Date(lab.clock.now()).toISOString() };
}
