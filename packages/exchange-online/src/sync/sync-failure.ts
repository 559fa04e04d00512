import { EasHttpError, EasStatusError } from '@hma-lab/activesync';
import { MAX_RETRY_AFTER_S } from '@hma-lab/core';

/**
 * Why a sync with on-prem ActiveSync failed, in the terms the account
 * scheduler acts on:
 * - `unauthorized`: on-prem refused AT2 (401; `x-ms-diagnostics` says why);
 * - `forbidden`: the device or user is blocked (403, Status 126/129/130/131...);
 * - `unavailable`: unreachable, 5xx, 503 with Retry-After: retry with backoff;
 * - `error`: anything else (a protocol error): stop and report.
 */
export type SyncFailureKind = 'unauthorized' | 'forbidden' | 'unavailable' | 'error';

export class SyncFailure extends Error {
  override readonly name = 'SyncFailure';
  readonly kind: SyncFailureKind;
  readonly status?: number;
  readonly diagnostics?: string;
  readonly retryAfterS?: number;

  constructor(
    kind: SyncFailureKind,
    message: string,
    detail: { status?: number; diagnostics?: string; retryAfterS?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: detail.cause });
    this.kind = kind;
    if (detail.status !== undefined) this.status = detail.status;
    if (detail.diagnostics !== undefined) this.diagnostics = detail.diagnostics;
    if (detail.retryAfterS !== undefined) this.retryAfterS = detail.retryAfterS;
  }
}

const BLOCKED_STATUSES = new Set([126, 129, 130, 131, 139, 141, 145, 177]);
const SERVER_STATUSES = new Set([110, 111, 112, 113]);

/** Classifies whatever the ActiveSync client threw. */
export function syncFailureFrom(error: unknown): SyncFailure {
  if (error instanceof SyncFailure) return error;
  if (error instanceof EasHttpError) {
    const diagnostics = error.headers.get('x-ms-diagnostics') ?? undefined;
    const retryAfter = Number(error.headers.get('retry-after'));
    const detail = {
      status: error.status,
      ...(diagnostics ? { diagnostics } : {}),
      // Heeded up to a day, whatever the server asks (any finite number went
      // into the account's next sync time, and far enough out that was no date).
      ...(Number.isFinite(retryAfter) && retryAfter > 0
        ? { retryAfterS: Math.min(retryAfter, MAX_RETRY_AFTER_S) }
        : {}),
      cause: error,
    };
    if (error.status === 401) return new SyncFailure('unauthorized', error.message, detail);
    if (error.status === 403 || error.status === 456) {
      return new SyncFailure('forbidden', error.message, detail);
    }
    if (error.status >= 500 || error.status === 429) {
      return new SyncFailure('unavailable', error.message, detail);
    }
    return new SyncFailure('error', error.message, detail);
  }
  if (error instanceof EasStatusError) {
    const detail = { status: error.status, cause: error };
    if (BLOCKED_STATUSES.has(error.status))
      return new SyncFailure('forbidden', error.message, detail);
    if (SERVER_STATUSES.has(error.status)) {
      return new SyncFailure('unavailable', error.message, detail);
    }
    return new SyncFailure('error', error.message, detail);
  }
  const code = (error as { cause?: { code?: string } } | undefined)?.cause?.code;
  if (error instanceof TypeError && code) {
    return new SyncFailure('unavailable', `on-premises ActiveSync could not be reached (${code})`, {
      cause: error,
    });
  }
  return new SyncFailure('error', (error as Error)?.message ?? String(error), { cause: error });
}

/**
 * AT2 could not be renewed with RT2 while a sync needed it: `refused` when
 * Entra said no (the account then asks the user to sign in again),
 * otherwise Entra was unavailable.
 */
export class TokenRenewalFailed extends SyncFailure {
  readonly refused: boolean;
  readonly aadsts?: number;
  constructor(refused: boolean, message: string, aadsts?: number, cause?: unknown) {
    super(refused ? 'unauthorized' : 'unavailable', message, { cause });
    this.refused = refused;
    if (aadsts !== undefined) this.aadsts = aadsts;
  }
}
