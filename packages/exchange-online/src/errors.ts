import { LabError } from '@hma-lab/core';

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

/** One `x-ms-diagnostics` value (protocol-facts §1.3). */
export interface Diagnostics {
  code: string;
  reason: string;
  category: string;
}

export function diagnosticsHeader(d: Diagnostics): string {
  return `${d.code};reason="${d.reason.replaceAll('"', "'")}";error_category="${d.category}"`;
}

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

/**
 * The 4xx status of an error thrown by express itself or its body/param
 * handling (http-errors style: a malformed `%ZZ` in a path is a 400), so it
 * is rendered as the caller's mistake, not as a 500.
 */
export function clientErrorStatus(error: unknown): number | undefined {
  if (error instanceof LabError) return error.expose ? error.status : undefined;
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * Error middleware placed before the protocol renderers: an express-level 4xx
 * (undecodable path parameter...) becomes a {@link LabError}, so it is rendered
 * as the caller's mistake and not logged as a bug.
 */
export function clientErrorsAsLabErrors(
  error: unknown,
  _req: unknown,
  _res: unknown,
  next: (error: unknown) => void,
): void {
  const status = error instanceof LabError ? undefined : clientErrorStatus(error);
  next(
    status === undefined
      ? error
      : new LabError(status, 'bad_request', (error as Error).message, { cause: error }),
  );
}
