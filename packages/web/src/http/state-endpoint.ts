import type { Request, RequestHandler, Response } from 'express';
import {
  BUILT_IN_SCENARIOS,
  FAULT_CATALOGUE,
  SEQUENCE_LANES,
  flowDefinition,
  type FlowName,
} from '@hma-lab/core';
import { flowExplanations } from '../protocol/explanations.js';
import type { TrainerLab } from '../trainer-lab.js';
import type { TrainerSession } from './session.js';

const FLOWS: readonly FlowName[] = ['A', 'B', 'C'];

/** The flow a user's run takes: B for a cloud mailbox, A otherwise; C on the basic path. */
export function predictedFlow(lab: TrainerLab, upn: string, path: 'hma' | 'basic'): FlowName {
  if (path === 'basic') return 'C';
  return lab.directory.user(upn)?.mailbox?.location === 'exo' ? 'B' : 'A';
}

/** Everything the page needs to draw its controls. */
export function stateOf(session: TrainerSession) {
  const lab = session.lab();
  const memory = session.memory(lab);
  return {
    scenario: { name: lab.scenario.name, description: lab.scenario.description ?? '' },
    /** Which lab this is: the page forgets what it showed only when this changes. */
    labSerial: memory.serial,
    scenarios: session.options.scenarios.map((name) => ({
      name,
      description: BUILT_IN_SCENARIOS[name]?.description ?? '',
    })),
    canSwitchScenario: session.options.switchScenario !== undefined,
    users: lab.directory.users().map((u) => ({
      upn: u.upn,
      displayName: u.displayName,
      mailbox: u.mailbox?.location ?? 'none',
      ...(u.mailbox?.exchangeVersion ? { exchangeVersion: u.mailbox.exchangeVersion } : {}),
      authentication: lab.directory.domainOf(u.upn)?.authentication ?? 'unknown',
      mfa: u.mfa !== undefined,
      flow: predictedFlow(lab, u.upn, 'hma'),
    })),
    clock: { nowMs: lab.clock.now(), iso: new Date(lab.clock.now()).toISOString() },
    faults: { catalogue: FAULT_CATALOGUE, active: lab.faults.active() },
    flows: Object.fromEntries(
      FLOWS.map((flow) => {
        const { title, meanings } = flowDefinition(flow);
        return [flow, { title, meanings, explanations: flowExplanations(flow) }];
      }),
    ),
    lanes: SEQUENCE_LANES,
    runs: memory.runs,
    busy: session.busy() ?? null,
  };
}

/** `GET /_ui/api/state` */
export function stateEndpoint(session: TrainerSession): RequestHandler {
  return function getState(_req: Request, res: Response) {
    res.json(stateOf(session));
  };
}
