import type { FlowName } from '@hma-lab/core';

/**
 * A flow the device could not finish, with the FLOWS.md step where it stopped
 * and what the user (or the developer watching) would be told.
 */
export class DeviceFlowError extends Error {
  readonly flow: FlowName;
  /** The step of FLOWS.md at which the flow stopped. */
  readonly step: number;
  /** A stable reason code, e.g. `no-authorization-uri`, `sign-in-failed`, `provisioning-failed`. */
  readonly reason: string;
  /** What the server said, when it said something (status, AADSTS code, error body). */
  readonly detail?: Record<string, unknown>;

  constructor(
    flow: FlowName,
    step: number,
    reason: string,
    message: string,
    detail?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DeviceFlowError';
    this.flow = flow;
    this.step = step;
    this.reason = reason;
    if (detail) this.detail = detail;
  }
}
