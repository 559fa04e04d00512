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

/**
 * The 4xx status of an error that is the caller's mistake: a {@link LabError}
 * the caller may see, or an error thrown by express itself or its router
 * (http-errors style: a path parameter that does not percent-decode is a 400).
 */
export function clientErrorStatus(error: unknown): number | undefined {
  if (error instanceof LabError) return error.expose ? error.status : undefined;
  const status =
    (error as { status?: unknown; statusCode?: unknown } | null)?.status ??
    (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/**
 * The error as the protocol renderers take it: an express-level 4xx becomes a
 * {@link LabError} (code `bad_request`), so it is answered as the caller's
 * mistake in the protocol's shape and not logged as a bug; anything else is
 * returned as it is.
 */
export function asLabError(error: unknown): unknown {
  if (error instanceof LabError) return error;
  const status = clientErrorStatus(error);
  if (status === undefined) return error;
  return new LabError(status, 'bad_request', (error as Error).message, { cause: error });
}

/** One `x-ms-diagnostics` value of Exchange's 401 (protocol-facts §1.3). */
export interface Diagnostics {
  code: string;
  reason: string;
  category: string;
}

/**
 * The text of an `x-ms-diagnostics` header:
 * `<code>;reason="<reason>";error_category="<category>"`. A reason may quote
 * what a token claimed, so it is made fit for a header: a `"` becomes `'`
 * (it would end the quoted string), and a character a header cannot carry (a
 * control character, anything beyond Latin-1) becomes `?`, instead of making
 * node refuse the header and the 401 a 500.
 */
export function diagnosticsHeader(d: Diagnostics): string {
  const reason = d.reason.replaceAll('"', "'");
  return `${d.code};reason="${headerSafe(reason)}";error_category="${headerSafe(d.category)}"`;
}

/** `text` with every character an HTTP header value may not hold replaced by `?`. */
export function headerSafe(text: string): string {
  return text.replace(HEADER_UNSAFE, '?');
}

const HEADER_UNSAFE = /[^\t\x20-\x7e\x80-\xff]/g;
