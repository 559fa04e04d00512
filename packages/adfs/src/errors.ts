import { LabError } from '@hma-lab/core';
import { NS } from './protocol/xml.js';

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

/** A SOAP fault subcode: the QName `a:<localName>`, `a` bound to `namespace`. */
export interface SoapSubcode {
  namespace: string;
  localName: string;
}

/** What a WS-Trust fault carries besides its reason text. */
export interface WsTrustFaultOptions {
  /** Why, for trace event `adfs.wstrust.failed` (`bad_password`, `unknown_relying_party`...). */
  failure: string;
  /** What the trace event records besides the failure (user name, relying party); never the password. */
  details?: Record<string, unknown>;
  /** The request's `wsa:MessageID`, answered in `a:RelatesTo`. */
  relatesTo?: string | undefined;
  cause?: unknown;
}

/**
 * Errors of AD FS's WS-Trust endpoints (`/adfs/services/trust/13|2005/usernamemixed`).
 * They render as the SOAP 1.2 faults AD FS's WCF stack sends: `s:Sender` (or
 * `s:Receiver`), a subcode, and the reason text; the error code is the
 * subcode's local name.
 */
export class WsTrustFault extends LabError {
  readonly subcode: SoapSubcode;
  /** Who is at fault: the request (`Sender`) or AD FS (`Receiver`). */
  readonly side: 'Sender' | 'Receiver';
  readonly failure: string;
  readonly details: Record<string, unknown>;
  readonly relatesTo: string | undefined;

  constructor(
    status: number,
    subcode: SoapSubcode,
    reason: string,
    options: WsTrustFaultOptions & { side?: 'Sender' | 'Receiver' },
  ) {
    super(status, subcode.localName, reason, { cause: options.cause });
    this.subcode = subcode;
    this.side = options.side ?? 'Sender';
    this.failure = options.failure;
    this.details = options.details ?? {};
    this.relatesTo = options.relatesTo;
  }
}

/**
 * The trust namespace AD FS qualifies its WS-Trust fault subcodes with
 * [observed: MSIS3127 answers carry `a:RequestFailed` in the 200512 namespace];
 * the lab uses it on both endpoints.
 */
const TRUST13_NS = NS.trust13;

/**
 * The UsernameToken did not authenticate: wrong password, unknown user, a user
 * of another farm's domain, a disabled account, or no credentials. AD FS gives
 * the same answer for every cause; the trace says which.
 */
export class WsTrustAuthenticationFault extends WsTrustFault {
  constructor(options: WsTrustFaultOptions) {
    super(
      500,
      { namespace: NS.wsse, localName: 'FailedAuthentication' },
      'ID3242: The security token could not be authenticated or authorized.',
      options,
    );
  }
}

/**
 * The request names a relying party AD FS has no trust for, or none: MSIS3127.
 * Also AD FS's answer to an unexpected error (`side: 'Receiver'`).
 */
export class WsTrustRequestFailedFault extends WsTrustFault {
  constructor(options: WsTrustFaultOptions & { side?: 'Sender' | 'Receiver' }) {
    super(
      500,
      { namespace: TRUST13_NS, localName: 'RequestFailed' },
      'MSIS3127: The specified request failed.',
      options,
    );
  }
}

/**
 * The message is not a WS-Trust request the endpoint can read: not XML, a
 * DOCTYPE, not a SOAP 1.2 envelope, no UsernameToken or RequestSecurityToken
 * (400), too large (413), or not a POST (405).
 */
export class WsTrustInvalidRequestFault extends WsTrustFault {
  constructor(
    detail: string,
    options: Omit<WsTrustFaultOptions, 'failure'> & { status?: number } = {},
  ) {
    super(
      options.status ?? 400,
      { namespace: TRUST13_NS, localName: 'InvalidRequest' },
      `The request was invalid or malformed: ${detail}`,
      { ...options, failure: 'invalid_request', details: { detail, ...options.details } },
    );
  }
}
