import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Clock, Directory } from '@hma-lab/core';
import type { SigningKeySource } from '../entra/jwks.js';
import {
  bearerOf,
  validateAccessToken,
  type TokenRules,
  type ValidatedToken,
} from '../protocol/access-token.js';

export interface HmaAuthContext {
  keys: SigningKeySource;
  clock: Clock;
  directory: Directory;
  rules: TokenRules;
}

/** The AT1 a route was called with (set by {@link requireAt1}). */
export function at1Of(res: Response): ValidatedToken {
  return res.locals.at1 as ValidatedToken;
}

/**
 * Validates AT1 (`Authorization: Bearer`) for the HMA client API and records
 * the flow step the route belongs to (16 provisioning, 20 data) for errors.
 */
export function requireAt1(ctx: HmaAuthContext, step: number): RequestHandler {
  return async function validateAt1(req: Request, res: Response, next: NextFunction) {
    res.locals.step = step;
    res.locals.at1 = await validateAccessToken(bearerOf(req.get('authorization')), ctx.rules, {
      keyFor: (kid) => ctx.keys.keyFor(kid),
      nowMs: ctx.clock.now(),
      directory: ctx.directory,
    });
    next();
  };
}
