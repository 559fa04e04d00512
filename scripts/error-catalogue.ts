/**
 * The errors of every protocol the lab speaks, except Entra's (which come from
 * ENTRA_ERRORS in packages/entra): code | HTTP | when | what a client should do.
 * docs/errors.md is rendered from this and ENTRA_ERRORS; e2e/docs-drift.test.ts
 * fails when a package throws a code that is not listed here.
 */
export interface ErrorRow {
  code: string;
  status: string;
  when: string;
  action: string;
}

export interface ErrorSection {
  title: string;
  intro: string;
  /** Package folders whose sources are scanned for the codes of this section. */
  packages: string[];
  rows: ErrorRow[];
  /** Subsections after the table: a title and its paragraph. */
  notes?: Array<{ title: string; text: string }>;
}

export const ERROR_SECTIONS: ErrorSection[] = [
  {
    title: 'Exchange on-premises: the 401 challenge and `x-ms-diagnostics`',
    intro:
      'A rejected Bearer token is answered `401` with `WWW-Authenticate: Bearer …, error="invalid_token"` and `x-ms-diagnostics: <code>;reason="…";error_category="…"`. Exchange Online answers a bad AT1 at its provisioning API the same way.',
    packages: ['exchange-onprem', 'exchange-online'],
    rows: [
      {
        code: '2000000',
        status: '401',
        when: "The token signature does not verify against Entra's published keys (also a token signed by an unknown key).",
        action: 'Get a new token from the authority in the challenge; never forge or re-sign.',
      },
      {
        code: '2000001',
        status: '401',
        when: 'The Bearer value is not a parseable JWT.',
        action: 'Send the access token itself, not the id_token or a refresh token.',
      },
      {
        code: '2000002',
        status: '401',
        when: "The token is expired or not yet valid (the lab's choice of code and text; unconfirmed for real Exchange).",
        action: 'Refresh the token before `exp` and retry.',
      },
      {
        code: '2000003',
        status: '401',
        when: 'The audience is not `https://<ActiveSync host>`: AT1 (Exchange Online audience) sent on-premises, or SSL offload making Exchange expect `http://`.',
        action:
          'Request a token for the ActiveSync namespace; do not offload TLS in front of Exchange.',
      },
      {
        code: '2000004',
        status: '401',
        when: 'The token comes from another tenant or issuer than `trusted_issuers` names.',
        action: 'Sign in at the tenant the challenge names.',
      },
      {
        code: '2000005',
        status: '401',
        when: 'The user in the token has no mailbox here, or the mailbox is on Exchange 2010 (which cannot use OAuth).',
        action: "Move the mailbox to a supported version, or use the mailbox's own server.",
      },
      {
        code: '2000008',
        status: '401',
        when: 'The token lacks the permission Exchange requires (scope).',
        action: 'Request the EAS.AccessAsUser.All permission.',
      },
    ],
  },
  {
    title: 'AutoDiscover v2 (`{"ErrorCode","ErrorMessage"}`)',
    intro:
      'Both Exchange Online and on-premises AutoDiscover answer errors as JSON with these codes.',
    packages: ['exchange-onprem', 'exchange-online'],
    rows: [
      {
        code: 'InvalidProtocol',
        status: '400',
        when: 'The `Protocol` is not one of ActiveSync, AutodiscoverV1, Ews, Rest (case-insensitive).',
        action: 'Ask for a supported protocol.',
      },
      {
        code: 'InvalidUser',
        status: '400',
        when: 'The email address is missing or not an SMTP address.',
        action: 'Send `Email=` (or the `/v1.0/<email>` path form).',
      },
      {
        code: 'InvalidRedirectCount',
        status: '400',
        when: '`RedirectCount` is not a small whole number.',
        action: 'Send the count you were redirected with.',
      },
      {
        code: 'RedirectCountExceeded',
        status: '400',
        when: '`RedirectCount` reached the cap (`autodiscoverMaxRedirects`, default 10).',
        action: 'Stop following redirects: the deployment is misconfigured.',
      },
      {
        code: 'RedirectLoopDetected',
        status: '400',
        when: 'Exchange Online sent this mailbox on-premises and it came straight back (the `autodiscover-redirect-loop` fault).',
        action: "Fix the mailbox's location in the directory; do not retry.",
      },
      {
        code: 'UserNotFound',
        status: '404',
        when: 'No such mailbox in an accepted domain.',
        action: 'Check the address.',
      },
      {
        code: 'InvalidDomain',
        status: '404',
        when: 'The domain is not an accepted domain of the organisation.',
        action: 'Check the address.',
      },
      {
        code: 'NotFound',
        status: '404',
        when: 'Any other path under the AutoDiscover host.',
        action: 'Use `/autodiscover/autodiscover.json`.',
      },
      {
        code: 'MethodNotAllowed',
        status: '405',
        when: 'A method other than GET.',
        action: 'Use GET.',
      },
    ],
  },
  {
    title: 'POX AutoDiscover for ActiveSync (`ErrorCode` inside a 200 XML answer)',
    intro:
      '`POST /autodiscover/autodiscover.xml` (MS-ASCMD Autodiscover, mobilesync schema), on-premises and at Exchange Online, authenticates first: on-premises, no credential, a bad token or Basic under `BlockLegacyAuthAutodiscover` get the 401 of the table above; at Exchange Online, what its ActiveSync refuses gets its 401 Bearer challenge. Once authenticated, errors are an `Error` element of the AutoDiscover response schema, with `Time`, `Id`, `ErrorCode`, `Message` and an empty `DebugData`, in an HTTP 200.',
    packages: ['exchange-onprem', 'exchange-online'],
    rows: [
      {
        code: '500',
        status: '200',
        when: "The address has no mailbox in the directory, or its user is disabled (`The email address can't be found.`).",
        action: 'Check the address.',
      },
      {
        code: '600',
        status: '200',
        when: 'Not a mobilesync AutoDiscover request: no `EMailAddress` or `AcceptableResponseSchema`, not XML, a DOCTYPE, or a method other than POST (`Invalid Request`).',
        action: 'Send the request of MS-ASCMD section 4.2.1.',
      },
      {
        code: '601',
        status: '200',
        when: '`AcceptableResponseSchema` is not the mobilesync response schema (`Provider is not available.`).',
        action:
          'Ask for http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006.',
      },
    ],
  },
  {
    title: 'ActiveSync HTTP answers (on-premises and Exchange Online)',
    intro:
      "Errors before a command runs are HTTP statuses (MS-ASHTTP); the code below is the lab's name for each, shown in the trace. Errors inside a command are EAS `Status` values in the WBXML body: 1 success, 3 invalid SyncKey, 9 bad FolderSync key, 12 hierarchy changed, 129 device blocked, 142 not provisioned, 143 policy refresh, 144 invalid policy key, 140 remote wipe requested. FolderUpdate answers 5 (parent not found) also for a parent that is the folder itself or one of its subfolders, which would leave that subtree hanging from nothing; which Status Exchange gives there is unconfirmed.",
    packages: ['exchange-onprem', 'exchange-online'],
    rows: [
      {
        code: 'InvalidRequestLine',
        status: '400',
        when: 'The query (plain or base64 form) is missing Cmd, DeviceId or DeviceType, or is malformed.',
        action: 'Fix the request line (MS-ASHTTP 2.2.1.1.1).',
      },
      {
        code: 'InvalidWBXML',
        status: '400',
        when: 'The body is not WBXML ActiveSync can read (truncated, unknown tokens, limits exceeded).',
        action: 'Fix the encoder.',
      },
      {
        code: 'UnsupportedProtocolVersion',
        status: '400',
        when: '`MS-ASProtocolVersion` is not one the mailbox supports (2010 mailboxes stop at 14.1).',
        action: 'Pick a version from `MS-ASProtocolVersions` (OPTIONS).',
      },
      {
        code: 'BadRequest',
        status: '400',
        when: "Exchange Online's ActiveSync: a request it cannot read.",
        action: 'Fix the request.',
      },
      {
        code: 'AccountDisabled',
        status: '403',
        when: 'The user is disabled in the directory.',
        action: 'Nothing the client can do.',
      },
      {
        code: 'ActiveSyncDisabled',
        status: '403',
        when: 'ActiveSync is disabled for the mailbox (`Set-CASMailbox -ActiveSyncEnabled $false`).',
        action: 'Ask the administrator.',
      },
      {
        code: 'UserNotEnabled',
        status: '403',
        when: 'Exchange Online: the user has no mailbox there.',
        action: "Use the mailbox's own server (AutoDiscover).",
      },
      {
        code: 'DeviceBlocked',
        status: '403',
        when: 'A device access rule blocks the device (protocol < 14.0; from 14.0 the answer is Status 129).',
        action: 'Ask the administrator to allow the device.',
      },
      {
        code: 'LegacyAuthBlocked',
        status: '403',
        when: 'Basic authentication refused by an authentication policy (`BlockLegacyAuthActiveSync`) when answered as 403 (configurable; default is a 401 with only the Bearer challenge).',
        action: 'Use modern authentication.',
      },
      {
        code: 'NoMailbox',
        status: '403',
        when: 'The authenticated user has no on-premises mailbox.',
        action: 'Use AutoDiscover to find the mailbox.',
      },
      {
        code: 'UserMismatch',
        status: '403',
        when: 'The `User=` of the request line is not the user of the credentials.',
        action: 'Send the signed-in user.',
      },
      {
        code: 'NeedProvision',
        status: '449',
        when: 'Protocol 12.1 and older: the device must Provision first (newer versions get Status 142/143/144).',
        action: 'Run Provision (both phases), then retry with the new X-MS-PolicyKey.',
      },
      {
        code: 'MailboxMoved',
        status: '451',
        when: 'The mailbox lives elsewhere: `X-MS-Location` names the better URL.',
        action: 'Retry at `X-MS-Location`.',
      },
      {
        code: 'NotImplemented',
        status: '501',
        when: "A command the lab does not emulate (the 2.x collection commands GetHierarchy, CreateCollection, DeleteCollection and MoveCollection, and GetAttachment from 14.0; the same on Exchange Online's endpoint for cloud mailboxes).",
        action: 'None: the lab does not offer it.',
      },
      {
        code: 'ServiceUnavailable',
        status: '503',
        when: 'The `eas-503` fault: ActiveSync unavailable, with `Retry-After`.',
        action: 'Wait `Retry-After` seconds and retry.',
      },
    ],
    notes: [
      {
        title: 'NUL in ActiveSync text',
        text: "WBXML text (STR_I) is NUL-terminated, so an answer cannot carry U+0000; OPAQUE content in a request can. The servers therefore never let a NUL reach their text: `textOf` (packages/activesync) reads OPAQUE as UTF-8 with NUL replaced by U+FFFD, as malformed bytes already are, and MIME decoding (headers, encoded-words, bodies), the lab's own deliveries and the raw MIME served as a Type 4 body do the same. Client text that is stored (a SendMail subject, a Sync Add's `Calendar:Subject`) is kept with U+FFFD and stays syncable for every device; the stored MIME bytes are kept as sent. An identifier sent with NUL (CollectionId, ServerId, SyncKey, PolicyType, RequestId, SrcMsgId, LongId...) becomes one no one has (`A\\uFFFDB`) and gets the command's own answer for an unknown value: Sync collection Status 12 (unknown CollectionId), 3 (SyncKey), 8 (ServerId of Change/Delete/Fetch); GetItemEstimate 2; ItemOperations Fetch 6; MoveItems 1; MeetingResponse 2; Provision Policy Status 3 (unknown PolicyType, on-premises and Exchange Online). A ClientId is the client's own token and is echoed as read. As a safety net, an on-premises answer that still cannot be encoded for a NUL is replaced by the command's protocol-error Status (Sync 4, Provision 2, ...) and recorded as the trace event `onprem.eas.answer-unencodable`, never a 500. Exchange Online's search API refuses a `q` holding NUL with 400 `InvalidRequest`, since it would be sent on as WBXML text.",
      },
    ],
  },
  {
    title:
      'Exchange Online client data and provisioning API (`{"error":{"code","message","step"?,"aadsts"?}}`)',
    intro: 'What the device sees at steps 16 and 20 (docs/flow-map.md).',
    packages: ['exchange-online'],
    rows: [
      {
        code: 'InvalidRequest',
        status: '400',
        when: 'The provisioning body is not `{emailAddress, activeSyncUrl, deviceId}`.',
        action: 'Fix the request.',
      },
      { code: 'InvalidFolder', status: '400', when: 'An unknown `folder=`.', action: 'Use inbox.' },
      {
        code: 'FolderNotSynced',
        status: '400',
        when: 'A folder the cloud cache of a hybrid account does not hold (only the Inbox is synced).',
        action: 'Ask for the Inbox.',
      },
      {
        code: 'EmailAddressMismatch',
        status: '403',
        when: "The address to provision is not the signed-in user's.",
        action: 'Provision the signed-in user.',
      },
      {
        code: 'NotSupportedForThisAccount',
        status: '403',
        when: 'A feature HMA does not offer on-premises mailboxes: drafts sync, shared/delegate calendars, calendar attachments, tasks.',
        action: 'Hide the feature for "Exchange (Hybrid)" accounts.',
      },
      {
        code: 'OboFailed',
        status: '403 / 502',
        when: 'The on-behalf-of call of step 17 failed: refused by Entra (403, with `aadsts`, e.g. 50076 when MFA is needed) or Entra unreachable (502).',
        action: 'Show the AADSTS reason; for interaction_required, sign in again with the claims.',
      },
      {
        code: 'AccountNotProvisioned',
        status: '404',
        when: 'Data requested before provisioning.',
        action: 'Provision first (step 16).',
      },
      {
        code: 'MailboxNotFound',
        status: '404',
        when: 'No mailbox for the user.',
        action: 'Check the account.',
      },
      {
        code: 'MessageNotFound',
        status: '404',
        when: "A message id the caller's mailbox does not hold (for a hybrid account: not in the cloud cache's Inbox).",
        action: 'List the messages again and use an id from there.',
      },
      {
        code: 'AttachmentNotFound',
        status: '404',
        when: 'An attachment id the message does not list, or a file on-premises no longer holds (ItemOperations Status 15).',
        action: 'List the attachments again; sync before asking for a file deleted on-premises.',
      },
      { code: 'NotFound', status: '404', when: 'Any other path.', action: 'Fix the URL.' },
      {
        code: 'MailboxInExchangeOnline',
        status: '409',
        when: 'Provisioning an on-premises connection for a mailbox that lives in Exchange Online (flow B needs none).',
        action: 'Use the cloud mailbox directly.',
      },
      {
        code: 'SignInRequired',
        status: '409',
        when: 'On-premises data asked for (search, a file) while the hybrid account needs the user to sign in again (RT2 refused).',
        action: 'Sign in again and provision.',
      },
      {
        code: 'AccountNotReady',
        status: '409',
        when: 'On-premises data asked for while the hybrid account is neither ready nor pending its first sync (blocked, dormant after an error).',
        action: 'Read the account state (`GET /api/hma/v1/account`) and its problem.',
      },
      {
        code: 'AccountDeleted',
        status: '410',
        when: 'The account was deleted in Entra (its cache is purged 30 days later).',
        action: 'Remove the account from the device.',
      },
      {
        code: 'OnPremisesUnavailable',
        status: '502',
        when: 'On-premises ActiveSync could not be reached, or answered 5xx, while a search or a file was fetched for a hybrid account (also the account problem code while background sync backs off).',
        action: 'Retry later.',
      },
      {
        code: 'EntraUnavailable',
        status: '502',
        when: 'Entra could not be reached for the on-behalf-of call (step 17); also the account problem code while AT2 renewal backs off.',
        action: 'Retry later.',
      },
      {
        code: 'SearchFailed',
        status: '502',
        when: 'On-premises refused the ActiveSync Search of a hybrid account (403 when the device or user is blocked there).',
        action: 'Show the message; check the account on-premises.',
      },
      {
        code: 'AttachmentFetchFailed',
        status: '502',
        when: 'On-premises refused the ItemOperations Fetch of a file (403 when the device or user is blocked there).',
        action: 'Show the message; check the account on-premises.',
      },
      {
        code: 'ExchangeVersionNotSupported',
        status: '422',
        when: 'The mailbox is on Exchange 2010, which cannot use OAuth.',
        action: 'Tell the user the account cannot be added with HMA.',
      },
    ],
  },
  {
    title: 'AutoDetect',
    intro:
      'Beyond 200, AutoDetect answers 202 (still searching), 204 (nothing found, with `X-AutoDv2-Error` when AutoDiscover failed) and 503. Request errors are JSON `{error, message}`.',
    packages: ['autodetect'],
    rows: [
      {
        code: 'MissingEmail',
        status: '400',
        when: 'No `x-email` header and no `Authorization: Basic` of the address.',
        action: 'Send the address.',
      },
      {
        code: 'InvalidEmail',
        status: '400',
        when: 'The address is not an SMTP address.',
        action: 'Fix the address.',
      },
      {
        code: 'NotFound',
        status: '404',
        when: 'Any path but `/detect` and `/autodetect/detect`.',
        action: 'Use `/detect`.',
      },
      {
        code: 'ServiceUnavailable',
        status: '503',
        when: 'The `autodetect-503` fault.',
        action: 'Retry later.',
      },
    ],
  },
  {
    title: 'Outlook cloud service, basic-authentication path (flow C)',
    intro:
      'JSON `{error:{code,message}}` at `/api/basic/v1/...` (packages/outlook-service/README.md has the full table).',
    packages: ['outlook-service'],
    rows: [
      {
        code: 'InvalidRequest',
        status: '400',
        when: 'A body without user name, password or device key (16 bytes).',
        action: 'Fix the request.',
      },
      {
        code: 'DeviceKeyRejected',
        status: '401',
        when: 'The device key does not open the stored ciphertext (the app was reinstalled, or the key is wrong).',
        action: 'Sign in again: the service sets the account up anew.',
      },
      {
        code: 'AccountNotFound',
        status: '404',
        when: 'The account was purged (weekly job) or deleted.',
        action: 'Sign in again (the app does it transparently).',
      },
      { code: 'NotFound', status: '404', when: 'Any other path.', action: 'Fix the URL.' },
      {
        code: 'MethodNotAllowed',
        status: '405',
        when: 'A method the path does not accept.',
        action: 'Fix the request.',
      },
      {
        code: 'ExchangeProtocolError',
        status: '502',
        when: 'On-premises ActiveSync answered something the service cannot use.',
        action: 'Retry later; check the Exchange side.',
      },
      {
        code: 'ExchangeUnreachable',
        status: '502',
        when: 'On-premises ActiveSync cannot be reached.',
        action: 'Retry later.',
      },
      {
        code: 'ExchangeUnavailable',
        status: '503',
        when: 'On-premises ActiveSync answered 503.',
        action: 'Retry after the delay.',
      },
    ],
  },
  {
    title: 'AD FS and the Web Application Proxy',
    intro:
      'AD FS shows its error page (HTTP 400) with an MSIS message id under "Error details": MSIS7007 (unknown relying party `wtrealm`), MSIS7000 (a request AD FS cannot read), MSIS7042 (loop detected: too many tokens in a short time). Sign-in failures show "Incorrect user ID or password" whatever the cause. The proxy answers plain pages:',
    packages: ['adfs'],
    rows: [
      {
        code: 'not_found',
        status: '404',
        when: 'A path the proxy does not publish (only `/adfs/*` and federation metadata are).',
        action: 'None: not published.',
      },
      {
        code: 'not_implemented',
        status: '501',
        when: 'TRACE (or TRACK, CONNECT): a method the proxy cannot pass on to AD FS.',
        action: 'None: use GET or POST.',
      },
      {
        code: 'bad_gateway',
        status: '502',
        when: 'AD FS answered something the proxy cannot pass on.',
        action: 'Retry later.',
      },
      {
        code: 'service_unavailable',
        status: '503',
        when: 'AD FS cannot be reached from the proxy.',
        action: 'Retry later.',
      },
    ],
  },
  {
    title: 'AD FS WS-Trust (SOAP 1.2 faults)',
    intro:
      'The username/password endpoints MSAL and ADAL use for federated users (`/adfs/services/trust/13/usernamemixed` and `/2005/usernamemixed`, reached through the proxy) answer a SOAP 1.2 `s:Fault` with `s:Code/s:Value` `s:Sender`, this subcode in `s:Subcode/s:Value` and the message in `s:Reason/s:Text`; the trace event `adfs.wstrust.failed` says which check failed. MSAL for Python raises `RuntimeError` naming the fault, ADAL for Python `AdalError`.',
    packages: ['adfs'],
    rows: [
      {
        code: 'FailedAuthentication',
        status: '500',
        when: 'The UsernameToken did not authenticate: wrong password, unknown or disabled user, a user of a domain another farm signs in, an empty user name or password (ID3242).',
        action: 'Check the user name and password.',
      },
      {
        code: 'RequestFailed',
        status: '500',
        when: 'The RST applies to another relying party than `urn:federation:MicrosoftOnline`, or to none (MSIS3127).',
        action: "Ask for Entra's relying party.",
      },
      {
        code: 'InvalidRequest',
        status: '400/405/413',
        when: "Not a readable SOAP 1.2 RST of the endpoint's WS-Trust version with a UsernameToken, or nesting elements deeper than 64 (400), not a POST (405), or over 64 KiB (413).",
        action: 'Fix the request.',
      },
    ],
  },
  {
    title: 'The lab admin API (`{"error":{"code","message"}}`)',
    intro: 'What `hma-lab time|faults|trace` and the trainer UI may see from a running lab.',
    packages: ['lab'],
    rows: [
      {
        code: 'invalid_request',
        status: '400',
        when: 'A body that is not the documented JSON (`the request body is not valid JSON` when it does not parse), or a path that does not decode.',
        action: 'Fix the request.',
      },
      {
        code: 'server_error',
        status: '500',
        when: 'A bug in the lab: the message says only that it failed; the lab logs the cause. The trainer UI’s API answers the same way.',
        action: 'Report it with the lab’s log.',
      },
      {
        code: 'invalid_duration',
        status: '400',
        when: 'A clock advance that is not a duration (`2h`, `14d`...), is not above 0, or is over 366 days (the trainer UI’s bound too).',
        action: 'Fix the duration.',
      },
      {
        code: 'payload_too_large',
        status: '413',
        when: 'A body over the admin API’s limit of 64 KB.',
        action: 'Send less.',
      },
      {
        code: 'unsupported_media_type',
        status: '415',
        when: 'A body in a charset the API does not read.',
        action: 'Send UTF-8 JSON.',
      },
      {
        code: 'invalid_fault_params',
        status: '400',
        when: 'A fault parameter of the wrong kind (a duration that does not parse, a number out of its range, a value that is not flat) or one the fault does not take; the fault stays as it was.',
        action: 'Fix the parameter (docs/faults.md lists each).',
      },
      {
        code: 'unknown_fault',
        status: '404',
        when: 'A fault the catalogue does not have.',
        action: 'Use a name from docs/faults.md.',
      },
      {
        code: 'busy',
        status: '409',
        when: 'A clock advance while another is still running.',
        action: 'Wait for it to end, then retry.',
      },
      {
        code: 'invalid_flow',
        status: '400',
        when: '`flow` is not A, B or C.',
        action: 'Fix the query.',
      },
      {
        code: 'invalid_format',
        status: '400',
        when: '`format` is not json, har or mermaid.',
        action: 'Fix the query.',
      },
      {
        code: 'unknown_user',
        status: '400 / 404',
        when: 'A user that is not in the scenario.',
        action: 'Use a user of the scenario.',
      },
      {
        code: 'not_found',
        status: '404',
        when: 'No such admin endpoint.',
        action: 'See `GET /_lab`.',
      },
    ],
  },
  {
    title: 'The library (`createLab` and what a lab gives)',
    intro:
      'What a test suite gets from `@hma-lab/lab` itself: thrown, each a LabError with `status` and `code`, before anything is started or stored (docs/lab.md).',
    packages: ['lab', 'core'],
    rows: [
      {
        code: 'invalid_lab_options',
        status: '400',
        when: '`createLab` options it cannot use: an unknown key, a mode or clock mode it does not know, a port that is not a number from 0 to 65535, `startMs` outside 1970 to 9999-12-31, `maxTraceEntries` not above 0 (`LabUsageError`).',
        action: 'Fix the option the message names.',
      },
      {
        code: 'invalid_argument',
        status: '400',
        when: '`runFlow` with a user that is not a text or not in the scenario, a `runId` that could not travel in a header (1 to 200 printable ASCII characters), or options it does not take (`LabUsageError`).',
        action: 'Fix the argument.',
      },
      {
        code: 'lab_closed',
        status: '400',
        when: '`runFlow`, `fetch`, `fetchAs`, `device()`, `basicDevice()` (`LabUsageError`) or `clock.advance` (`ClockDisposedError`) after `close()`.',
        action: 'Create a new lab.',
      },
      {
        code: 'invalid_message',
        status: '400',
        when: '`deliver()` (on-premises or Exchange Online) with a message it could not serve: an address that is not `{ name, email }`, a subject or body that is not text, an importance other than 0, 1 or 2, a `receivedMs` no date holds, attachments that are not `{ name, content }`. Nothing is stored.',
        action: 'Fix the fields the message names.',
      },
    ],
  },
];
