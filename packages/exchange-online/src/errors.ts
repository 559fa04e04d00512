import { LabError, type Diagnostics } from '@hma-lab/core';

/**
 * The error families of Exchange Online. Handlers throw; each protocol's
 * middleware renders: AutoDiscover v2 as `{"ErrorCode","ErrorMessage"}`, the
 * HMA client API as `{"error":{"code","message","step"?,"aadsts"?}}`
 * (docs/flow-map.md), ActiveSync as a status with headers.
 */

/** AutoDiscover v2 error: `{"ErrorCode","ErrorMessage"}` (protocol-facts §2.4). */
export class AutodiscoverError extends LabError {}

/** Extra fields the HMA API error body may carry. */
export interface HmaErrorDetail {
  /** The FLOWS.md step that failed, when Exchange Online knows it. */
  step?: number;
  /** The AADSTS number Entra answered with (on-behalf-of, refresh). */
  aadsts?: number;
  [key: string]: unknown;
}

/** Error of the HMA client API (provisioning, account, mailbox data). */
export class HmaApiError extends LabError {
  readonly detail: HmaErrorDetail;
  readonly headers: Record<string, string>;
  constructor(
    status: number,
    code: string,
    message: string,
    options: { detail?: HmaErrorDetail; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(status, code, message, { cause: options.cause });
    this.detail = options.detail ?? {};
    this.headers = options.headers ?? {};
  }
}

export { diagnosticsHeader, type Diagnostics } from '@hma-lab/core';

/**
 * A bearer token Exchange Online refuses (AT1 at the client API, any token at
 * its ActiveSync endpoint): 401 with the Bearer challenge and
 * `error="invalid_token"` when a token was presented.
 */
export class InvalidTokenError extends LabError {
  readonly diagnostics: Diagnostics | undefined;
  /** False when no token was sent at all (the challenge then has no `error=`). */
  readonly tokenPresented: boolean;
  constructor(message: string, diagnostics?: Diagnostics, tokenPresented = true) {
    super(401, diagnostics?.code ?? 'invalid_token', message);
    this.diagnostics = diagnostics;
    this.tokenPresented = tokenPresented;
  }
}

/** An ActiveSync answer that is only a status (MS-ASHTTP 2.2.2.1.1): 400, 403, 501... */
export class ActiveSyncHttpError extends LabError {}
