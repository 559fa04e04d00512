import { EntraError } from '../errors.js';
import type { EntraContext } from './context.js';
import { isMultiTenant, type TenantRef } from './tenant.js';

/**
 * OpenID Connect discovery documents (v1 and v2), JWKS and MSAL/ADAL instance
 * discovery, as Entra publishes them, on the lab's entra origin.
 *
 * @see protocol-facts §4.1
 */

/** The v1 token issuer: `https://sts.windows.net/<tid>/`. */
export function v1Issuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** The v2 token issuer: `https://login.microsoftonline.com/<tid>/v2.0` on the lab's origin. */
export function v2Issuer(context: EntraContext, tenantId: string): string {
  return `${context.origin()}/${tenantId}/v2.0`;
}

function publishedIssuer(context: EntraContext, tenant: TenantRef, version: 'v1' | 'v2'): string {
  const template = isMultiTenant(tenant) && context.config.multiTenantIssuer === 'template';
  const tid = template ? '{tenantid}' : tenant.tenantId;
  return version === 'v1' ? v1Issuer(tid) : v2Issuer(context, tid);
}

const CLAIMS_V1 = [
  'sub',
  'iss',
  'cloud_instance_name',
  'cloud_instance_host_name',
  'cloud_graph_host_name',
  'msgraph_host',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'acr',
  'amr',
  'nonce',
  'email',
  'given_name',
  'family_name',
  'nickname',
];
const CLAIMS_V2 = [
  'sub',
  'iss',
  'cloud_instance_name',
  'cloud_instance_host_name',
  'cloud_graph_host_name',
  'msgraph_host',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'acr',
  'nonce',
  'preferred_username',
  'name',
  'tid',
  'ver',
  'at_hash',
  'c_hash',
  'email',
];

function common(context: EntraContext) {
  return {
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    id_token_signing_alg_values_supported: ['RS256'],
    // Entra does not publish this; the lab does, so PKCE-aware clients use it.
    code_challenge_methods_supported: ['S256', 'plain'],
    token_endpoint_auth_methods_supported: [
      'client_secret_post',
      'private_key_jwt',
      'client_secret_basic',
    ],
    http_logout_supported: true,
    frontchannel_logout_supported: true,
    tenant_region_scope: 'NA',
    cloud_instance_name: 'microsoftonline.com',
    cloud_graph_host_name: 'graph.windows.net',
    msgraph_host: 'graph.microsoft.com',
    rbac_url: 'https://pas.windows.net',
    origin: context.origin(),
  };
}

/** `/{tenant}/.well-known/openid-configuration` (v1). */
export function v1Configuration(context: EntraContext, tenant: TenantRef): Record<string, unknown> {
  const { origin, ...shared } = common(context);
  const base = `${origin}/${tenant.endpointSegment}`;
  return {
    token_endpoint: `${base}/oauth2/token`,
    token_endpoint_auth_methods_supported: shared.token_endpoint_auth_methods_supported,
    jwks_uri: `${origin}/common/discovery/keys`,
    response_modes_supported: shared.response_modes_supported,
    subject_types_supported: shared.subject_types_supported,
    id_token_signing_alg_values_supported: shared.id_token_signing_alg_values_supported,
    response_types_supported: ['code'],
    scopes_supported: ['openid'],
    issuer: publishedIssuer(context, tenant, 'v1'),
    microsoft_multi_refresh_token: true,
    authorization_endpoint: `${base}/oauth2/authorize`,
    device_authorization_endpoint: `${base}/oauth2/devicecode`,
    code_challenge_methods_supported: shared.code_challenge_methods_supported,
    http_logout_supported: shared.http_logout_supported,
    frontchannel_logout_supported: shared.frontchannel_logout_supported,
    end_session_endpoint: `${base}/oauth2/logout`,
    claims_supported: CLAIMS_V1,
    tenant_region_scope: shared.tenant_region_scope,
    cloud_instance_name: shared.cloud_instance_name,
    cloud_graph_host_name: shared.cloud_graph_host_name,
    msgraph_host: shared.msgraph_host,
    rbac_url: shared.rbac_url,
  };
}

/** `/{tenant}/v2.0/.well-known/openid-configuration`. */
export function v2Configuration(context: EntraContext, tenant: TenantRef): Record<string, unknown> {
  const { origin, ...shared } = common(context);
  const base = `${origin}/${tenant.endpointSegment}`;
  return {
    token_endpoint: `${base}/oauth2/v2.0/token`,
    token_endpoint_auth_methods_supported: shared.token_endpoint_auth_methods_supported,
    jwks_uri: `${base}/discovery/v2.0/keys`,
    response_modes_supported: shared.response_modes_supported,
    subject_types_supported: shared.subject_types_supported,
    id_token_signing_alg_values_supported: shared.id_token_signing_alg_values_supported,
    response_types_supported: ['code'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    issuer: publishedIssuer(context, tenant, 'v2'),
    request_uri_parameter_supported: false,
    authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
    device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
    code_challenge_methods_supported: shared.code_challenge_methods_supported,
    http_logout_supported: shared.http_logout_supported,
    frontchannel_logout_supported: shared.frontchannel_logout_supported,
    end_session_endpoint: `${base}/oauth2/v2.0/logout`,
    claims_supported: CLAIMS_V2,
    kerberos_endpoint: `${base}/kerberos`,
    tenant_region_scope: shared.tenant_region_scope,
    cloud_instance_name: shared.cloud_instance_name,
    cloud_graph_host_name: shared.cloud_graph_host_name,
    msgraph_host: shared.msgraph_host,
    rbac_url: shared.rbac_url,
  };
}

/** The JWKS: every published key of the entra ring (signer first), with `kid`, `x5t`, `x5c`. */
export function jwks(
  context: EntraContext,
  tenant: TenantRef,
  version: 'v1' | 'v2',
): { keys: Array<Record<string, unknown>> } {
  const keys = context.deps.keys.entra.jwks().keys.map((key) => {
    if (version === 'v1') return { ...key };
    return { ...key, issuer: publishedIssuer(context, tenant, 'v2') };
  });
  return { keys };
}

/**
 * MSAL/ADAL instance discovery (`/common/discovery/instance?api-version=1.1`).
 * The aliases are the lab's entra host names; the tenant discovery endpoint
 * follows the authorization endpoint's tenant and version.
 */
export function instanceDiscovery(
  context: EntraContext,
  authorizationEndpoint: string | undefined,
): Record<string, unknown> {
  const hosts = context.deps.hosts.hostnames('entra').map((h) => h.toLowerCase());
  let tenant = 'common';
  let v2 = true;
  if (authorizationEndpoint) {
    let url: URL;
    try {
      url = new URL(authorizationEndpoint);
    } catch {
      throw new EntraError(
        50049,
        "Unknown or invalid instance: 'authorization_endpoint' is not a URL.",
      );
    }
    if (!hosts.includes(url.hostname.toLowerCase())) {
      throw new EntraError(50049);
    }
    const segments = url.pathname.split('/').filter(Boolean);
    if (segments[0]) tenant = segments[0];
    v2 = segments.includes('v2.0');
  }
  return {
    tenant_discovery_endpoint: `${context.origin()}/${tenant}${v2 ? '/v2.0' : ''}/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [
      {
        preferred_network: hosts[0],
        preferred_cache: hosts[1] ?? hosts[0],
        aliases: [...hosts],
      },
    ],
  };
}
