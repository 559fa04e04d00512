/**
 * @hma-lab/entra: a mock Microsoft Entra ID (Azure AD) for the lab: OIDC
 * metadata and JWKS, the sign-in pages with home realm discovery, the
 * WS-Federation return from AD FS, conditional access and TOTP MFA, and the
 * token endpoint's grants (authorization code + PKCE, refresh, on-behalf-of,
 * client credentials, device code, password).
 *
 * @example
 * ```ts
 * import { createTestContext } from '@hma-lab/core';
 * import { createEntra } from '@hma-lab/entra';
 * const ctx = createTestContext();
 * const entra = createEntra(ctx.depsFor('entra'));
 * ctx.mount('entra', entra.app);
 * ```
 */
import type { ServiceDeps, SigningKey, Timer } from '@hma-lab/core';
import type express from 'express';
import { resolveEntraConfig, type EntraConfig } from './config.js';
import { createEntraApp } from './http/app.js';
import { createEntraContext } from './protocol/context.js';
import { directoryForEntra } from './protocol/resources.js';
import { createStores } from './protocol/stores.js';

export { DEFAULT_ENTRA_CONFIG, type EntraConfig } from './config.js';
export {
  ENTRA_ERRORS,
  EntraError,
  entraErrorInfo,
  isEntraError,
  type AadstsCode,
  type EntraErrorInfo,
} from './errors.js';
export type { V1TokenResponseBody, V2TokenResponseBody } from './http/token-endpoint.js';
export { SESSION_COOKIE, DEVICE_HEADER } from './http/request.js';

/** The fault name that makes Entra rotate its signing key on a schedule (params `after`, `every`). */
export const SIGNING_KEY_ROTATION_FAULT = 'signing-key-rotation';

/** A running mock Entra. */
export interface EntraService {
  /** The express app (mount it on the lab's transport, or listen). */
  app: express.Express;
  /** The effective configuration. */
  readonly config: Readonly<EntraConfig>;
  /**
   * Rotates the token-signing key: the next key of `deps.keys.entra` signs from
   * now on; the old one stays published, so tokens it signed still verify.
   * Records `entra.keys.rotated` in the trace.
   *
   * @throws Error when the key ring has no further key.
   */
  rotateSigningKey(): SigningKey;
  /** Number of live sessions, codes and refresh tokens (for diagnostics and tests). */
  stats(): {
    sessions: number;
    flows: number;
    codes: number;
    refreshTokens: number;
    deviceCodes: number;
  };
  /** Stops timers and listeners and forgets every grant. */
  close(): Promise<void>;
}

/**
 * Creates the mock Entra for one lab.
 *
 * - Answers on every entra host name (`deps.hosts.hostnames('entra')`); URLs it
 *   emits use `deps.hosts.origin('entra')`.
 * - Listens to the directory: a password change or "revoke sessions" revokes the
 *   user's refresh tokens, sessions and unredeemed codes (AADSTS50173).
 * - With the scenario fault `signing-key-rotation` on (params `after`, default
 *   `1d`, and optional `every`), rotates its signing key on the lab clock.
 *
 * @example
 * ```ts
 * const entra = createEntra(deps, { multiTenantIssuer: 'template' });
 * const res = await request(entra.app).get('/common/v2.0/.well-known/openid-configuration');
 * ```
 * @see README.md (endpoints, grants, claims, deviations); docs/flow-map.md steps 7-17.
 */
export function createEntra(deps: ServiceDeps, config: Partial<EntraConfig> = {}): EntraService {
  const resolved = resolveEntraConfig(config);
  const stores = createStores();
  const context = createEntraContext(
    { ...deps, directory: directoryForEntra(deps.directory, deps.faults) },
    resolved,
    stores,
  );
  const app = createEntraApp(context);

  const unsubscribe = deps.directory.onChange((change) => {
    if (change.type !== 'password-changed' && change.type !== 'sessions-revoked') return;
    const upn = change.upn.toLowerCase();
    const reason = change.type;
    let refreshTokens = 0;
    for (const rt of stores.refreshTokens.values()) {
      if (rt.upn.toLowerCase() === upn && !rt.revoked) {
        rt.revoked = reason;
        refreshTokens += 1;
      }
    }
    for (const session of stores.sessions.values()) {
      if (session.upn.toLowerCase() === upn) session.revoked ??= reason;
    }
    for (const code of stores.codes.values()) {
      if (code.upn.toLowerCase() === upn && !code.redeemed) code.revoked ??= reason;
    }
    for (const grant of stores.deviceCodes.values()) {
      if (grant.upn?.toLowerCase() === upn && grant.status === 'approved') grant.revoked ??= reason;
    }
    deps.trace.event('entra', 'entra.grants.revoked', `${change.upn}: grants revoked (${reason})`, {
      user: change.upn,
      reason,
      refreshTokens,
    });
  });

  function rotateSigningKey(): SigningKey {
    const key = deps.keys.entra.rotate();
    deps.trace.event('entra', 'entra.keys.rotated', `signing key rotated to ${key.kid}`, {
      kid: key.kid,
      published: deps.keys.entra.all().map((k) => k.kid),
    });
    return key;
  }

  // The signing-key-rotation fault, from the scenario or switched on while the
  // lab runs: rotate `after` a delay, then `every` interval if given.
  let rotationTimers: Timer[] = [];
  const scheduleRotation = (params: Record<string, unknown> | undefined): void => {
    for (const timer of rotationTimers) timer.cancel();
    rotationTimers = [];
    if (!params) return;
    const after =
      typeof params.after === 'string' || typeof params.after === 'number' ? params.after : '1d';
    const every =
      typeof params.every === 'string' || typeof params.every === 'number'
        ? params.every
        : undefined;
    const fire = (): void => {
      try {
        rotateSigningKey();
      } catch (error) {
        deps.log({ level: 'warn', party: 'entra', message: 'signing key rotation skipped', error });
        return;
      }
      if (every !== undefined)
        rotationTimers.push(deps.clock.after(every, fire, 'entra: rotate signing key'));
    };
    rotationTimers.push(deps.clock.after(after, fire, 'entra: rotate signing key'));
  };
  if (deps.faults.isOn(SIGNING_KEY_ROTATION_FAULT)) {
    scheduleRotation(deps.faults.params(SIGNING_KEY_ROTATION_FAULT));
  }
  const unsubscribeFaults = deps.faults.onChange((name, params) => {
    if (name === SIGNING_KEY_ROTATION_FAULT) scheduleRotation(params);
  });

  return {
    app,
    config: resolved,
    rotateSigningKey,
    stats: () => ({
      sessions: stores.sessions.size,
      flows: stores.flows.size,
      codes: stores.codes.size,
      refreshTokens: stores.refreshTokens.size,
      deviceCodes: stores.deviceCodes.size,
    }),
    async close() {
      unsubscribe();
      unsubscribeFaults();
      for (const timer of rotationTimers) timer.cancel();
      stores.clear();
    },
  };
}
