import type { Request, RequestHandler, Response } from 'express';
import { faultDefinition } from '@hma-lab/core';
import { InvalidRequestError, UnknownFaultError } from '../errors.js';
import type { TrainerSession } from './session.js';

function knownFault(req: Request): string {
  const name = String(req.params.name);
  if (!faultDefinition(name)) throw new UnknownFaultError(name);
  return name;
}

/** `PUT /_ui/api/faults/:name` `{params}`: switches a catalogue fault on. */
export function faultOnEndpoint(session: TrainerSession): RequestHandler {
  return function switchFaultOn(req: Request, res: Response) {
    const lab = session.lab();
    const name = knownFault(req);
    const params: unknown = req.body ?? {};
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw new InvalidRequestError('the body must be a JSON object of fault parameters');
    }
    lab.faults.on(name, params as Record<string, unknown>);
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
