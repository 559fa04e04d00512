import { LabError } from '@hma-lab/core';

/**
 * Entra's errors: every AADSTS code the mock emits, with the OAuth `error`
 * string, HTTP status, where it surfaces (JSON body, error page, or an error
 * redirect to the client), when it happens and what a client should do.
 * `docs/errors.md` is written from {@link ENTRA_ERRORS}; a drift test keeps
 * the two together.
 *
 * @see https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export interface EntraErrorInfo {
  /** The AADSTS number (`50011` for AADSTS50011). */
  readonly code: number;
  /** The OAuth `error` value it is sent with by default (pages show the code only). */
  readonly error: string;
  /** HTTP status of a JSON error body or an error page. */
  readonly status: number;
  /** Where the client meets it. */
  readonly surfaces: ReadonlyArray<'json' | 'page' | 'redirect'>;
  /** The default message (after `AADSTSnnnnn: `). Throw sites may give a more specific one. */
  readonly message: string;
  /** When the lab emits it. */
  readonly when: string;
  /** What a client (or the person in front of it) should do. */
  readonly clientAction: string;
}

const E = <const T extends readonly EntraErrorInfo[]>(rows: T): T => rows;

/** Every AADSTS code the mock Entra emits. */
export const ENTRA_ERRORS = E([
  {
    code: 9002313,
    error: 'invalid_request',
    status: 400,
    surfaces: ['json'],
    message: 'Invalid request. Request is malformed or invalid.',
    when: 'A body that cannot be read (bad JSON, too large), or a code/refresh token that is not in the lab format.',
    clientAction: 'Fix the request; for tokens, start a new sign-in.',
  },
  {
    code: 900144,
    error: 'invalid_request',
    status: 400,
    surfaces: ['json', 'page', 'redirect'],
    message: "The request body must contain the following parameter: '{name}'.",
    when: 'A required parameter is missing (client_id, grant_type, code, assertion, ...).',
    clientAction: 'Send the parameter.',
  },
  {
    code: 900561,
    error: 'invalid_request',
    status: 400,
    surfaces: ['json'],
    message: 'The endpoint only accepts POST requests. Received a {method} request.',
    when: 'GET (or another method) on the token or device code endpoint.',
    clientAction: 'POST the form.',
  },
  {
    code: 90002,
    error: 'invalid_tenant',
    status: 400,
    surfaces: ['json', 'page'],
    message:
      "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.",
    when: 'The {tenant} path segment is not the tenant id, one of its domains, common or organizations.',
    clientAction: 'Use the tenant id, a verified domain, common or organizations.',
  },
  {
    code: 50049,
    error: 'invalid_instance',
    status: 400,
    surfaces: ['json'],
    message: 'Unknown or invalid instance.',
    when: 'Instance discovery for an authorization endpoint whose host is not one of the lab entra host names.',
    clientAction: 'Use an authority on one of the lab entra hosts.',
  },
  {
    code: 700016,
    error: 'unauthorized_client',
    status: 400,
    surfaces: ['json', 'page'],
    message:
      "Application with identifier '{clientId}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
    when: 'Unknown client_id (authorize shows an error page and never redirects).',
    clientAction: 'Register the app in the scenario or fix client_id.',
  },
  {
    code: 50011,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page'],
    message:
      "The redirect URI '{redirectUri}' specified in the request does not match the redirect URIs configured for the application '{clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.",
    when: 'Authorize with a redirect_uri not registered for the app (exact match; http://localhost and 127.0.0.1 with any port). Never redirected to.',
    clientAction: 'Register the redirect URI or send a registered one.',
  },
  {
    code: 500113,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page'],
    message: 'No reply address is registered for the application.',
    when: 'Authorize without redirect_uri for an app with no registered redirect URI.',
    clientAction: 'Register a redirect URI.',
  },
  {
    code: 700054,
    error: 'unsupported_response_type',
    status: 400,
    surfaces: ['redirect'],
    message: "response_type '{responseType}' is not enabled for the application.",
    when: 'response_type other than code.',
    clientAction: 'Use response_type=code (with PKCE).',
  },
  {
    code: 70007,
    error: 'invalid_request',
    status: 400,
    surfaces: ['redirect'],
    message: "The application returned an unsupported value '{mode}' of response_mode.",
    when: 'response_mode other than query, fragment or form_post.',
    clientAction: 'Use query, fragment or form_post.',
  },
  {
    code: 501491,
    error: 'invalid_request',
    status: 400,
    surfaces: ['redirect'],
    message: 'Invalid size of Code_Challenge parameter.',
    when: 'code_challenge of the wrong length (S256: 43 characters; plain: 43-128), or an unknown code_challenge_method.',
    clientAction: 'Send a valid PKCE challenge.',
  },
  {
    code: 50058,
    error: 'login_required',
    status: 400,
    surfaces: ['redirect'],
    message: 'A silent sign-in request was sent but no user is signed in.',
    when: 'prompt=none without a valid session cookie (none, expired, revoked, user disabled).',
    clientAction: 'Send an interactive authorize request.',
  },
  {
    code: 50089,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['page'],
    message: 'Flow token expired - Authentication Failed. Have the user try signing-in again.',
    when: 'A sign-in form post (login, MFA, consent, WS-Federation return) whose ctx/flowToken is unknown, used up or expired.',
    clientAction: 'Start again at /authorize.',
  },
  {
    code: 50034,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['page', 'json'],
    message:
      'The user account {upn} does not exist in the {tenant} directory. To sign into this application, the account must be added to the directory.',
    when: 'Sign-in page or ROPC with a user (or domain) the directory does not have.',
    clientAction: 'Check the user name.',
  },
  {
    code: 50126,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'Error validating credentials due to invalid username or password.',
    when: 'Wrong password on the password page (the page is shown again, no code); ROPC with a wrong password, or for a federated user (Entra does not take the passwords of federated users: clients sign in at AD FS over WS-Trust and redeem the assertion with the SAML bearer grant).',
    clientAction:
      'Ask for the password again; for federated users, WS-Trust at AD FS and the SAML bearer grant (as MSAL does), or an interactive flow.',
  },
  {
    code: 50057,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'The user account is disabled.',
    when: 'A disabled user signs in, redeems a code or refresh token, or is the subject of an on-behalf-of assertion.',
    clientAction: 'Nothing: an administrator must enable the account.',
  },
  {
    code: 20012,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page'],
    message: 'The WS-Federation message is invalid: {reason}.',
    when: 'POST /login.srf without wa=wsignin1.0, without wresult/wctx, or with a wresult that is not a WS-Trust RSTR carrying exactly one SAML 1.1 assertion (or nests elements deeper than 64).',
    clientAction: 'Fix the federation server (AD FS) response.',
  },
  {
    code: 50006,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'Signature verification failed because of an invalid signature: {reason}.',
    when: 'The SAML assertion is unsigned, tampered, signed with another key than the trusted token-signing certificate of the federated domain, or carries another certificate in KeyInfo. Also in the SAML bearer grant (JSON, `invalid_grant`).',
    clientAction: 'Fix the federation trust (token-signing certificate).',
  },
  {
    code: 50107,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page', 'json'],
    message: "The requested federation realm object '{issuer}' does not exist.",
    when: 'The assertion Issuer is not the issuer of any federated domain of the tenant. Also in the SAML bearer grant (JSON, `invalid_grant`).',
    clientAction: 'Fix the issuer URI of the federation configuration.',
  },
  {
    code: 50008,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'SAML token is invalid: {reason}.',
    when: 'Wrong audience, outside NotBefore/NotOnOrAfter (5 minutes skew), already used, or a user of another federated domain. Also in the SAML bearer grant (JSON, `invalid_grant`), and there for an `assertion` that is not base64 of a SAML 1.1 Assertion (or nests elements deeper than 64), or grant_type saml2-bearer (the lab verifies SAML 1.1 only).',
    clientAction: 'Check the federation server clock and relying party trust.',
  },
  {
    code: 90020,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'The SAML 1.1 Assertion is missing ImmutableID of the user.',
    when: 'The assertion has neither an ImmutableID attribute nor a NameIdentifier. Also in the SAML bearer grant (JSON, `invalid_grant`).',
    clientAction: 'Issue the ImmutableID claim from the federation server.',
  },
  {
    code: 51004,
    error: 'invalid_request',
    status: 400,
    surfaces: ['page', 'json'],
    message: 'The user account {user} does not exist in the {tenant} directory.',
    when: 'The federated assertion names an ImmutableID/UPN the directory does not have. Also in the SAML bearer grant (JSON, `invalid_grant`).',
    clientAction: 'Check the source anchor (ImmutableID) sync.',
  },
  {
    code: 53003,
    error: 'access_denied',
    status: 400,
    surfaces: ['page', 'json', 'redirect'],
    message:
      'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    when: 'A conditional access policy with the block control applies (sign-in, ROPC, on-behalf-of: error invalid_grant).',
    clientAction: 'Nothing: the administrator blocked access.',
  },
  {
    code: 53000,
    error: 'access_denied',
    status: 400,
    surfaces: ['page', 'json', 'redirect'],
    message:
      'Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant.',
    when: 'A policy requires compliantDevice and the request does not claim it (x-hma-lab-device header or satisfiedDeviceControls).',
    clientAction: 'Enrol the device (in the lab: send x-hma-lab-device: compliantDevice).',
  },
  {
    code: 53001,
    error: 'access_denied',
    status: 400,
    surfaces: ['page', 'json', 'redirect'],
    message:
      'Device is not in required device state: domain_joined. Conditional Access policy requires a domain joined device.',
    when: 'A policy requires domainJoinedDevice and the request does not claim it.',
    clientAction: 'Use a domain-joined device (in the lab: x-hma-lab-device: domainJoinedDevice).',
  },
  {
    code: 53002,
    error: 'access_denied',
    status: 400,
    surfaces: ['page', 'json', 'redirect'],
    message:
      'Application used is not an approved application. Conditional Access policy requires an approved client app.',
    when: 'A policy requires approvedApplication or compliantApplication and the client is not in approvedClientAppIds.',
    clientAction: 'Use an approved client app (Outlook mobile is one).',
  },
  {
    code: 50076,
    error: 'interaction_required',
    status: 400,
    surfaces: ['json', 'redirect'],
    message:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '{resource}'.",
    when: 'Conditional access needs MFA the grant does not carry: on-behalf-of (with a claims challenge), ROPC (invalid_grant + suberror basic_action), prompt=none, refresh of a non-MFA token.',
    clientAction: 'Send an interactive authorize request (with the claims challenge, if any).',
  },
  {
    code: 50079,
    error: 'interaction_required',
    status: 400,
    surfaces: ['page', 'json'],
    message:
      "Due to a configuration change made by your administrator, or because you moved to a new location, you must enroll in multi-factor authentication to access '{resource}'.",
    when: 'MFA is required and the user has no registered method (no TOTP secret).',
    clientAction: 'The user registers an authenticator (scenario: user.mfa).',
  },
  {
    code: 50074,
    error: 'interaction_required',
    status: 400,
    surfaces: ['page'],
    message: 'Strong Authentication is required.',
    when: 'A wrong TOTP code on the MFA page (shown again with an error; no code issued).',
    clientAction: 'Enter the current code from the authenticator.',
  },
  {
    code: 65001,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json', 'redirect'],
    message:
      "The user or administrator has not consented to use the application with ID '{clientId}' named '{clientName}'. Send an interactive authorization request for this user and resource.",
    when: 'The client has no consented permission on the resource (scenario requiredResourceAccess); redirect error consent_required.',
    clientAction: 'Grant consent (add requiredResourceAccess to the scenario).',
  },
  {
    code: 65004,
    error: 'access_denied',
    status: 400,
    surfaces: ['redirect'],
    message: 'User declined to consent to access the app.',
    when: 'The user pressed Cancel on the consent page (prompt=consent).',
    clientAction: 'Ask the user to consent.',
  },
  {
    code: 70011,
    error: 'invalid_scope',
    status: 400,
    surfaces: ['json', 'redirect'],
    message:
      "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.",
    when: 'A v2 scope the resource does not expose, or no resource scope where one is needed.',
    clientAction: 'Request scopes the resource exposes.',
  },
  {
    code: 700022,
    error: 'invalid_scope',
    status: 400,
    surfaces: ['json'],
    message:
      'The provided value for the input parameter scope is not valid because it contains more than one resource. The scope {scope} is not valid.',
    when: 'A v2 token request whose scopes name two resources.',
    clientAction: 'Ask for one resource per token request.',
  },
  {
    code: 1002012,
    error: 'invalid_scope',
    status: 400,
    surfaces: ['json'],
    message:
      'The provided value for scope {scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).',
    when: 'v2 client_credentials without a <resource>/.default scope.',
    clientAction: 'Use scope=<resource>/.default.',
  },
  {
    code: 500011,
    error: 'invalid_resource',
    status: 400,
    surfaces: ['json', 'redirect'],
    message:
      'The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.',
    when: 'resource (v1) or scope prefix (v2) that no app of the scenario has as appId, identifier URI or service principal name (with the fault onprem-spns-missing on, service principal names do not count).',
    clientAction:
      'Register the resource (e.g. the on-prem namespace as an SPN of Exchange Online).',
  },
  {
    code: 70003,
    error: 'unsupported_grant_type',
    status: 400,
    surfaces: ['json'],
    message: "The app requested an unsupported grant type '{grantType}'.",
    when: 'grant_type not implemented by the lab.',
    clientAction: 'Use a supported grant.',
  },
  {
    code: 9001023,
    error: 'invalid_request',
    status: 400,
    surfaces: ['json'],
    message:
      "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
    when: 'client_credentials on /common or /organizations.',
    clientAction: 'Use the tenant id or a tenant domain in the URL.',
  },
  {
    code: 7000218,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message:
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    when: 'A confidential client sends no credentials.',
    clientAction: 'Authenticate the client (secret or certificate).',
  },
  {
    code: 7000215,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message:
      "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{clientId}'.",
    when: 'Wrong client_secret (post or basic).',
    clientAction: 'Use a registered secret.',
  },
  {
    code: 700025,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message:
      "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
    when: 'A public client sends a secret or assertion.',
    clientAction: 'Drop the credential.',
  },
  {
    code: 700027,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message: 'Client assertion failed signature validation: {reason}.',
    when: 'client_assertion not a JWT, signed by a certificate the app does not have, with an algorithm other than PS256 or RS256, or tampered.',
    clientAction:
      'Sign with a registered certificate: PS256 with x5t#S256 (its SHA-256 thumbprint), or RS256 with x5t / kid (its SHA-1 thumbprint).',
  },
  {
    code: 700024,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message:
      'Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}.',
    when: "client_assertion expired or not yet valid, by the lab's clock and (unless clientClock is 'lab') by the machine's.",
    clientAction: 'Create a fresh assertion.',
  },
  {
    code: 700021,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message: "Client assertion application identifier doesn't match 'client_id' parameter.",
    when: 'client_assertion iss/sub differ from client_id.',
    clientAction: 'Set iss and sub to the client id.',
  },
  {
    code: 50027,
    error: 'invalid_client',
    status: 401,
    surfaces: ['json'],
    message: 'JWT token is invalid or malformed: {reason}.',
    when: 'client_assertion aud is not this token endpoint (or the tenant issuer), or client_assertion_type is wrong.',
    clientAction: 'Address the assertion to the token endpoint.',
  },
  {
    code: 70000,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message: "The provided value for the input parameter '{name}' is not valid.",
    when: 'An unknown or revoked code, refresh token or device code, or one issued to another client.',
    clientAction: 'Start a new sign-in.',
  },
  {
    code: 54005,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    when: 'A code redeemed twice; the refresh tokens the first redemption issued are revoked too.',
    clientAction: 'Start a new sign-in; never replay codes.',
  },
  {
    code: 500112,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      "The reply address '{redirectUri}' does not match the reply address '{codeRedirectUri}' provided when requesting Authorization code.",
    when: 'Code redemption with another redirect_uri than the authorize request.',
    clientAction: 'Send the same redirect_uri.',
  },
  {
    code: 50148,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      'The code_verifier does not match the code_challenge supplied in the authorization request for PKCE.',
    when: 'PKCE verifier missing or wrong (pkceMismatchCode selects 50148 or 501481).',
    clientAction: 'Send the verifier of the authorize request.',
  },
  {
    code: 501481,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.",
    when: 'As 50148, when config pkceMismatchCode is 501481.',
    clientAction: 'Send the verifier of the authorize request.',
  },
  {
    code: 70008,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    when: 'An expired authorization code, or a refresh token past its maximum age (refreshTokenMaxAge).',
    clientAction: 'Start a new sign-in.',
  },
  {
    code: 700082,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      'The refresh token has expired due to inactivity. The token was issued on {issued} and was inactive for {inactive}.',
    when: 'A refresh token not used for refreshTokenInactivity (14 days by default).',
    clientAction: 'Start a new sign-in.',
  },
  {
    code: 90033,
    error: 'temporarily_unavailable',
    status: 503,
    surfaces: ['json'],
    message: 'A transient error has occurred. Please try again.',
    when: 'The entra-503 fault: the token endpoint is unavailable (with Retry-After).',
    clientAction: 'Wait Retry-After seconds and retry.',
  },
  {
    code: 50173,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{issued}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{validFrom}'.",
    when: 'A refresh token (or code) issued before a password change or a revoke-sessions action. Access tokens already issued stay valid.',
    clientAction: 'Start a new sign-in.',
  },
  {
    code: 50013,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message: 'Assertion failed signature validation: {reason}.',
    when: 'On-behalf-of assertion tampered, not issued by this tenant, not a JWT, addressed to another app than the caller, an app-only token, or an ID token (on-behalf-of takes access tokens only).',
    clientAction: 'Pass the access token the caller received, unmodified.',
  },
  {
    code: 500133,
    error: 'invalid_grant',
    status: 400,
    surfaces: ['json'],
    message:
      'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token. Current time: {now}, expiry time of assertion {exp}.',
    when: 'On-behalf-of assertion expired or not yet valid.',
    clientAction: 'Have the client get a fresh access token.',
  },
  {
    code: 70016,
    error: 'authorization_pending',
    status: 400,
    surfaces: ['json'],
    message: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
    when: 'Device code polled before the user finished signing in.',
    clientAction: 'Keep polling at the interval.',
  },
  {
    code: 70025,
    error: 'slow_down',
    status: 400,
    surfaces: ['json'],
    message: 'The client is polling too frequently. Slow down.',
    when: "Device code polled again before the interval elapsed, by the lab's clock and by the machine's (RFC 8628 slow_down).",
    clientAction: 'Add 5 seconds to the polling interval.',
  },
  {
    code: 70019,
    error: 'expired_token',
    status: 400,
    surfaces: ['json', 'page'],
    message: 'Verification code expired.',
    when: 'Device code (or user code on the page) past its lifetime.',
    clientAction: 'Start a new device code request.',
  },
  {
    code: 70018,
    error: 'bad_verification_code',
    status: 400,
    surfaces: ['page'],
    message:
      'Invalid verification code due to User typing in wrong user code for device code flow.',
    when: 'An unknown user code typed on the device login page (page shown again).',
    clientAction: 'Type the code the device shows.',
  },
  {
    code: 50000,
    error: 'server_error',
    status: 500,
    surfaces: ['json', 'page'],
    message: 'There was an error issuing a token or an issue with our sign-in service.',
    when: 'A bug in the lab (logged with its cause).',
    clientAction: 'Report it; retry.',
  },
]);

