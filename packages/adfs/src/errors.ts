import { LabError } from '@hma-lab/core';

/**
 * AD FS errors. The browser sees AD FS's generic error page ("An error
 * occurred", with an activity id); the MSIS message is what AD FS writes to its
 * event log (event 364) for the same failure.
 */
export class AdfsError extends LabError {
  /** The MSIS message id, e.g. `MSIS7007`. */
  readonly msisCode: string;
  /** The relying party the request named, shown under "Error details". */
  readonly relyingParty: string | undefined;

  constructor(
    status: number,
    msisCode: string,
    message: string,
    options?: { cause?: unknown; relyingParty?: string },
  ) {
    super(status, msisCode, `${msisCode}: ${message}`, options);
    this.msisCode = msisCode;
    this.relyingParty = options?.relyingParty;
  }
}

/** The request is not a WS-Federation passive request AD FS understands (`wa` missing or unknown). */
export class NonCompliantRequestError extends AdfsError {
  constructor(detail?: string) {
    super(
      400,
      'MSIS7000',
      'The sign in request is not compliant to the WS-Federation language for web browser clients or the SAML 2.0 protocol WebSSO profile.' +
        (detail ? ` ${detail}` : ''),
    );
  }
}

/** `wtrealm` names no relying party trust of this farm. */
export class UnsupportedRelyingPartyError extends AdfsError {
  constructor(relyingParty: string) {
    super(
      400,
      'MSIS7007',
      `The requested relying party trust '${relyingParty}' is unspecified or unsupported. If a relying party trust was specified, it is possible that you do not have permission to access the trust relying party. Contact your administrator for details.`,
      { relyingParty },
    );
  }
}

/** The same browser session asked for too many tokens too fast (loop detection). */
export class LoopDetectedError extends AdfsError {
  constructor(requests: number, seconds: number, relyingParty: string) {
    super(
      400,
      'MSIS7042',
      `The same client browser session has made '${requests}' requests in the last '${seconds}' seconds. Contact your administrator for details.`,
      { relyingParty },
    );
  }
}

/** A path AD FS has no handler for (http.sys answers 404). */
export class AdfsNotFoundError extends LabError {
  constructor() {
    super(404, 'not_found', 'The requested resource is not found.');
  }
}

/** Errors of the Web Application Proxy, rendered as plain http.sys-style pages. */
export class WapError extends LabError {}

/** A path the proxy does not publish. */
export class NotPublishedError extends WapError {
  constructor() {
    super(404, 'not_found', 'The requested resource is not found.');
  }
}

/** A method the proxy does not pass on (TRACE, TRACK, CONNECT): 501, as http.sys answers. */
export class MethodNotImplementedError extends WapError {
  constructor(method: string) {
    super(501, 'not_implemented', `The request method ${method} is not supported.`);
  }
}

/** The AD FS backend could not be reached. */
export class BackendUnavailableError extends WapError {
  constructor(backendHost: string, options?: { cause?: unknown }) {
    super(503, 'service_unavailable', `The service is unavailable (${backendHost}).`, options);
  }
}

/** The AD FS backend answered, but its answer could not be read. */
export class BadGatewayError extends WapError {
  constructor(backendHost: string, options?: { cause?: unknown }) {
    super(
      502,
      'bad_gateway',
      `The backend returned an invalid response (${backendHost}).`,
      options,
    );
  }
}

/** Why a SAML assertion was refused by {@link verifySamlAssertion}. */
export type SamlVerificationFailure =
  | 'malformed'
  | 'no_assertion'
  | 'multiple_assertions'
  | 'no_signature'
  | 'bad_signature'
  | 'audience'
  | 'not_yet_valid'
  | 'expired'
  | 'issuer';

/**
 * A SAML assertion failed verification. Relying parties (entra) catch it and
 * answer in their own protocol's shape; `reason` says what failed.
 */
export class SamlVerificationError extends LabError {
  readonly reason: SamlVerificationFailure;

  constructor(reason: SamlVerificationFailure, message: string, options?: { cause?: unknown }) {
    super(400, `saml_${reason}`, message, options);
    this.reason = reason;
  }
}
