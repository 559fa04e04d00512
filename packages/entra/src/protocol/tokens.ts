import { signJwtAsync, type App, type User } from '@hma-lab/core';
import type { EntraContext } from './context.js';
import { newAio, newUti, pairwiseSubject, puidFor, rhFor, stableGuid } from './ids.js';
import { v1Issuer, v2Issuer } from './metadata.js';
import type { ProtocolVersion, TokenTarget } from './stores.js';

/**
 * Access and ID tokens as Entra mints them: RS256 JWTs signed by the active
 * key of the entra ring (header `typ, alg, x5t, kid`), with the v1 or v2
 * claim set.
 *
 * @see protocol-facts §4.4; the Entra access token claims reference.
 */

/** How the client authenticated: `appidacr` / `azpacr` 0, 1 or 2. */
export type ClientAuthLevel = '0' | '1' | '2';

export interface UserTokenInput {
  user: User;
  client: App;
  clientAuth: ClientAuthLevel;
  target: TokenTarget;
  scp: string[];
  amr: string[];
  sid: string;
  ipaddr: string;
}

export interface MintedToken {
  token: string;
  claims: Record<string, unknown>;
  issuedAtS: number;
  expiresAtS: number;
}

function seconds(context: EntraContext): number {
  return Math.floor(context.now() / 1000);
}

/** Whether access tokens for this resource are v2.0 tokens (config `v2AccessTokenResources`). */
export function accessTokenVersion(context: EntraContext, resource: App): ProtocolVersion {
  const wanted = context.config.v2AccessTokenResources.map((r) => r.toLowerCase());
  const names = [resource.appId, ...resource.identifierUris].map((r) => r.toLowerCase());
  return names.some((n) => wanted.includes(n)) ? 'v2' : 'v1';
}

/**
 * Signs on libuv's thread pool: RS256 is what bounds a token endpoint, and the
 * event loop stays free for other requests meanwhile. The claims are final
 * when this is called (minting is synchronous up to here).
 */
function sign(
  context: EntraContext,
  claims: Record<string, unknown>,
  times: { issuedAtS: number; expiresAtS: number },
): Promise<MintedToken> {
  return signJwtAsync(context.deps.keys.entra.active(), claims).then((token) => ({
    token,
    claims,
    ...times,
  }));
}

function accessTokenLifetimeS(context: EntraContext): number {
  return Math.floor(context.deps.directory.lifetimes().accessToken / 1000);
}

/** A delegated (user) access token for `target` (claims fixed now, signed off the event loop). */
export function mintUserAccessToken(
  context: EntraContext,
  input: UserTokenInput,
): Promise<MintedToken> {
  const { user, client, target } = input;
  const tid = context.deps.directory.tenant.id;
  const iat = seconds(context);
  const exp = iat + accessTokenLifetimeS(context);
  const version = accessTokenVersion(context, target.resourceApp);
  let claims: Record<string, unknown>;
  if (version === 'v1') {
    claims = {
      aud: target.resource,
      iss: v1Issuer(tid),
      iat,
      nbf: iat,
      exp,
      acr: '1',
      aio: newAio(),
      amr: [...input.amr],
      app_displayname: client.displayName,
      appid: client.appId,
      appidacr: input.clientAuth,
      ...(user.surname ? { family_name: user.surname } : {}),
      ...(user.givenName ? { given_name: user.givenName } : {}),
      ipaddr: input.ipaddr,
      name: user.displayName,
      oid: user.objectId,
      ...(user.onPremisesSid ? { onprem_sid: user.onPremisesSid } : {}),
      puid: puidFor(user.objectId),
      rh: rhFor(tid, target.resourceApp.appId),
      scp: input.scp.join(' '),
      sid: input.sid,
      sub: pairwiseSubject(user.objectId, target.resourceApp.appId),
      tid,
      unique_name: user.upn,
      upn: user.upn,
      uti: newUti(),
      ver: '1.0',
    };
  } else {
    claims = {
      aud: target.resourceApp.appId,
      iss: v2Issuer(context, tid),
      iat,
      nbf: iat,
      exp,
      aio: newAio(),
      azp: client.appId,
      azpacr: input.clientAuth,
      name: user.displayName,
      oid: user.objectId,
      preferred_username: user.upn,
      rh: rhFor(tid, target.resourceApp.appId),
      scp: input.scp.join(' '),
      sid: input.sid,
      sub: pairwiseSubject(user.objectId, target.resourceApp.appId),
      tid,
      uti: newUti(),
      ver: '2.0',
    };
  }
  return sign(context, claims, { issuedAtS: iat, expiresAtS: exp });
}

