import { randomUUID } from 'node:crypto';
import type { User } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import { MICROSOFT_ONLINE_REALM } from '../config.js';
import {
  WsTrustAuthenticationFault,
  WsTrustInvalidRequestFault,
  WsTrustRequestFailedFault,
} from '../errors.js';
import { authenticate, immutableIdOf } from '../protocol/authenticate.js';
import { issuerFor, type Farm } from '../protocol/farm.js';
import { buildSamlAssertion, SAML_CLAIMS } from '../protocol/ws-fed-response.js';
import { WS_TRUST, type WsTrustVersion } from '../protocol/ws-trust.js';
import { parseWsTrustRequest, type WsTrustRequest } from '../protocol/ws-trust-request.js';
import { buildWsTrustResponse } from '../protocol/ws-trust-response.js';
import { farmOfRequest, viaProxy, type AdfsContext } from './adfs-context.js';
import { SOAP_CONTENT_TYPE } from './ws-trust-mex-endpoint.js';

/**
 * `POST /adfs/services/trust/13/usernamemixed` and `.../2005/usernamemixed`:
 * WS-Trust Issue with a UsernameToken, what MSAL and ADAL send for a federated
 * user's username/password sign-in (the active counterpart of `/adfs/ls/`).
 *
 * Steps: read the SOAP message (any content type, bounded) -> authenticate
 * the UsernameToken against the directory -> check the relying party
 * (`wsp:AppliesTo`) -> sign a SAML 1.1 assertion exactly as the passive
 * endpoint does -> answer the RSTR. Failures are thrown as
 * {@link WsTrustFault}s; the WS-Trust error middleware writes them as SOAP faults.
 * No session and no loop detection: this is not a browser flow.
 */
export function usernameMixedEndpoint(ctx: AdfsContext, version: WsTrustVersion): RequestHandler {
  return function adfsUsernameMixed(req: Request, res: Response) {
    const farm = farmOfRequest(ctx, req);
    const rst = parseWsTrustRequest(soapText(ctx, req), version);
    const user = authenticateUsernameToken(ctx, farm, rst);
    const relyingParty = relyingPartyOf(rst, user);
    issueToken(ctx, req, res, { farm, rst, user, relyingParty });
  };
}

/** The UsernameToken, checked as the forms page checks its fields (WCF does this first). */
function authenticateUsernameToken(ctx: AdfsContext, farm: Farm, rst: WsTrustRequest): User {
  const result = authenticate(ctx.deps.directory, farm, rst.userName, rst.password);
  if (result.ok) return result.user;
  throw new WsTrustAuthenticationFault({
    failure: result.reason,
    details: { userName: rst.userName },
    relatesTo: rst.messageId,
  });
}

/** The AppliesTo, which must be Entra ID's realm: the only relying party trust here. */
function relyingPartyOf(rst: WsTrustRequest, user: User): string {
  const relyingParty = rst.appliesTo;
  if (relyingParty?.toLowerCase() === MICROSOFT_ONLINE_REALM.toLowerCase()) return relyingParty;
  throw new WsTrustRequestFailedFault({
    failure: relyingParty === undefined ? 'no_applies_to' : 'unknown_relying_party',
    details: { userName: user.upn, relyingParty: relyingParty ?? null },
    relatesTo: rst.messageId,
  });
}

/** The signed assertion, the same as the passive endpoint's, in the RSTR of the endpoint's dialect. */
function issueToken(
  ctx: AdfsContext,
  req: Request,
  res: Response,
  issue: { farm: Farm; rst: WsTrustRequest; user: User; relyingParty: string },
): void {
  const { clock, directory, keys, trace } = ctx.deps;
  const { farm, rst, user, relyingParty } = issue;
  const dialect = WS_TRUST[rst.version];
  const now = clock.now();
  const immutableId = immutableIdOf(user);
  const issuer = issuerFor(directory, farm, user);
  const inside = !viaProxy(req);
  const assertion = buildSamlAssertion({
    issuer,
    audience: relyingParty,
    immutableId,
    upn: user.upn,
    nowMs: now,
    authenticationInstantMs: now,
    lifetimeMs: ctx.config.tokenLifetimeMs,
    notBeforeSkewMs: ctx.config.notBeforeSkewMs,
    assertionId: `_${randomUUID()}`,
    extraAttributes: ctx.config.emitInsideCorporateNetwork
      ? [{ ...SAML_CLAIMS.insideCorporateNetwork, values: [String(inside)] }]
      : [],
    signingKey: keys.adfs,
  });
  trace.event('adfs', 'adfs.token.issued', `SAML 1.1 token for ${user.upn} (${dialect.label})`, {
    upn: user.upn,
    immutableId,
    issuer,
    assertionId: assertion.assertionId,
    audience: relyingParty,
    via: dialect.via,
  });
  res
    .status(200)
    .set('content-type', SOAP_CONTENT_TYPE)
    .send(
      buildWsTrustResponse({
        version: rst.version,
        assertion,
        appliesTo: relyingParty,
        relatesTo: rst.messageId,
        nowMs: now,
      }),
    );
}

/**
 * The message as sent, whatever its content type says (the body reader keeps
 * the raw bytes). Larger than WCF's message quota: 413.
 */
function soapText(ctx: AdfsContext, req: Request): string {
  const raw = req.rawBody ?? Buffer.alloc(0);
  if (raw.length > ctx.config.wsTrustMaxMessageBytes) throw messageTooLarge(ctx);
  return raw.toString('utf8');
}

/** WCF's words when a message exceeds `MaxReceivedMessageSize`. */
export function messageTooLarge(ctx: AdfsContext): WsTrustInvalidRequestFault {
  return new WsTrustInvalidRequestFault(
    `the maximum message size quota for incoming messages (${ctx.config.wsTrustMaxMessageBytes}) has been exceeded.`,
    { status: 413 },
  );
}

/** Anything but POST on a `usernamemixed` endpoint (WCF serves no GET there). */
export function usernameMixedMethodNotAllowed(): RequestHandler {
  return function adfsUsernameMixedMethodNotAllowed(req: Request, res: Response) {
    res.set('allow', 'POST');
    throw new WsTrustInvalidRequestFault(
      `${req.method} is not allowed: post a SOAP 1.2 RequestSecurityToken.`,
      { status: 405 },
    );
  };
}
