import type { Request, RequestHandler, Response } from 'express';
import {
  InvalidRequestError,
  ScenarioSwitchUnavailableError,
  UnknownScenarioError,
} from '../errors.js';
import type { TrainerSession } from './session.js';
import { stateOf } from './state-endpoint.js';

/**
 * `POST /_ui/api/scenario` `{"name":"managed-phs"}`: replaces the lab with one
 * of another scenario (or a fresh one of the same: "restart"); answers the
 * new state.
 */
export function scenarioEndpoint(session: TrainerSession): RequestHandler {
  return async function switchScenario(req: Request, res: Response) {
    const name = (req.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || name.length === 0) {
      throw new InvalidRequestError('body must be {"name": "<scenario>"}');
    }
    if (!session.options.scenarios.includes(name)) {
      throw new UnknownScenarioError(name, session.options.scenarios);
    }
    const switcher = session.options.switchScenario;
    if (!switcher) throw new ScenarioSwitchUnavailableError();
    await session.exclusive(`starting scenario ${name}`, async () => {
      await switcher(name);
    });
    const state = stateOf(session);
    session.hub.broadcast('lab', { scenario: state.scenario.name, serial: state.labSerial });
    res.json(state);
  };
}