/** An app-only access token (client credentials), with `roles`. */
export function mintAppAccessToken(
  context: EntraContext,
  input: { client: App; clientAuth: ClientAuthLevel; target: TokenTarget; roles: string[] },
): Promise<MintedToken> {
  const { client, target } = input;
  const tid = context.deps.directory.tenant.id;
  const iat = seconds(context);
  const exp = iat + accessTokenLifetimeS(context);
  const servicePrincipalId = stableGuid('service-principal', tid, client.appId);
  const version = accessTokenVersion(context, target.resourceApp);
  const claims: Record<string, unknown> =
    version === 'v1'
      ? {
          aud: target.resource,
          iss: v1Issuer(tid),
          iat,
          nbf: iat,
          exp,
          aio: newAio(),
          app_displayname: client.displayName,
          appid: client.appId,
          appidacr: input.clientAuth,
          idp: v1Issuer(tid),
          idtyp: 'app',
          oid: servicePrincipalId,
          rh: rhFor(tid, target.resourceApp.appId),
          ...(input.roles.length > 0 ? { roles: [...input.roles] } : {}),
          sub: servicePrincipalId,
          tid,
          uti: newUti(),
          ver: '1.0',
        }
      : {
          aud: target.resourceApp.appId,
          iss: v2Issuer(context, tid),
          iat,
          nbf: iat,
          exp,
          aio: newAio(),
          azp: client.appId,
          azpacr: input.clientAuth,
          idtyp: 'app',
          oid: servicePrincipalId,
          rh: rhFor(tid, target.resourceApp.appId),
          ...(input.roles.length > 0 ? { roles: [...input.roles] } : {}),
          sub: servicePrincipalId,
          tid,
          uti: newUti(),
          ver: '2.0',
        };
  return sign(context, claims, { issuedAtS: iat, expiresAtS: exp });
}

/** An ID token for the client (v1 or v2 claim set); `nonce` only when the client sent one. */
export function mintIdToken(
  context: EntraContext,
  input: {
    user: User;
    client: App;
    version: ProtocolVersion;
    amr: string[];
    sid: string;
    ipaddr: string;
    nonce?: string;
    authTimeMs?: number;
  },
): Promise<MintedToken> {
  const { user, client } = input;
  const tid = context.deps.directory.tenant.id;
  const iat = seconds(context);
  // ID tokens live an hour, whatever the access token lifetime.
  const exp = iat + 3600;
  let claims: Record<string, unknown>;
  if (input.version === 'v1') {
    claims = {
      aud: client.appId,
      iss: v1Issuer(tid),
      iat,
      nbf: iat,
      exp,
      amr: [...input.amr],
      ...(user.surname ? { family_name: user.surname } : {}),
      ...(user.givenName ? { given_name: user.givenName } : {}),
      ipaddr: input.ipaddr,
      name: user.displayName,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      oid: user.objectId,
      ...(user.onPremisesSid ? { onprem_sid: user.onPremisesSid } : {}),
      rh: rhFor(tid, client.appId),
      sub: pairwiseSubject(user.objectId, client.appId),
      tid,
      unique_name: user.upn,
      upn: user.upn,
      ver: '1.0',
    };
  } else {
    claims = {
      aud: client.appId,
      iss: v2Issuer(context, tid),
      iat,
      nbf: iat,
      exp,
      aio: newAio(),
      name: user.displayName,
      ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
      oid: user.objectId,
      preferred_username: user.upn,
      rh: rhFor(tid, client.appId),
      sid: input.sid,
      sub: pairwiseSubject(user.objectId, client.appId),
      tid,
      uti: newUti(),
      ver: '2.0',
    };
  }
  return sign(context, claims, { issuedAtS: iat, expiresAtS: exp });
}

/** `client_info`: base64url JSON `{"uid","utid"}` (user object id, tenant id), as MSAL reads it. */
export function clientInfoFor(user: User, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: user.objectId, utid: tenantId }), 'utf8').toString(
    'base64url',
  );
}
