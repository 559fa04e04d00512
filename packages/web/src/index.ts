/**
 * @hma-lab/web: the trainer's view. A page that draws a lab's flow as a live,
 * steppable sequence diagram (lanes for the cast, arrows numbered with the
 * FLOWS.md steps), shows each step's request, answer and decoded tokens, and
 * drives the lab: users, scenarios, faults, the clock, exports.
 *
 * @example
 * ```ts
 * import { createTrainerUi } from '@hma-lab/web';
 * const ui = createTrainerUi({ lab: () => lab });
 * adminApp.use('/ui', ui); // the page at /ui/, its API at /ui/_ui/api/
 * ```
 */
import type express from 'express';
import { createTrainerUi as create, TRAINER_API_PREFIX } from './create-trainer-ui.js';
import type { TrainerUiOptions } from './config.js';

export type { TrainerUiOptions } from './config.js';
export type { TrainerLab, TrainerFlowRun } from './trainer-lab.js';
export type { RunView, SegmentView, RowView } from './protocol/run-view.js';
export type { TokenView, TokenUse, TokenFamily } from './protocol/tokens.js';
export type { RunSummary, StopPoint, FaultMark } from './protocol/run-record.js';
export { stepExplanation } from './protocol/explanations.js';
export {
  TrainerUiError,
  InvalidRequestError,
  UnsupportedMediaTypeError,
  UnknownUserError,
  UnknownScenarioError,
  UnknownRunError,
  UnknownEntryError,
  BusyError,
  ScenarioSwitchUnavailableError,
  NotFoundError,
} from './errors.js';

/**
 * Where the page's JSON API lives, relative to where the app is mounted.
 *
 * @example
 * ```ts
 * await fetch(`${uiUrl}${TRAINER_API_PREFIX.slice(1)}/state`); // uiUrl ends in '/'
 * ```
 */
export { TRAINER_API_PREFIX };

/**
 * The trainer UI as an express app: the page at `/` (plain ES modules from
 * `packages/web/ui`, nothing loaded from elsewhere) and its JSON API under
 * `/_ui/api` (state, runs and their views, trace entries, faults, clock,
 * scenario switch, exports, and a Server-Sent Events stream fed by
 * `trace.subscribe()`). Mount it anywhere; it keeps no module-level state, so
 * two UIs can serve two labs in one process.
 *
 * @example
 * ```ts
 * const lab = await createLab({ mode: 'loopback' });
 * const ui = createTrainerUi({
 *   lab: () => current,
 *   switchScenario: async (name) => {
 *     const next = await createLab({ mode: 'loopback', scenario: name });
 *     await current.close();
 *     return (current = next);
 *   },
 * });
 * const server = ui.listen(0, '127.0.0.1');
 * ```
 * @see docs/flows.md for the step numbers the diagram uses
 */
export function createTrainerUi(options: TrainerUiOptions): express.Express {
  return create(options);
}
/** The catalogue's unknown-fault error (404 `unknown_fault`), which the faults endpoints throw. */
export { UnknownFaultError } from '@hma-lab/core';
