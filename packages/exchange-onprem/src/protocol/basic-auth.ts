import type { AuthenticationPolicy, Directory, OnpremConfig, User } from '@hma-lab/core';
import type { BlockedBasicAnswer } from '../config.js';
import { EasHttpError, ExchangeAuthError } from '../errors.js';

/**
 * Basic authentication at the ActiveSync virtual directory: enabled or not on
 * the vdir (`basicAuth`), refused before the password is even looked at when
 * the user's authentication policy (or the organisation default) has
 * `BlockLegacyAuthActiveSync` (policies act at pre-authentication, facts §7),
 * then checked against the directory.
 */

export interface BasicCredentials {
  userName: string;
  password: string;
}

/** The user name and password of a `Basic` credential (RFC 7617), or undefined if malformed. */
export function parseBasicCredentials(token: string): BasicCredentials | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) return undefined;
  return { userName: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * The user a Basic user name denotes: a UPN (`alice@contoso.com`), a
 * down-level name (`CONTOSO\alice`) or a bare account name (`alice`); the
 * latter two match the local part of a UPN when exactly one user has it.
 */
export function resolveLogonName(userName: string, directory: Directory): User | undefined {
  const name = userName.trim();
  if (name.includes('@')) return directory.user(name);
  const account = (name.includes('\\') ? name.split('\\').pop()! : name).toLowerCase();
  const matches = directory.users().filter((u) => u.upn.split('@')[0]!.toLowerCase() === account);
  return matches.length === 1 ? matches[0] : undefined;
}

/** The on-prem authentication policy that applies to a user: their own, else the organisation default. */
export function authenticationPolicyFor(
  user: User,
  onprem: Pick<OnpremConfig, 'authenticationPolicies' | 'defaultAuthenticationPolicy'>,
): AuthenticationPolicy | undefined {
  const name = user.authenticationPolicy ?? onprem.defaultAuthenticationPolicy;
  return name ? onprem.authenticationPolicies.find((p) => p.name === name) : undefined;
}

/**
 * Checks a Basic credential; returns the user or throws the 401 (or the
 * configured answer to a policy block).
 */
export function authenticateBasic(
  token: string,
  ctx: {
    directory: Directory;
    onprem: OnpremConfig;
    blockedBasic: BlockedBasicAnswer;
    /** The virtual directory asked: its policy switch (`BlockLegacyAuth<vdir>`) applies. Default ActiveSync. */
    vdir?: 'ActiveSync' | 'Autodiscover';
  },
): User {
  const { directory, onprem } = ctx;
  const vdir = ctx.vdir ?? 'ActiveSync';
  if (!onprem.basicAuth) {
    throw new ExchangeAuthError(
      `Basic authentication is disabled on the ${vdir} virtual directory`,
      {
        offerBasic: false,
      },
    );
  }
  const credentials = parseBasicCredentials(token);
  const user = credentials ? resolveLogonName(credentials.userName, directory) : undefined;
  const policy = user ? authenticationPolicyFor(user, onprem) : undefined;
  const blocked =
    vdir === 'ActiveSync' ? policy?.blockLegacyAuthActiveSync : policy?.blockLegacyAuthAutodiscover;
  if (user && blocked) {
    const message = `Basic authentication for ${user.upn} is blocked by authentication policy (BlockLegacyAuth${vdir})`;
    if (ctx.blockedBasic === 'forbidden') throw new EasHttpError(403, 'LegacyAuthBlocked', message);
    throw new ExchangeAuthError(message, { offerBasic: ctx.blockedBasic === 'both-challenges' });
  }
  if (
    !credentials ||
    !user ||
    directory.isDisabled(user.upn) ||
    !directory.checkPassword(user.upn, credentials.password)
  ) {
    throw new ExchangeAuthError('the user name or password is incorrect');
  }
  return user;
}
