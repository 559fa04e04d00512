import { shorten, type App } from '@hma-lab/core';
import { EntraError, missingParameter, type ErrorRedirect } from '../errors.js';
import { requireClient } from './client-auth.js';
import type { EntraContext } from './context.js';
import { delegatedScopesFor, parseV2Scopes, resolveV1Resource, OIDC_SCOPES } from './resources.js';
import type { AuthorizeRequest, ProtocolVersion } from './stores.js';
import type { TenantRef } from './tenant.js';

/**
 * Validation of an authorize request (v1 `/oauth2/authorize`, v2
 * `/oauth2/v2.0/authorize`). The client and redirect URI are checked first:
 * until both are known good, errors are shown as a page and never redirected
 * (no open redirect). After that, errors go back to the client.
 *
 * @see protocol-facts §4.2
 */

export type AuthorizeParams = Record<string, string | undefined>;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function loopbackParts(uri: string): { path: string } | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' || !LOOPBACK_HOSTS.has(url.hostname)) return undefined;
  if (url.username || url.password) return undefined;
  return { path: `${url.pathname.replace(/\/+$/, '')}${url.search}` };
}

/**
 * Whether `redirectUri` is registered for the app: exact match, or for a
 * registered loopback URI (`http://localhost`, `http://127.0.0.1`) the same
 * path on any port and either loopback name, as Entra allows. Never one with
 * a fragment.
 */
export function isRegisteredRedirectUri(app: App, redirectUri: string): boolean {
  // RFC 6749 §3.1.2: a redirection endpoint has no fragment (the response's
  // parameters would land inside it), whatever is registered.
  if (redirectUri.includes('#')) return false;
  if (app.redirectUris.includes(redirectUri)) return true;
  const requested = loopbackParts(redirectUri);
  if (!requested) return false;
  return app.redirectUris.some((registered) => {
    const parts = loopbackParts(registered);
    return parts !== undefined && parts.path === requested.path;
  });
}

const RESPONSE_MODES = ['query', 'fragment', 'form_post'] as const;
const PROMPTS = ['login', 'none', 'consent', 'admin_consent', 'select_account'] as const;

function validChallenge(challenge: string, method: 'S256' | 'plain'): boolean {
  if (!/^[A-Za-z0-9._~-]+$/.test(challenge)) return false;
  return method === 'S256'
    ? challenge.length === 43
    : challenge.length >= 43 && challenge.length <= 128;
}

/** Device controls a request claims: the `x-hma-lab-device` header plus the lab-wide ones. */
export function deviceControlsOf(context: EntraContext, header: string | undefined): string[] {
  const claimed = (header ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set([...context.config.satisfiedDeviceControls, ...claimed])];
}

/**
 * Checks an authorize request. Throws {@link EntraError}s: before the redirect
 * URI is trusted without `redirect` (an error page), after it with `redirect`.
 */
export function validateAuthorizeRequest(
  context: EntraContext,
  tenant: TenantRef,
  version: ProtocolVersion,
  params: AuthorizeParams,
  deviceHeader: string | undefined,
): AuthorizeRequest {
  const client = requireClient(context, params.client_id);
  let redirectUri = params.redirect_uri;
  if (redirectUri === undefined || redirectUri === '') {
    const first = client.redirectUris[0];
    if (!first) throw new EntraError(500113);
    redirectUri = first;
  } else if (!isRegisteredRedirectUri(client, redirectUri)) {
    throw new EntraError(
      50011,
      `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${client.appId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`,
    );
  }
  const requestedMode = params.response_mode;
  const responseMode = (RESPONSE_MODES as readonly string[]).includes(requestedMode ?? '')
    ? (requestedMode as AuthorizeRequest['responseMode'])
    : 'query';
  const redirect: ErrorRedirect = {
    redirectUri,
    responseMode,
    ...(params.state !== undefined ? { state: params.state } : {}),
  };
  try {
    return validateRest(
      context,
      tenant,
      version,
      params,
      deviceHeader,
      client,
      redirectUri,
      responseMode,
    );
  } catch (error) {
    if (error instanceof EntraError && !error.redirect) {
      if (error.aadsts === 65001) {
        throw new EntraError(65001, error.message, { error: 'consent_required', redirect });
      }
      throw error.redirectTo(redirect);
    }
    throw error;
  }
}

function validateRest(
  context: EntraContext,
  tenant: TenantRef,
  version: ProtocolVersion,
  params: AuthorizeParams,
  deviceHeader: string | undefined,
  client: App,
  redirectUri: string,
  responseMode: AuthorizeRequest['responseMode'],
): AuthorizeRequest {
  const { directory } = context.deps;
  if (
    params.response_mode !== undefined &&
    !(RESPONSE_MODES as readonly string[]).includes(params.response_mode)
  ) {
    throw new EntraError(
      70007,
      // Quoted at most 100 characters long: the message travels back in the redirect's URL.
      `The application returned an unsupported value '${shorten(params.response_mode, 101)}' of response_mode.`,
    );
  }
  if (!params.response_type) throw missingParameter('response_type');
  if (params.response_type !== 'code') {
    throw new EntraError(
      700054,
      `response_type '${params.response_type}' is not enabled for the application.`,
    );
  }
  const request: AuthorizeRequest = {
    version,
    tenantSegment: tenant.segment,
    client,
    redirectUri,
    responseMode,
    oidcScopes: [],
    rawScopes: [],
    clientInfo: params.client_info === '1' || context.config.clientInfo === 'always',
    deviceControls: deviceControlsOf(context, deviceHeader),
  };
  if (params.state !== undefined) request.state = params.state;
  if (params.nonce !== undefined) request.nonce = params.nonce;
  if (params.login_hint) request.loginHint = params.login_hint.trim();
  if (params.domain_hint) request.domainHint = params.domain_hint.trim().toLowerCase();
  if (params.prompt && (PROMPTS as readonly string[]).includes(params.prompt)) {
    request.prompt = params.prompt as AuthorizeRequest['prompt'];
  }

  if (version === 'v1') {
    if (params.resource) request.target = resolveV1Resource(directory, params.resource);
    const scopes = (params.scope ?? '').split(/\s+/).filter(Boolean);
    request.rawScopes = scopes;
    request.oidcScopes = scopes.filter((s) => (OIDC_SCOPES as readonly string[]).includes(s));
  } else {
    if (!params.scope) throw missingParameter('scope');
    const parsed = parseV2Scopes(directory, params.scope);
    request.rawScopes = parsed.raw;
    request.oidcScopes = parsed.oidcScopes;
    if (parsed.target) request.target = parsed.target;
  }
  if (request.target) delegatedScopesFor(client, request.target);

  const challenge = params.code_challenge;
  if (challenge !== undefined && challenge !== '') {
    const method = params.code_challenge_method ?? 'plain';
    if (method !== 'S256' && method !== 'plain') {
      throw new EntraError(
        501491,
        `Invalid value '${method}' of code_challenge_method; supported: S256, plain.`,
      );
    }
    if (!validChallenge(challenge, method)) throw new EntraError(501491);
    request.codeChallenge = challenge;
    request.codeChallengeMethod = method;
  }
  return request;
}
