// Errors of the ActiveSync wire library. They extend plain Error (this package depends on
// nothing but Node built-ins); a server maps them to its own protocol errors.

/**
 * Malformed, truncated or hostile WBXML (or XML given to fromXml), or an element tree the
 * encoder cannot express. `offset` is the byte offset in the input (decoding), the character
 * offset (fromXml) or the output length so far (encoding).
 */
export class WbxmlError extends Error {
  override readonly name = 'WbxmlError';
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(`${message} (at offset ${offset})`);
    this.offset = offset;
  }
}

/**
 * The encoder's refusal of a NUL character in text (an inline string is NUL-terminated,
 * MS-ASWBXML 2.1.2.1.3): unlike the other encoding errors, the text may have come from a
 * client, so a server can answer it as a protocol error rather than as its own fault.
 */
export class WbxmlNulTextError extends WbxmlError {
  /** The element whose text holds the NUL, e.g. `Email:Subject`. */
  readonly tag: string;
  constructor(tag: string, offset: number) {
    super(`text of ${tag} contains a NUL character`, offset);
    this.tag = tag;
  }
}

/** A request line (MS-ASHTTP 2.2.1.1.1) that cannot be parsed or built. */
export class EasQueryError extends Error {
  override readonly name = 'EasQueryError';
  /** The query field at fault, when one is ('Cmd', 'DeviceId', 'base64', ...). */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    if (field !== undefined) this.field = field;
  }
}

/**
 * A non-2xx HTTP answer to an EAS request: 401 (with its WWW-Authenticate and
 * x-ms-diagnostics headers), 403, 449, 451 (X-MS-Location), 503 ...
 */
export class EasHttpError extends Error {
  override readonly name = 'EasHttpError';
  readonly status: number;
  readonly headers: Headers;
  readonly body?: string;
  constructor(command: string, status: number, headers: Headers, body?: string) {
    const diagnostics = headers.get('x-ms-diagnostics');
    super(
      `ActiveSync ${command}: HTTP ${status}` +
        (diagnostics ? ` (x-ms-diagnostics: ${diagnostics})` : ''),
    );
    this.status = status;
    this.headers = headers;
    if (body !== undefined) this.body = body;
  }
}

/** An EAS command answered 200 with a Status other than success (MS-ASCMD 2.2.2). */
export class EasStatusError extends Error {
  override readonly name = 'EasStatusError';
  readonly command: string;
  readonly status: number;
  constructor(command: string, status: number, detail?: string) {
    super(`ActiveSync ${command}: Status ${status}` + (detail ? ` (${detail})` : ''));
    this.command = command;
    this.status = status;
  }
}
