import type { EntraContext } from './context.js';
import { newGuid } from './ids.js';

/**
 * Home realm discovery endpoints clients call before showing a password box:
 * `getuserrealm.srf` and `GetCredentialType` (both undocumented by Microsoft;
 * shapes from public captures, protocol-facts §5.1-5.2).
 */

function encodeLower(value: string): string {
  return encodeURIComponent(value).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
}

/** `GET /getuserrealm.srf?login=<upn>&json=1`. */
export function getUserRealm(context: EntraContext, login: string): Record<string, unknown> {
  const { directory } = context.deps;
  const domain = directory.domainOf(login);
  const brand = directory.tenant.displayName;
  if (!domain) {
    return { State: 4, UserState: 1, Login: login, NameSpaceType: 'Unknown' };
  }
  if (domain.authentication === 'federated' && domain.federation) {
    const realm = encodeLower(context.config.federationRealm);
    return {
      State: 3,
      UserState: 2,
      Login: login,
      NameSpaceType: 'Federated',
      DomainName: domain.name,
      FederationGlobalVersion: -1,
      AuthURL: `https://${domain.federation.wapHost}/adfs/ls/?username=${encodeURIComponent(login)}&wa=wsignin1.0&wtrealm=${realm}&wctx=`,
      FederationBrandName: domain.federation.brandName,
      CloudInstanceName: 'microsoftonline.com',
      CloudInstanceIssuerUri: context.config.federationRealm,
      AuthNForwardType: 1,
    };
  }
  return {
    State: 4,
    UserState: 1,
    Login: login,
    NameSpaceType: 'Managed',
    DomainName: domain.name,
    FederationBrandName: brand,
    CloudInstanceName: 'microsoftonline.com',
  };
}

/** `GET /common/userrealm/<upn>?api-version=2.1`. */
export function getUserRealmV2(context: EntraContext, login: string): Record<string, unknown> {
  const v1 = getUserRealm(context, login);
  const out: Record<string, unknown> = {
    NameSpaceType: v1.NameSpaceType,
    Login: login,
    ...(v1.DomainName ? { DomainName: v1.DomainName } : {}),
    ...(v1.FederationBrandName ? { FederationBrandName: v1.FederationBrandName } : {}),
    cloud_instance_name: 'microsoftonline.com',
    cloud_audience_urn: context.config.federationRealm,
  };
  if (v1.NameSpaceType === 'Federated') {
    out.federation_protocol = 'WSTrust';
    out.federation_active_auth_url = `${String(v1.AuthURL).split('/adfs/ls/')[0]}/adfs/services/trust/2005/usernamemixed`;
    out.federation_metadata_url = `${String(v1.AuthURL).split('/adfs/ls/')[0]}/adfs/services/trust/mex`;
    out.AuthURL = v1.AuthURL;
  }
  return out;
}

/**
 * `GET /common/userrealm/<upn>?api-version=1.0`: the shape MSAL (.NET,
 * Python, Go) and ADAL read before a password grant, `account_type` deciding
 * between the password grant (Managed) and WS-Trust at the federation server
 * (Federated, at `federation_active_auth_url` with the metadata at
 * `federation_metadata_url`).
 */
export function getUserRealmV1(context: EntraContext, login: string): Record<string, unknown> {
  const v2 = getUserRealmV2(context, login);
  const out: Record<string, unknown> = {
    ver: '1.0',
    account_type: v2.NameSpaceType,
    ...(v2.DomainName ? { domain_name: String(v2.DomainName).toLowerCase() } : {}),
  };
  if (v2.NameSpaceType === 'Federated') {
    out.federation_protocol = v2.federation_protocol;
    out.federation_metadata_url = v2.federation_metadata_url;
    out.federation_active_auth_url = v2.federation_active_auth_url;
  }
  out.cloud_instance_name = v2.cloud_instance_name;
  out.cloud_audience_urn = v2.cloud_audience_urn;
  return out;
}

/**
 * `POST /common/GetCredentialType` (JSON): whether the user exists and how
 * they sign in. `IfExistsResult` 0 = exists, 1 = does not; `DomainType` 3 =
 * managed, 4 = federated ([unconfirmed] for 4). A federated user gets
 * `FederationRedirectUrl`, carrying `originalRequest` (the sign-in `ctx`) as `wctx`.
 */
export function getCredentialType(
  context: EntraContext,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const { directory } = context.deps;
  const username = typeof body.username === 'string' ? body.username.trim() : '';
  const originalRequest = typeof body.originalRequest === 'string' ? body.originalRequest : '';
  const domain = directory.domainOf(username);
  const user = directory.user(username);
  const federated = domain?.authentication === 'federated' && domain.federation;
  const exists = federated ? true : Boolean(user);
  const credentials: Record<string, unknown> = {
    PrefCredential: federated ? 4 : 1,
    HasPassword: true,
    RemoteNgcParams: null,
    FidoParams: null,
    SasParams: null,
    CertAuthParams: null,
    GoogleParams: null,
    FacebookParams: null,
  };
  if (federated) {
    const realm = encodeLower(context.config.federationRealm);
    credentials.FederationRedirectUrl =
      `https://${domain.federation!.wapHost}/adfs/ls/?client-request-id=${newGuid()}` +
      `&wa=wsignin1.0&wtrealm=${realm}&wctx=${encodeURIComponent(originalRequest)}` +
      `&username=${encodeURIComponent(username)}`;
  }
  return {
    Username: username,
    Display: username,
    IfExistsResult: exists ? 0 : 1,
    IsUnmanaged: false,
    ThrottleStatus: 0,
    Credentials: credentials,
    EstsProperties: {
      UserTenantBranding: null,
      DomainType: federated ? 4 : 3,
    },
    IsSignupDisallowed: true,
    apiCanary: newGuid(),
  };
}
