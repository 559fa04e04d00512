import type { Clock } from './clock.js';
import { parseDuration } from './duration.js';
import type { App, ConditionalAccessPolicy, Domain, Scenario, User } from './scenario/schema.js';

/**
 * The scenario as a live directory: the identity facts every party shares
 * (tenant, domains, users, apps, policies), plus the few things that change
 * while a lab runs: passwords, revoked sessions, disabled accounts.
 */
export interface Directory {
  readonly scenario: Scenario;
  readonly tenant: Scenario['tenant'];
  users(): readonly User[];
  /** A user by UPN (case-insensitive). */
  user(upn: string): User | undefined;
  userById(objectId: string): User | undefined;
  domain(name: string): Domain | undefined;
  /** The domain of an address or UPN, if the tenant has it. */
  domainOf(upn: string): Domain | undefined;
  app(appId: string): App | undefined;
  /**
   * The app a resource identifier names: its appId, an identifier URI or a
   * service principal name (case-insensitive, a trailing slash ignored).
   * `servicePrincipalNames: false` leaves the last out.
   */
  resource(identifier: string, options?: { servicePrincipalNames?: boolean }): App | undefined;
  conditionalAccess(): readonly ConditionalAccessPolicy[];
  /** Token lifetimes in milliseconds. */
  lifetimes(): TokenLifetimesMs;
  checkPassword(upn: string, password: string): boolean;
  /** Changes a password; refresh tokens issued before now stop working. */
  changePassword(upn: string, newPassword: string): void;
  /** "Revoke sessions": refresh tokens and sessions issued before now stop working. */
  revokeSessions(upn: string): void;
  setDisabled(upn: string, disabled: boolean): void;
  /** Whether the account is disabled now (it may have changed since the scenario was loaded). */
  isDisabled(upn: string): boolean;
  /** Refresh tokens and sessions issued before this time (ms) are void; 0 when none are. */
  grantsValidAfter(upn: string): number;
  /** Why grants are void, for error texts: the last password change or revocation. */
  grantsVoidReason(upn: string): 'password-changed' | 'sessions-revoked' | undefined;
  /** Listens to changes; returns an unsubscribe function. */
  onChange(listener: (change: DirectoryChange) => void): () => void;
}

export interface TokenLifetimesMs {
  accessToken: number;
  refreshTokenInactivity: number;
  refreshTokenMaxAge: number;
  authorizationCode: number;
  session: number;
}

export interface DirectoryChange {
  type: 'password-changed' | 'sessions-revoked' | 'disabled' | 'enabled';
  upn: string;
  atMs: number;
}

interface UserState {
  password: string;
  disabled: boolean;
  voidBeforeMs: number;
  voidReason?: 'password-changed' | 'sessions-revoked';
}

function normalizeIdentifier(identifier: string): string {
  return identifier.trim().toLowerCase().replace(/\/+$/, '');
}

/** Builds the live directory of a validated scenario. */
export function createDirectory(scenario: Scenario, clock: Clock): Directory {
  const usersByUpn = new Map(scenario.users.map((u) => [u.upn.toLowerCase(), u]));
  const usersById = new Map(scenario.users.map((u) => [u.objectId.toLowerCase(), u]));
  const domains = new Map(scenario.domains.map((d) => [d.name.toLowerCase(), d]));
  const apps = new Map(scenario.apps.map((a) => [a.appId.toLowerCase(), a]));
  const resources = new Map<string, App>();
  /** By appId and identifier URI only. */
  const named = new Map<string, App>();
  for (const app of scenario.apps) {
    for (const id of [app.appId, ...app.identifierUris]) named.set(normalizeIdentifier(id), app);
    for (const id of [app.appId, ...app.identifierUris, ...app.servicePrincipalNames]) {
      resources.set(normalizeIdentifier(id), app);
    }
  }
  const state = new Map<string, UserState>(
    scenario.users.map((u) => [
      u.upn.toLowerCase(),
      { password: u.password, disabled: u.disabled, voidBeforeMs: 0 },
    ]),
  );
  const listeners = new Set<(change: DirectoryChange) => void>();
  const lifetimes: TokenLifetimesMs = {
    accessToken: parseDuration(scenario.tokenLifetimes.accessToken),
    refreshTokenInactivity: parseDuration(scenario.tokenLifetimes.refreshTokenInactivity),
    refreshTokenMaxAge: parseDuration(scenario.tokenLifetimes.refreshTokenMaxAge),
    authorizationCode: parseDuration(scenario.tokenLifetimes.authorizationCode),
    session: parseDuration(scenario.tokenLifetimes.session),
  };

  function stateOf(upn: string): UserState {
    const entry = state.get(upn.toLowerCase());
    if (!entry) throw new Error(`no user ${upn}`);
    return entry;
  }

  function emit(type: DirectoryChange['type'], upn: string): void {
    const change = { type, upn: stateKey(upn), atMs: clock.now() };
    for (const listener of listeners) listener(change);
  }

  function stateKey(upn: string): string {
    return usersByUpn.get(upn.toLowerCase())?.upn ?? upn;
  }

  return {
    scenario,
    tenant: scenario.tenant,
    users: () => scenario.users,
    user: (upn) => usersByUpn.get(upn.trim().toLowerCase()),
    userById: (id) => usersById.get(id.toLowerCase()),
    domain: (name) => domains.get(name.toLowerCase()),
    domainOf: (upn) => domains.get(upn.split('@')[1]?.toLowerCase() ?? ''),
    app: (appId) => apps.get(appId.toLowerCase()),
    resource: (identifier, options) =>
      (options?.servicePrincipalNames === false ? named : resources).get(
        normalizeIdentifier(identifier),
      ),
    conditionalAccess: () => scenario.conditionalAccess,
    lifetimes: () => lifetimes,
    checkPassword(upn, password) {
      const entry = state.get(upn.toLowerCase());
      return entry !== undefined && entry.password === password;
    },
    changePassword(upn, newPassword) {
      const entry = stateOf(upn);
      entry.password = newPassword;
      entry.voidBeforeMs = clock.now();
      entry.voidReason = 'password-changed';
      emit('password-changed', upn);
    },
    revokeSessions(upn) {
      const entry = stateOf(upn);
      entry.voidBeforeMs = clock.now();
      entry.voidReason = 'sessions-revoked';
      emit('sessions-revoked', upn);
    },
    setDisabled(upn, disabled) {
      stateOf(upn).disabled = disabled;
      emit(disabled ? 'disabled' : 'enabled', upn);
    },
    isDisabled: (upn) => state.get(upn.toLowerCase())?.disabled ?? false,
    grantsValidAfter: (upn) => state.get(upn.toLowerCase())?.voidBeforeMs ?? 0,
    grantsVoidReason: (upn) => state.get(upn.toLowerCase())?.voidReason,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
