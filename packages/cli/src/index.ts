/** @hma-lab/cli: the `hma-lab` command, also callable in-process (tests use `main`). */
export { main } from './main.js';
export { flowCommand, runToJson } from './flow-command.js';
export type { FlowCommandOptions, Output } from './flow-command.js';
export { upCommand } from './up-command.js';
export type { UpCommandOptions } from './up-command.js';
export { checkCommand } from './check-command.js';
export type { CheckOptions, CheckResult } from './check-command.js';
