import { LabError } from '@hma-lab/core';

/**
 * Errors of the AutoDetect service. The real service's error bodies are not
 * public; the lab answers `{ "error": { "code", "message" } }` (see README).
 */
export class AutodetectError extends LabError {}

/** Neither `x-email` nor `Authorization: Basic base64(<address>)` was sent. */
export class MissingEmailError extends AutodetectError {
  constructor() {
    super(
      400,
      'MissingEmail',
      'send the address in an x-email header or as Authorization: Basic base64(<address>)',
    );
  }
}

/** The address sent is not an e-mail address. */
export class InvalidEmailError extends AutodetectError {
  constructor(value: string) {
    super(400, 'InvalidEmail', `"${value.slice(0, 100)}" is not an e-mail address`);
  }
}

/** AutoDetect itself cannot answer now (fault, or Exchange Online unreachable). */
export class AutodetectUnavailableError extends AutodetectError {
  constructor(message: string) {
    super(503, 'ServiceUnavailable', message);
  }
}

/** No such endpoint. */
export class AutodetectNotFoundError extends AutodetectError {
  constructor(path: string) {
    super(404, 'NotFound', `no endpoint ${path.slice(0, 200)}`);
  }
}
