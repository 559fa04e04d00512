import { randomUUID } from 'node:crypto';
import { WELL_KNOWN_APPS } from '@hma-lab/core';
import type { Lab } from './lab.js';

/** What {@link federatedPasswordToken} asks Entra for. */
export interface FederatedPasswordTokenOptions {
  /** A user of a federated domain, e.g. `bob@contoso.com`. */
  username: string;
  password: string;
  /** The public client asking; default Outlook mobile. */
  clientId?: string;
  /** v1 `resource` (default `https://outlook.office365.com`), or v2 `scope` when given. */
  resource?: string;
  scope?: string;
}

/**
 * A federated user's password sign-in without a browser, the way MSAL and
 * ADAL make it: a WS-Trust 1.3 Issue request with a UsernameToken to AD FS
 * (`/adfs/services/trust/13/usernamemixed` at the domain's proxy), then the
 * SAML 1.1 assertion it answers redeemed at Entra with the
 * `saml1_1-bearer` grant. Every hop is a request from outside the lab
 * (`client`), recorded in the trace. Resolves with Entra's token response;
 * rejects with AD FS's fault or Entra's AADSTS error.
 *
 * @example
 * ```ts
 * const { access_token } = await federatedPasswordToken(lab, {
 *   username: 'bob@contoso.com', password: 'Passw0rd!',
 * });
 * ```
 */
export async function federatedPasswordToken(
  lab: Lab,
  options: FederatedPasswordTokenOptions,
): Promise<Record<string, unknown>> {
  const domain = lab.directory.domainOf(options.username);
  const wapHost = domain?.federation?.wapHost;
  if (!wapHost) throw new Error(`${options.username} is not in a federated domain of the lab`);
  const fetch = lab.fetchAs('client');
  const answer = await fetch(`https://${wapHost}/adfs/services/trust/13/usernamemixed`, {
    method: 'POST',
    headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
    body: usernameMixedRequest(wapHost, options.username, options.password),
  });
  const rstr = await answer.text();
  const assertion =
    /<(?:\w+:)?RequestedSecurityToken>(.*)<\/(?:\w+:)?RequestedSecurityToken>/s.exec(rstr)?.[1];
  if (!assertion) {
    const reason = /<(?:\w+:)?Text[^>]*>([^<]*)</.exec(rstr)?.[1] ?? `HTTP ${answer.status}`;
    throw new Error(`AD FS refused the WS-Trust sign-in of ${options.username}: ${reason}`);
  }
  const fields: Record<string, string> = {
    grant_type: 'urn:ietf:params:oauth:grant-type:saml1_1-bearer',
    client_id: options.clientId ?? WELL_KNOWN_APPS.outlookMobile,
    assertion: Buffer.from(assertion).toString('base64url'),
  };
  const v2 = options.scope !== undefined;
  if (v2) fields.scope = options.scope!;
  else fields.resource = options.resource ?? 'https://outlook.office365.com';
  const token = await fetch(
    `https://login.microsoftonline.com/${lab.scenario.tenant.id}/oauth2/${v2 ? 'v2.0/' : ''}token`,
    { method: 'POST', body: new URLSearchParams(fields) },
  );
  const body = (await token.json()) as Record<string, unknown>;
  if (token.status !== 200) {
    throw new Error(`Entra refused the SAML assertion: ${String(body.error_description)}`);
  }
  return body;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The RST MSAL for Python sends (WS-Trust 1.3, SOAP 1.2, bearer key type). */
function usernameMixedRequest(wapHost: string, username: string, password: string): string {
  const wsu = 'http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd';
  return (
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:wsu="${wsu}">` +
    '<s:Header>' +
    '<wsa:Action s:mustUnderstand="1">http://docs.oasis-open.org/ws-sx/ws-trust/200512/RST/Issue</wsa:Action>' +
    `<wsa:MessageID>urn:uuid:${randomUUID()}</wsa:MessageID>` +
    `<wsa:To s:mustUnderstand="1">https://${wapHost}/adfs/services/trust/13/usernamemixed</wsa:To>` +
    '<wsse:Security s:mustUnderstand="1" xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">' +
    `<wsse:UsernameToken wsu:Id="UsernameToken"><wsse:Username>${escapeXml(username)}</wsse:Username>` +
    `<wsse:Password>${escapeXml(password)}</wsse:Password></wsse:UsernameToken>` +
    '</wsse:Security></s:Header><s:Body>' +
    '<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">' +
    '<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference>' +
    '<wsa:Address>urn:federation:MicrosoftOnline</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>' +
    '<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>' +
    '<wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>' +
    '</wst:RequestSecurityToken></s:Body></s:Envelope>'
  );
}