/** An AADSTS number the mock emits. */
export type AadstsCode = (typeof ENTRA_ERRORS)[number]['code'];

const BY_CODE = new Map<number, EntraErrorInfo>(ENTRA_ERRORS.map((row) => [row.code, row]));

/** The table row of an AADSTS code. */
export function entraErrorInfo(code: AadstsCode): EntraErrorInfo {
  return BY_CODE.get(code)!;
}

/** Where an authorize error goes once the redirect URI is known to be registered. */
export interface ErrorRedirect {
  redirectUri: string;
  responseMode: 'query' | 'fragment' | 'form_post';
  state?: string;
}

export interface EntraErrorOptions {
  /** Overrides the table's `error` (e.g. `invalid_grant` for 50076 in ROPC). */
  error?: string;
  status?: number;
  suberror?: string;
  /** A claims challenge (JSON text), as on-behalf-of sends with 50076. */
  claims?: string;
  /** Further codes listed in `error_codes` after the main one (Entra chains some, e.g. 70002). */
  extraCodes?: number[];
  /** For authorize errors after the redirect URI was validated: redirect instead of a page. */
  redirect?: ErrorRedirect;
  cause?: unknown;
}

/**
 * An error Entra answers with. Handlers throw it; the error middleware renders
 * it as Entra's JSON body, an error page, or an error redirect.
 */
