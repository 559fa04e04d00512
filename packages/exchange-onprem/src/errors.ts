import { LabError, type Diagnostics } from '@hma-lab/core';

/**
 * The error families of on-premises Exchange. Handlers throw them; each
 * protocol's error middleware (`http/autodiscover-errors.ts`,
 * `http/activesync-errors.ts`) renders them exactly as Exchange answers.
 */

/**
 * AutoDiscover v2 (JSON) error: rendered as `{"ErrorCode","ErrorMessage"}`
 * with the HTTP status given (protocol-facts §2.4).
 */
export class AutodiscoverError extends LabError {
  constructor(status: number, errorCode: string, message: string, options?: { cause?: unknown }) {
    super(status, errorCode, message, options);
  }
}

export { diagnosticsHeader, type Diagnostics } from '@hma-lab/core';

/**
 * A refused or missing credential at the ActiveSync virtual directory: 401
 * with the `WWW-Authenticate` challenges. A rejected bearer token carries
 * `diagnostics` (the Bearer challenge then gains `error="invalid_token"`).
 */
export class ExchangeAuthError extends LabError {
  readonly diagnostics: Diagnostics | undefined;
  /** Whether the `Basic realm` challenge is offered (vdir setting and auth policy). */
  readonly offerBasic: boolean;

  constructor(
    message: string,
    options: {
      diagnostics?: Diagnostics;
      offerBasic?: boolean;
      status?: number;
      cause?: unknown;
    } = {},
  ) {
    super(options.status ?? 401, options.diagnostics?.code ?? 'unauthorized', message, {
      cause: options.cause,
    });
    this.diagnostics = options.diagnostics;
    this.offerBasic = options.offerBasic ?? true;
  }
}

/**
 * An ActiveSync answer that is only an HTTP status and headers (MS-ASHTTP
 * 2.2.2.1.1): 400, 403, 449, 451 (`X-MS-Location`), 501, 503 (`Retry-After`)...
 * Rendered with an empty body unless `body` is given.
 */
export class EasHttpError extends LabError {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { contentType: string; text: string } | undefined;

  constructor(
    status: number,
    code: string,
    message: string,
    options: {
      headers?: Record<string, string>;
      body?: { contentType: string; text: string };
      cause?: unknown;
    } = {},
  ) {
    super(status, code, message, { cause: options.cause });
    this.headers = options.headers ?? {};
    this.body = options.body;
  }
}

/**
 * A command-level failure answered with HTTP 200 and a `Status` element
 * inside the command's own root element (MS-ASCMD 2.2.2, e.g.
 * `<FolderSync><Status>9</Status></FolderSync>`).
 */
export class EasStatusError extends LabError {
  /** The ActiveSync `Status` value (e.g. 129, 142, 9). */
  readonly easStatus: number;
  /** Extra children placed after `Status` (e.g. Ping's `Limit`). */
  readonly extra: ReadonlyArray<{ tag: string; text: string }>;

  constructor(
    easStatus: number,
    message: string,
    options: { extra?: Array<{ tag: string; text: string }>; cause?: unknown } = {},
  ) {
    super(200, String(easStatus), message, { cause: options.cause });
    this.easStatus = easStatus;
    this.extra = options.extra ?? [];
  }
}
