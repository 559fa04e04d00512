import type { Request, RequestHandler, Response } from 'express';
import { catalogueFault, faultParamsOf } from '@hma-lab/core';
import type { TrainerSession } from './session.js';

function knownFault(req: Request): string {
  return catalogueFault(String(req.params.name)).name;
}

/** `PUT /_ui/api/faults/:name` `{params}`: switches a catalogue fault on. */
export function faultOnEndpoint(session: TrainerSession): RequestHandler {
  return function switchFaultOn(req: Request, res: Response) {
    const lab = session.lab();
    const name = knownFault(req);
    lab.faults.on(name, faultParamsOf(req.body));
    session.hub.broadcast('state', { faults: lab.faults.active() });
    res.json({ active: lab.faults.active() });
  };
}

/** `DELETE /_ui/api/faults/:name`: switches it off. */
export function faultOffEndpoint(session: TrainerSession): RequestHandler {
  return function switchFaultOff(req: Request, res: Response) {
    const lab = session.lab();
    lab.faults.off(knownFault(req));
    session.hub.broadcast('state', { faults: lab.faults.active() });
    res.json({ active: lab.faults.active() });
  };
}
