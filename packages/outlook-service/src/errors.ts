import { LabError } from '@hma-lab/core';

/**
 * The errors of the Outlook cloud service's device API. Outlook's real
 * protocol to its cloud is private; the lab answers in the shape of its
 * Exchange Online client data API (docs/flow-map.md):
 * `{"error":{"code","message","step"?,"reason"?}}`, where `step` is the flow C
 * step that failed.
 */
export class OutlookServiceError extends LabError {
  /** The flow C step at which the request failed, when the service knows it. */
  readonly step: number | undefined;
  /** A finer reason (`device-blocked`, `basic-auth-blocked`...) where one code covers several. */
  readonly reason: string | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: { step?: number; reason?: string; cause?: unknown } = {},
  ) {
    super(status, code, message, { cause: options.cause });
    this.step = options.step;
    this.reason = options.reason;
  }
}

/** 400: a field is missing or malformed (the device's request, step 2 or 6). */
export class InvalidRequestError extends OutlookServiceError {
  constructor(message: string, step?: number) {
    super(400, 'InvalidRequest', message, step !== undefined ? { step } : {});
  }
}

/** 404: no such account (never created, deleted, or flushed by the weekly job). */
export class AccountNotFoundError extends OutlookServiceError {
  constructor(accountId: string) {
    super(404, 'AccountNotFound', `no account ${accountId}: set it up again`, { step: 12 });
  }
}

/** 401: the device key does not open the stored ciphertext (AES-GCM authentication failed). */
export class DeviceKeyRejectedError extends OutlookServiceError {
  constructor() {
    super(401, 'DeviceKeyRejected', 'the device key does not match this account', { step: 7 });
  }
}

/**
 * Exchange refused the service's connection on the user's behalf:
 * 401 `InvalidCredentials` (user name or password wrong) or
 * 403 `ExchangeRefused` (device access rule, authentication policy, ActiveSync
 * disabled). At sign-in the credentials are dropped at once (step 4).
 */
export class ExchangeRefusedError extends OutlookServiceError {
  constructor(
    status: 401 | 403,
    message: string,
    options: { step: number; reason: string; cause?: unknown },
  ) {
    super(status, status === 401 ? 'InvalidCredentials' : 'ExchangeRefused', message, options);
  }
}

/**
 * 502 / 503: Exchange could not be reached (`ExchangeUnreachable`), answered
 * in a way the service cannot use (`ExchangeProtocolError`: a 451 for a
 * mailbox served elsewhere, no common ActiveSync version...), or is
 * unavailable (`ExchangeUnavailable`, 503). Nothing is dropped for these.
 */
export class ExchangeUnavailableError extends OutlookServiceError {
  constructor(
    status: 502 | 503,
    code: 'ExchangeUnreachable' | 'ExchangeProtocolError' | 'ExchangeUnavailable',
    message: string,
    options: { step: number; reason?: string; cause?: unknown },
  ) {
    super(status, code, message, options);
  }
}
