import { randomBytes } from 'node:crypto';
import type { Clock, Directory } from '@hma-lab/core';

/** An AD FS single sign-on session, what the `MSISAuth` cookie stands for. */
export interface AdfsSession {
  id: string;
  upn: string;
  /** The farm (adfs host) that created it. */
  adfsHost: string;
  authenticatedAtMs: number;
  expiresAtMs: number;
}

export interface SessionStore {
  create(upn: string, adfsHost: string): AdfsSession;
  /**
   * The session an `MSISAuth` value names, if it still allows single sign-on:
   * not expired, same farm, the user still enabled, and no password change or
   * revocation in the directory since the user signed in.
   */
  find(id: string | undefined, adfsHost: string): AdfsSession | undefined;
  delete(id: string | undefined): void;
  clear(): void;
}

/** In-memory sessions of one AD FS instance (no module state: one store per service). */
export function createSessionStore(
  clock: Clock,
  directory: Directory,
  lifetimeMs: number,
): SessionStore {
  const sessions = new Map<string, AdfsSession>();

  function prune(now: number): void {
    for (const [id, session] of sessions) if (session.expiresAtMs <= now) sessions.delete(id);
  }

  return {
    create(upn, adfsHost) {
      const now = clock.now();
      prune(now);
      const session: AdfsSession = {
        id: randomBytes(24).toString('base64url'),
        upn,
        adfsHost: adfsHost.toLowerCase(),
        authenticatedAtMs: now,
        expiresAtMs: now + lifetimeMs,
      };
      sessions.set(session.id, session);
      return session;
    },
    find(id, adfsHost) {
      if (!id) return undefined;
      const session = sessions.get(id);
      if (!session) return undefined;
      const usable =
        session.expiresAtMs > clock.now() &&
        session.adfsHost === adfsHost.toLowerCase() &&
        directory.user(session.upn) !== undefined &&
        !directory.isDisabled(session.upn) &&
        directory.grantsValidAfter(session.upn) <= session.authenticatedAtMs;
      if (!usable) sessions.delete(id);
      return usable ? session : undefined;
    },
    delete(id) {
      if (id) sessions.delete(id);
    },
    clear() {
      sessions.clear();
    },
  };
}
