/**
 * The base of every error hma-lab throws on purpose. Each protocol has its own
 * subclass family (Entra's AADSTS JSON, AutoDiscover's `{ErrorCode, ErrorMessage}`,
 * Exchange's 401 challenge, ActiveSync statuses) and its own error middleware that
 * renders it exactly as the real service would. Handlers throw; middleware writes.
 */
export class LabError extends Error {
  /** HTTP status the protocol answers with. */
  readonly status: number;
  /** Whether the message may be shown to the caller (`status < 500`). */
  readonly expose: boolean;
  /** A stable, machine-readable code (`invalid_grant`, `2000003`, `InvalidProtocol`...). */
  readonly code: string;

  constructor(status: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
    this.expose = status < 500;
  }
}

/** Raised by the body reader: the request body is not what its Content-Type says. */
export class MalformedBodyError extends LabError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(400, 'malformed_body', message, options);
  }
}

/** Raised by the body reader when a request body exceeds the service's limit. */
export class BodyTooLargeError extends LabError {
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(413, 'body_too_large', `request body exceeds ${limitBytes} bytes`);
    this.limitBytes = limitBytes;
  }
}

/** True for errors hma-lab threw on purpose (as opposed to bugs). */
export function isLabError(error: unknown): error is LabError {
  return error instanceof LabError;
}
