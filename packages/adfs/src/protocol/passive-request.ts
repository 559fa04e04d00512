import { NonCompliantRequestError, UnsupportedRelyingPartyError } from '../errors.js';

/** A WS-Federation passive sign-in request (`wa=wsignin1.0`). */
export interface SignInRequest {
  kind: 'signin';
  /** The relying party (`wtrealm`). */
  realm: string;
  /** Opaque context the relying party gets back (`wctx`). */
  context: string | undefined;
  /** Login hint Entra adds (`username`). */
  userName: string | undefined;
  /** `wfresh`: the most minutes since sign-in single sign-on may reuse (0 = sign in again). */
  freshnessMin: number | undefined;
}

/** A WS-Federation sign-out request (`wa=wsignout1.0` or `wsignoutcleanup1.0`). */
export interface SignOutRequest {
  kind: 'signout';
  /** Where to send the browser afterwards (`wreply`), if given. */
  reply: string | undefined;
}

export type PassiveRequest = SignInRequest | SignOutRequest;

/**
 * Reads the query of `/adfs/ls/`. Duplicated parameters count once (the first).
 * Throws {@link NonCompliantRequestError} (MSIS7000) for anything but WS-Fed
 * sign-in/sign-out, and {@link UnsupportedRelyingPartyError} (MSIS7007) for a
 * `wtrealm` that names no trust of this farm.
 */
export function parsePassiveRequest(
  query: URLSearchParams,
  relyingParties: readonly string[],
): PassiveRequest {
  const wa = query.get('wa') ?? undefined;
  if (wa === 'wsignout1.0' || wa === 'wsignoutcleanup1.0') {
    return { kind: 'signout', reply: query.get('wreply') ?? undefined };
  }
  if (wa !== 'wsignin1.0') {
    if (query.has('SAMLRequest')) {
      throw new NonCompliantRequestError('(SAML 2.0 protocol requests are not emulated.)');
    }
    throw new NonCompliantRequestError(
      wa === undefined ? '(No wa parameter.)' : `(Unknown wa '${wa}'.)`,
    );
  }
  const realm = query.get('wtrealm');
  if (!realm) throw new NonCompliantRequestError('(No wtrealm parameter.)');
  if (!relyingParties.some((rp) => rp.toLowerCase() === realm.toLowerCase())) {
    throw new UnsupportedRelyingPartyError(realm);
  }
  const wfresh = query.get('wfresh');
  const freshnessMin = wfresh !== null && /^\d+$/.test(wfresh) ? Number(wfresh) : undefined;
  return {
    kind: 'signin',
    realm,
    context: query.get('wctx') ?? undefined,
    userName: query.get('username') ?? undefined,
    freshnessMin,
  };
}
