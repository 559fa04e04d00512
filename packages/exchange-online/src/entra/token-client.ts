import { decodeJwt, type Clock, type HostMap, type LabFetch } from '@hma-lab/core';

/**
 * Exchange Online as an OAuth client of Entra (v1 token endpoint): the
 * on-behalf-of grant that trades AT1 for AT2/RT2 (step 17) and the
 * refresh_token grant that renews AT2 with RT2 (step 19, in the background).
 * Requests are exactly those of docs/flow-map.md.
 *
 * @see protocol-facts.md §4.2, §4.3 (V1-OBO)
 */

/** Tokens Entra handed out. */
export interface GrantedTokens {
  accessToken: string;
  /** Absent when Entra did not return one (the old RT2 stays in use). */
  refreshToken?: string;
  /** AT expiry, ms since the epoch (from `expires_on`, else `expires_in`, else the JWT `exp`). */
  expiresAtMs: number;
  resource: string;
}

/**
 * Entra refused or could not answer a grant. `kind` tells the caller what to do:
 * `refused` (4xx: the user must act, e.g. sign in again), `unavailable` (5xx or
 * unreachable: retry later).
 */
export class EntraGrantError extends Error {
  override readonly name = 'EntraGrantError';
  readonly kind: 'refused' | 'unavailable';
  readonly status: number;
  /** OAuth `error`, e.g. `invalid_grant`, `interaction_required`. */
  readonly error: string;
  /** The first AADSTS number of the answer. */
  readonly aadsts?: number;
  readonly description: string;
  /** A claims challenge (`claims`), when Entra sent one. */
  readonly claims?: string;
  readonly correlationId?: string;

  constructor(init: {
    kind: 'refused' | 'unavailable';
    status: number;
    error: string;
    description: string;
    aadsts?: number;
    claims?: string;
    correlationId?: string;
  }) {
    super(`${init.error}: ${init.description.split(/\r?\n/)[0]}`);
    this.kind = init.kind;
    this.status = init.status;
    this.error = init.error;
    this.description = init.description;
    if (init.aadsts !== undefined) this.aadsts = init.aadsts;
    if (init.claims !== undefined) this.claims = init.claims;
    if (init.correlationId !== undefined) this.correlationId = init.correlationId;
  }
}

export interface TokenClient {
  /** Step 17: AT1 on-behalf-of for `resource`. */
  onBehalfOf(input: {
    tenantId: string;
    assertion: string;
    resource: string;
  }): Promise<GrantedTokens>;
  /** Renews AT2 with RT2. */
  refresh(input: {
    tenantId: string;
    refreshToken: string;
    resource: string;
  }): Promise<GrantedTokens>;
}

export function createTokenClient(options: {
  fetch: LabFetch;
  hosts: HostMap;
  clock: Clock;
  clientId: string;
  clientSecret: string;
}): TokenClient {
  async function grant(
    tenantId: string,
    params: Record<string, string>,
    resource: string,
  ): Promise<GrantedTokens> {
    const url = options.hosts.url('entra', `/${encodeURIComponent(tenantId)}/oauth2/token`);
    let response: Response;
    try {
      response = await options.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams(params).toString(),
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? 'error';
      throw new EntraGrantError({
        kind: 'unavailable',
        status: 0,
        error: 'unreachable',
        description: `${new URL(url).host} could not be reached (${code})`,
      });
    }
    const text = await response.text();
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON: described below.
    }
    if (response.status !== 200 || typeof body.access_token !== 'string') {
      const description =
        typeof body.error_description === 'string'
          ? body.error_description
          : `Entra answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
      const codes = Array.isArray(body.error_codes) ? body.error_codes : [];
      const aadsts =
        typeof codes[0] === 'number'
          ? codes[0]
          : Number(/AADSTS(\d+)/.exec(description)?.[1] ?? NaN) || undefined;
      throw new EntraGrantError({
        kind: response.status >= 500 || response.status === 429 ? 'unavailable' : 'refused',
        status: response.status,
        error: typeof body.error === 'string' ? body.error : 'invalid_response',
        description,
        ...(aadsts !== undefined ? { aadsts } : {}),
        ...(typeof body.claims === 'string' ? { claims: body.claims } : {}),
        ...(typeof body.correlation_id === 'string' ? { correlationId: body.correlation_id } : {}),
      });
    }
    return {
      accessToken: body.access_token,
      ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
      expiresAtMs: expiryOf(body, body.access_token, options.clock.now()),
      resource: typeof body.resource === 'string' ? body.resource : resource,
    };
  }

  return {
    onBehalfOf({ tenantId, assertion, resource }) {
      return grant(
        tenantId,
        {
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          client_id: options.clientId,
          client_secret: options.clientSecret,
          assertion,
          requested_token_use: 'on_behalf_of',
          resource,
        },
        resource,
      );
    },
    refresh({ tenantId, refreshToken, resource }) {
      return grant(
        tenantId,
        {
          grant_type: 'refresh_token',
          client_id: options.clientId,
          client_secret: options.clientSecret,
          refresh_token: refreshToken,
          resource,
        },
        resource,
      );
    },
  };
}

/** v1 answers carry numbers as strings (`"expires_on":"1460404526"`). */
function expiryOf(body: Record<string, unknown>, accessToken: string, nowMs: number): number {
  const on = Number(body.expires_on);
  if (Number.isFinite(on) && on > 0) return on * 1000;
  const inS = Number(body.expires_in);
  if (Number.isFinite(inS) && inS > 0) return nowMs + inS * 1000;
  const exp = decodeJwt(accessToken)?.claims.exp;
  return typeof exp === 'number' ? exp * 1000 : nowMs + 3_600_000;
}