export class EntraError extends LabError {
  readonly aadsts: AadstsCode;
  readonly error: string;
  readonly suberror?: string;
  readonly claims?: string;
  readonly extraCodes: number[];
  readonly redirect?: ErrorRedirect;

  constructor(code: AadstsCode, message?: string, options: EntraErrorOptions = {}) {
    const info = entraErrorInfo(code);
    const error = options.error ?? info.error;
    super(
      options.status ?? info.status,
      error,
      message ?? info.message,
      options.cause ? { cause: options.cause } : undefined,
    );
    this.aadsts = code;
    this.error = error;
    if (options.suberror) this.suberror = options.suberror;
    if (options.claims) this.claims = options.claims;
    this.extraCodes = options.extraCodes ?? [];
    if (options.redirect) this.redirect = options.redirect;
  }

  /** The same error, redirected to the client (authorize errors once redirect_uri is trusted). */
  redirectTo(redirect: ErrorRedirect): EntraError {
    return new EntraError(this.aadsts, this.message, {
      error: this.error,
      status: this.status,
      ...(this.suberror ? { suberror: this.suberror } : {}),
      ...(this.claims ? { claims: this.claims } : {}),
      extraCodes: this.extraCodes,
      redirect,
    });
  }
}

/** True for {@link EntraError}s. */
export function isEntraError(error: unknown): error is EntraError {
  return error instanceof EntraError;
}

/** `AADSTS900144` for a missing parameter. */
export function missingParameter(name: string): EntraError {
  return new EntraError(
    900144,
    `The request body must contain the following parameter: '${name}'.`,
  );
}
