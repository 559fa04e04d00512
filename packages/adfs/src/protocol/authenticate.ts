import type { Directory, User } from '@hma-lab/core';
import type { Farm } from './farm.js';

/** Why forms sign-in failed. The user sees the same message for each (AD FS does not say which). */
export type SignInFailure =
  'missing_credentials' | 'unknown_user' | 'not_in_this_farm' | 'disabled' | 'bad_password';

export type SignInResult = { ok: true; user: User } | { ok: false; reason: SignInFailure };

/**
 * Forms authentication against the farm's directory: the user must exist, be
 * in a domain federated with this farm (a user of another domain is unknown to
 * this AD), be enabled, and give the right password.
 */
export function authenticate(
  directory: Directory,
  farm: Farm,
  userName: string,
  password: string,
): SignInResult {
  if (userName.trim() === '' || password === '')
    return { ok: false, reason: 'missing_credentials' };
  const user = directory.user(userName);
  if (!user) return { ok: false, reason: 'unknown_user' };
  const domain = user.upn.split('@')[1]!.toLowerCase();
  if (!farm.domains.includes(domain)) return { ok: false, reason: 'not_in_this_farm' };
  if (directory.isDisabled(user.upn)) return { ok: false, reason: 'disabled' };
  if (!directory.checkPassword(user.upn, password)) return { ok: false, reason: 'bad_password' };
  return { ok: true, user };
}

/**
 * The user's ImmutableID (Entra's `onPremisesImmutableId`): the scenario's
 * `immutableId`, else what Entra Connect derives by default from the AD
 * objectGUID: base64 of the GUID's bytes in .NET `Guid.ToByteArray()` order
 * (first three groups little-endian). The scenario's `objectId` stands in for
 * the objectGUID.
 *
 * @example
 * ```ts
 * immutableIdOf(directory.user('alice@contoso.com')!); // 'YWxpY2UtaW1tdXRhYmxlLWlk'
 * ```
 * @see Entra Connect design concepts, sourceAnchor (objectGUID / ms-DS-ConsistencyGuid)
 */
export function immutableIdOf(user: User): string {
  if (user.immutableId) return user.immutableId;
  const bytes = Buffer.from(user.objectId.replaceAll('-', ''), 'hex');
  const dotNetOrder = Buffer.concat([
    Buffer.from(bytes.subarray(0, 4)).reverse(),
    Buffer.from(bytes.subarray(4, 6)).reverse(),
    Buffer.from(bytes.subarray(6, 8)).reverse(),
    bytes.subarray(8),
  ]);
  return dotNetOrder.toString('base64');
}
