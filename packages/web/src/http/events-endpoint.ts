import type { Request, RequestHandler, Response } from 'express';
import type { TrainerSession } from './session.js';

/**
 * `GET /_ui/api/events`: the live-update stream (Server-Sent Events). Events:
 * `entry` (a trace entry completed), `run` (a run started or ended), `state`
 * (faults, clock or busy changed), `lab` (another lab, after a scenario switch).
 */
export function eventsEndpoint(session: TrainerSession): RequestHandler {
  return function streamEvents(_req: Request, res: Response) {
    session.lab();
    session.hub.attach(res);
  };
}
