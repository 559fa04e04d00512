import type { FlowName } from '@hma-lab/core';

/**
 * One short paragraph per FLOWS.md step, in plain words, for the trainer's
 * step panel. Core's meanings are one-liners for logs; these say why the step
 * happens and what to look at on the wire.
 */
const FLOW_A: Readonly<Record<number, string>> = {
  1: 'The user types an address into Outlook. Before asking for any password, the app asks Microsoft’s AutoDetect service what kind of account this is and where its mailbox lives.',
  2: 'AutoDetect asks Exchange Online’s AutoDiscover v2, anonymously, where the ActiveSync endpoint of this address is. Exchange Online knows every mailbox of a hybrid organisation, including those still on-premises.',
  3: 'The mailbox is on-premises, so Exchange Online does not answer itself: it redirects (302) to the organisation’s own AutoDiscover, and counts the hop in RedirectCount so that a redirect loop ends.',
  4: 'The on-premises AutoDiscover answers with the public URL of the on-premises ActiveSync endpoint.',
  5: 'AutoDetect knocks on that ActiveSync endpoint with an empty Bearer token. The 401 is expected: its WWW-Authenticate header says Exchange accepts OAuth tokens, and authorization_uri names the Entra authority that issues them. That parameter is only there when hybrid modern authentication is enabled on-premises.',
  6: 'AutoDetect answers the app: an Office 365 (hybrid) account, the on-premises ActiveSync URL, and the Entra authority to sign in with. No credential has been asked for yet.',
  7: 'The app opens Entra ID’s sign-in page in a browser view. The user enters the address and Entra looks up the domain (home realm discovery).',
  8: 'The domain is federated: Entra does not check the password itself but sends the browser to the organisation’s federation service, reached through the Web Application Proxy (WAP) in the perimeter network.',
  9: 'The WAP passes the request on to AD FS inside the network, and AD FS answers with its sign-in page. The phone never talks to AD FS directly.',
  10: 'The user’s password goes, through the WAP, to AD FS, which checks it against Active Directory. The password reaches neither Entra nor Exchange Online.',
  11: 'AD FS signs a SAML token and the browser posts it back to Entra (WS-Federation). Entra trusts AD FS’s signing certificate, so it now knows who the user is.',
  12: 'Entra evaluates the conditional access policies that apply to this user, this app (Outlook mobile) and this resource (Exchange Online).',
  13: 'A policy requires a grant control the sign-in has not satisfied yet, here multi-factor authentication, so Entra shows the MFA page instead of issuing tokens. A block policy stops the sign-in here with AADSTS53003.',
  14: 'The user enters the code from the authenticator app. Entra checks it and sends the browser back to the app with an authorization code.',
  15: 'The app redeems the code (with its PKCE verifier) at Entra’s token endpoint and receives AT1, an access token for Exchange Online (aud https://outlook.office365.com) issued to Outlook mobile, and the refresh token RT1. AT1 cannot be used on-premises: its audience is Exchange Online.',
  16: 'The app sends AT1 and the on-premises ActiveSync URL to Exchange Online’s provisioning API: set up this hybrid account for me. From now on the phone only talks to Exchange Online.',
  17: 'Exchange Online trades AT1, on the user’s behalf (OAuth 2.0 on-behalf-of), for AT2: same user, but issued to Exchange Online as the client, with the on-premises namespace (https://mail.contoso.com in contoso) as audience. Exchange Online keeps AT2 and its refresh token RT2; neither ever reaches the phone.',
  18: 'Exchange Online creates the cloud cache mailbox for the user (the copy the app reads), unless it exists already.',
  19: 'Exchange Online connects to on-premises ActiveSync as device type OutlookService with AT2 in the Authorization header and syncs recent mail, calendar, contacts and out-of-office settings into the cloud cache. Later, in the background, it renews AT2 with RT2 before AT2 expires, and keeps syncing.',
  20: 'The app reads mail, calendar and contacts from Exchange Online with AT1. The data comes from the cloud cache, not straight from the on-premises server.',
};

const FLOW_B: Readonly<Record<number, string>> = {
  1: 'The user types an address into Outlook; the app asks Microsoft’s AutoDetect service what kind of account this is.',
  2: 'AutoDetect asks Exchange Online’s AutoDiscover v2. The mailbox is in Exchange Online, so it answers at once with Exchange Online’s own ActiveSync URL: no on-premises hop.',
  3: 'AutoDetect calls that ActiveSync endpoint without credentials, to learn how it wants callers to authenticate.',
  4: 'Exchange Online answers 401 with its Bearer challenge; authorization_uri names the Entra authority to sign in with.',
  5: 'AutoDetect tells the app: an Office 365 account, and the Entra authority to use.',
  6: 'The app opens Entra ID’s sign-in page; the user enters the address and Entra looks up the domain (home realm discovery).',
  7: 'The domain is federated: Entra sends the browser to the federation proxy (WAP) instead of checking the password itself.',
  8: 'The WAP passes the request on to AD FS, which answers with its sign-in page.',
  9: 'The password goes, through the WAP, to AD FS, which checks it against Active Directory.',
  10: 'AD FS signs a SAML token and the browser posts it back to Entra (WS-Federation).',
  11: 'Entra evaluates the conditional access policies for this user, app and resource.',
  12: 'A policy requires a grant control the sign-in lacks (MFA), so Entra asks for it; a block policy stops the sign-in here with AADSTS53003.',
  13: 'The user answers the MFA challenge; Entra sends the browser back to the app with an authorization code.',
  14: 'The app redeems the code and receives an access token for Exchange Online (client Outlook mobile) and a refresh token. No second token is needed: the mailbox is in the cloud.',
  15: 'The app uses the access token directly against Exchange Online.',
};

const FLOW_C: Readonly<Record<number, string>> = {
  1: 'On first start the app makes a random AES-128 device key. It never leaves the phone except, later, to unlock the stored password for a moment.',
  2: 'The app sends user name, password and device key to the Outlook cloud service over TLS: with Basic authentication the cloud service has to log on to Exchange as the user.',
  3: 'The cloud service checks the password against on-premises ActiveSync with Basic authentication.',
  4: 'Exchange refused the first connection: the cloud service drops the credentials at once and stores nothing.',
  5: 'The password is encrypted with the device key and only the ciphertext is stored; the key and the clear password are wiped.',
  6: 'On a later connection the app sends the device key again.',
  7: 'The cloud service decrypts the password in memory only, and wipes the key.',
  8: 'The cloud service syncs over ActiveSync with Basic authentication, keeping the password in memory while the user is active.',
  9: 'The mailbox data reaches the device.',
  10: 'After three days without activity the decrypted password is flushed from memory; the ciphertext stays.',
  11: 'The weekly job removes an inactive account: ciphertext and synced mailbox data.',
  12: 'The account was removed, so the next app start sets everything up again.',
};

const EXPLANATIONS: Readonly<Record<FlowName, Readonly<Record<number, string>>>> = {
  A: FLOW_A,
  B: FLOW_B,
  C: FLOW_C,
};

/** The plain-words explanation of a step, or undefined for an unknown step. */
export function stepExplanation(flow: FlowName, step: number): string | undefined {
  return EXPLANATIONS[flow][step];
}

/** Every explanation of a flow, keyed by step number. */
export function flowExplanations(flow: FlowName): Readonly<Record<number, string>> {
  return EXPLANATIONS[flow];
}
