import { WELL_KNOWN_APPS, type App, type Directory, type FaultBoard } from '@hma-lab/core';
import { EntraError } from '../errors.js';
import { ONPREM_SPNS_MISSING_FAULT } from './faults.js';
import type { TokenTarget } from './stores.js';

/**
 * Resources and permissions: which app a v1 `resource` or a v2 scope names,
 * what the client may do on it (the scenario's `requiredResourceAccess`,
 * consented tenant-wide), and how scopes are written back.
 */

/** OpenID Connect scopes: they name no resource. */
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

function isOidcScope(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope.toLowerCase());
}

function notFound(directory: Directory, resource: string): EntraError {
  return new EntraError(
    500011,
    `The resource principal named ${resource} was not found in the tenant named ${directory.tenant.displayName}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
  );
}

/**
 * The directory as Entra reads it: with the fault `onprem-spns-missing` on, an
 * app is found by its appId and identifier URIs only, not by the service
 * principal names the Hybrid Configuration Wizard registers (the on-premises
 * namespaces), so a token for one of those is AADSTS500011.
 */
export function directoryForEntra(directory: Directory, faults: FaultBoard): Directory {
  return {
    ...directory,
    resource: (identifier) =>
      directory.resource(identifier, {
        servicePrincipalNames: !faults.isOn(ONPREM_SPNS_MISSING_FAULT),
      }),
  };
}

/** A v1 `resource`: the app whose appId, identifier URI or service principal name it is. */
export function resolveV1Resource(directory: Directory, resource: string): TokenTarget {
  const app = directory.resource(resource);
  if (!app) throw notFound(directory, resource);
  // Matched without surrounding white space (the directory trims), so named without it in `aud`.
  return { resourceApp: app, resource: resource.trim(), requestedScopes: [] };
}

/** The result of reading a v2 `scope` parameter. */
export interface ParsedScopes {
  /** The first resource named (tokens are for one resource). */
  target?: TokenTarget;
  /** Every distinct resource named, in order. */
  resources: TokenTarget[];
  oidcScopes: string[];
  raw: string[];
}

/**
 * Reads a v2 `scope`: `openid profile offline_access`, fully qualified
 * scopes (`https://outlook.office.com/EAS.AccessAsUser.All`,
 * `api://app/.default`, `<appId>/User.Read`), or bare names, which are
 * Microsoft Graph's. Unknown resources are AADSTS500011, scopes a resource
 * does not expose AADSTS70011.
 */
export function parseV2Scopes(directory: Directory, scope: string | undefined): ParsedScopes {
  const raw = (scope ?? '').split(/\s+/).filter(Boolean);
  const oidcScopes: string[] = [];
  const resources: TokenTarget[] = [];
  for (const item of raw) {
    if (isOidcScope(item)) {
      if (!oidcScopes.includes(item.toLowerCase())) oidcScopes.push(item.toLowerCase());
      continue;
    }
    const slash = item.lastIndexOf('/');
    let prefix: string;
    let name: string;
    if (slash > 0) {
      prefix = item.slice(0, slash);
      name = item.slice(slash + 1);
    } else {
      const graph = directory.app(WELL_KNOWN_APPS.graph);
      if (!graph) throw notFound(directory, item);
      prefix = graph.identifierUris[0] ?? graph.appId;
      name = item;
    }
    const app = directory.resource(prefix);
    if (!app) throw notFound(directory, prefix);
    if (!name) throw invalidScope(item);
    if (name !== '.default' && !app.scopes.some((s) => s.toLowerCase() === name.toLowerCase())) {
      throw invalidScope(item);
    }
    let target = resources.find((r) => r.resourceApp.appId === app.appId);
    if (!target) {
      target = { resourceApp: app, resource: prefix, requestedScopes: [] };
      resources.push(target);
    }
    if (!target.requestedScopes.includes(name)) target.requestedScopes.push(name);
  }
  return resources[0]
    ? { target: resources[0], resources, oidcScopes, raw }
    : { resources, oidcScopes, raw };
}

/** AADSTS70011 for one scope. */
export function invalidScope(scope: string): EntraError {
  return new EntraError(
    70011,
    `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  );
}

/** A v2 request that names no resource: the token is for Microsoft Graph (as Entra does). */
export function defaultV2Target(directory: Directory, client: App): TokenTarget {
  const graph = directory.app(WELL_KNOWN_APPS.graph);
  if (graph) {
    return {
      resourceApp: graph,
      resource: graph.identifierUris[0] ?? graph.appId,
      requestedScopes: [],
    };
  }
  return { resourceApp: client, resource: client.appId, requestedScopes: [] };
}

/**
 * Delegated permissions the client holds on the resource: its consented
 * `requiredResourceAccess` scopes (Entra puts all of them in `scp`, not only
 * the requested ones). A client asking for a token for itself without listing
 * itself there gets every scope it exposes. `undefined` means no consent at all.
 */
export function consentedScopes(client: App, resource: App): string[] | undefined {
  const access = client.requiredResourceAccess.find(
    (r) => r.resourceAppId.toLowerCase() === resource.appId.toLowerCase(),
  );
  if (access && access.scopes.length > 0) return [...access.scopes];
  if (client.appId.toLowerCase() === resource.appId.toLowerCase()) {
    return resource.scopes.length > 0 ? [...resource.scopes] : ['user_impersonation'];
  }
  return undefined;
}

/** Application permissions (`roles`) the client holds on the resource. */
export function grantedRoles(client: App, resource: App): string[] {
  const access = client.requiredResourceAccess.find(
    (r) => r.resourceAppId.toLowerCase() === resource.appId.toLowerCase(),
  );
  return access ? [...access.roles] : [];
}

/** AADSTS65001: the client has no consent on the resource. */
export function consentRequired(client: App, target: TokenTarget): EntraError {
  return new EntraError(
    65001,
    `The user or administrator has not consented to use the application with ID '${client.appId}' named '${client.displayName}'. Send an interactive authorization request for this user and resource (${target.resource}).`,
    { suberror: 'consent_required' },
  );
}

/**
 * The delegated scopes for a user token, checking consent and that the
 * requested scopes are among the consented ones.
 */
export function delegatedScopesFor(client: App, target: TokenTarget): string[] {
  const consented = consentedScopes(client, target.resourceApp);
  if (!consented) throw consentRequired(client, target);
  for (const name of target.requestedScopes) {
    if (name === '.default') continue;
    if (!consented.some((s) => s.toLowerCase() === name.toLowerCase())) {
      throw consentRequired(client, target);
    }
  }
  return consented;
}

/**
 * The `scope` of a v2 token response: resource scopes qualified with the
 * resource (Graph's stay bare, as Entra writes them), then `<resource>/.default`
 * when the request asked for it, then the OIDC scopes. Entra lists `.default`
 * beside the scopes it stands for (`…/user_impersonation …/.default`), and
 * MSAL finds a cached token for a `.default` request only by that entry.
 */
export function v2ResponseScope(target: TokenTarget, scp: string[], oidcScopes: string[]): string {
  const graph = target.resourceApp.appId === WELL_KNOWN_APPS.graph;
  const prefix = target.resource.replace(/\/+$/, '');
  const qualified = scp.map((s) => (graph ? s : `${prefix}/${s}`));
  if (target.requestedScopes.includes('.default')) qualified.push(`${prefix}/.default`);
  return [...qualified, ...oidcScopes].join(' ');
}
