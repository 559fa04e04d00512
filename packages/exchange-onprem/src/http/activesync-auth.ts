import type { User } from '@hma-lab/core';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ExchangeAuthError } from '../errors.js';
import { authenticateBasic } from '../protocol/basic-auth.js';
import {
  checkTokenUse,
  fillDiagnostics,
  verifyBearerToken,
  type BearerCheck,
} from '../protocol/bearer-token.js';
import type { TokenCache } from '../protocol/token-cache.js';
import type { SigningKeySource } from './entra-jwks.js';
import type { EasServiceState } from '../protocol/server-state.js';
import type { OnpremActiveSyncConfig } from '../config.js';
import { mailboxVersionWithFaults, serverNowWithFaults } from '../protocol/fault-overlay.js';

/** Who made the request, once authenticated. */
export interface Principal {
  user: User;
  method: 'Bearer' | 'Basic';
  claims?: Record<string, unknown>;
}

/** `res.locals.principal`, set by {@link authenticate}. */
export function principalOf(res: Response): Principal {
  const principal = res.locals['principal'] as Principal | undefined;
  if (!principal) throw new Error('authenticate() has not run');
  return principal;
}

/** What the authentication of a virtual directory needs of its server. */
export type AuthState = Pick<
  EasServiceState,
  'config' | 'directory' | 'clock' | 'faults' | 'event'
>;

/** The virtual directory being authenticated: ActiveSync (default) or POX AutoDiscover. */
export interface AuthVdir {
  name: 'ActiveSync' | 'Autodiscover';
  /** The origin a Bearer token's `aud` must be, for this request. */
  origin(req: Request): string;
  /** The trace action of a refusal. */
  rejectedEvent: string;
}

/**
 * The virtual directory's authentication, for every method: no credential or
 * an empty `Bearer` -> 401 with the challenges; `Bearer <token>` validated as
 * Exchange does (bearer-token.ts), then refused for an Exchange 2010 mailbox;
 * `Basic` per basic-auth.ts; any other scheme -> 401 with the challenges.
 */
export function authenticate(
  state: AuthState,
  deps: { jwks: SigningKeySource; tokens: TokenCache },
  vdir: AuthVdir = activeSyncVdir(state.config),
): RequestHandler {
  const { config, directory, clock } = state;
  return async function authenticateRequest(req: Request, res: Response, next: NextFunction) {
    const header = req.get('authorization')?.trim() ?? '';
    const space = header.indexOf(' ');
    const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
    const credential = space < 0 ? '' : header.slice(space + 1).trim();
    try {
      if (scheme === 'bearer' && credential) {
        res.locals['principal'] = await bearer(credential, vdir.origin(req));
      } else if (scheme === 'basic' && credential) {
        res.locals['principal'] = {
          user: authenticateBasic(credential, {
            directory,
            onprem: config.onprem,
            blockedBasic: config.blockedBasic,
            vdir: vdir.name,
          }),
          method: 'Basic',
        } satisfies Principal;
      } else {
        throw new ExchangeAuthError('no credentials');
      }
    } catch (error) {
      if (error instanceof ExchangeAuthError || (error as { status?: number }).status === 403) {
        state.event(
          vdir.rejectedEvent,
          `${scheme || 'anonymous'} refused: ${(error as Error).message}`,
          {
            scheme: scheme || 'none',
            ...(error instanceof ExchangeAuthError && error.diagnostics
              ? { diagnostics: error.diagnostics.code }
              : {}),
          },
        );
      }
      throw error;
    }
    next();
  };

  async function bearer(raw: string, requestOrigin: string): Promise<Principal> {
    const nowMs = serverNowWithFaults(clock.now(), state.faults);
    const check: BearerCheck = {
      tenantId: directory.tenant.id,
      requestOrigin,
      nowMs,
      clockSkewS: config.clockSkewS,
      expired: config.expiredToken,
      requiredScope: config.requiredScope,
      directory,
      keyFor: (kid) => deps.jwks.keyFor(kid),
    };
    let verified = deps.tokens.get(raw, nowMs);
    if (!verified) {
      verified = await verifyBearerToken(raw, check);
      deps.tokens.set(raw, verified, nowMs);
    }
    const user = checkTokenUse(verified, check);
    const version = mailboxVersionWithFaults(
      user.mailbox?.location === 'onprem' ? user.mailbox.exchangeVersion : undefined,
      state.faults,
    );
    if (version === '2010') {
      throw new ExchangeAuthError(
        `OAuth is not supported for ${user.upn}'s Exchange 2010 mailbox`,
        {
          diagnostics: fillDiagnostics(config.oauthUnsupportedMailbox, { version }),
        },
      );
    }
    return { user, method: 'Bearer', claims: verified.claims };
  }
}

/**
 * The ActiveSync virtual directory: tokens for `https://<easHost>` (`http://`
 * behind SSL offload, read on each request: a fault switches it at run time).
 */
export function activeSyncVdir(config: OnpremActiveSyncConfig): AuthVdir {
  return {
    name: 'ActiveSync',
    origin: () => `${config.onprem.sslOffload ? 'http' : 'https'}://${config.onprem.easHost}`,
    rejectedEvent: 'onprem.eas.auth.rejected',
  };
}
