import type { User } from '@hma-lab/core';
import type { EntraContext } from './context.js';
import { newGuid, randomToken } from './ids.js';
import type { Session } from './stores.js';

/**
 * Sign-in sessions (the `ESTSAUTH` cookie): a second authorize request in the
 * same browser signs in silently while the session lives, has not been
 * revoked (password change, revoke sessions) and the user is enabled.
 */

/** The session a cookie names, if it may still be used. */
export function usableSession(context: EntraContext, id: string | undefined): Session | undefined {
  if (!id) return undefined;
  const session = context.stores.sessions.get(id);
  if (!session || session.revoked) return undefined;
  const now = context.now();
  if (session.expiresAtMs <= now) return undefined;
  const { directory } = context.deps;
  const user = directory.user(session.upn);
  if (!user || directory.isDisabled(user.upn)) return undefined;
  // A revocation recorded before this Entra instance started still counts.
  if (session.authTimeMs < directory.grantsValidAfter(user.upn)) return undefined;
  return session;
}

/** A new session after primary authentication, or the same user's session with more `amr`. */
export function openSession(
  context: EntraContext,
  user: User,
  amr: string[],
  existing: Session | undefined,
): Session {
  const now = context.now();
  if (existing && existing.upn.toLowerCase() === user.upn.toLowerCase()) {
    existing.amr = mergeAmr(existing.amr, amr);
    return existing;
  }
  const session: Session = {
    id: randomToken(32),
    sid: newGuid(),
    sessionState: newGuid(),
    upn: user.upn,
    amr: [...amr],
    authTimeMs: now,
    expiresAtMs: now + context.deps.directory.lifetimes().session,
  };
  context.stores.sessions.set(session.id, session);
  return session;
}

/** `amr` values in a stable order: the first factor, then `mfa`, `otp`. */
export function mergeAmr(...lists: string[][]): string[] {
  const order = ['fed', 'pwd', 'rsa', 'wia', 'mfa', 'otp'];
  const all = [...new Set(lists.flat())];
  return all.sort((a, b) => {
    const ia = order.indexOf(a);
    const ib = order.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
}
