import { randomInt } from 'node:crypto';
import { EntraError } from '../errors.js';
import { deviceControlsOf } from './authorize-request.js';
import { requireClient } from './client-auth.js';
import type { EntraContext } from './context.js';
import { randomToken } from './ids.js';
import { delegatedScopesFor, parseV2Scopes, resolveV1Resource } from './resources.js';
import { newFlow, type SignInOutcome } from './sign-in.js';
import type { AuthorizeRequest, DeviceCodeGrant, ProtocolVersion } from './stores.js';
import type { TenantRef } from './tenant.js';

/**
 * The device authorization grant (RFC 8628): `/{tenant}/oauth2/devicecode`
 * (v1, ADAL's shape) and `/{tenant}/oauth2/v2.0/devicecode`, the user-code
 * page, and the sign-in that approves the code. Polling is in token-grants.ts.
 */

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newUserCode(): string {
  let code = '';
  for (let i = 0; i < 9; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
  return code;
}

/** Where users type the code: Entra's device login page on the lab's origin. */
export function verificationUri(context: EntraContext): string {
  return `${context.origin()}/common/oauth2/deviceauth`;
}

/** Starts a device code flow. */
export function startDeviceCode(
  context: EntraContext,
  tenant: TenantRef,
  version: ProtocolVersion,
  params: Record<string, string | undefined>,
): DeviceCodeGrant {
  const client = requireClient(context, params.client_id);
  const { directory } = context.deps;
  const now = context.now();
  const grant: DeviceCodeGrant = {
    deviceCode: `DAQABIQEAAAD${randomToken(96)}`,
    userCode: newUserCode(),
    version,
    tenantSegment: tenant.segment,
    client,
    oidcScopes: [],
    rawScopes: [],
    issuedAtMs: now,
    expiresAtMs: now + context.ms.deviceCode,
    intervalS: context.config.deviceCodeIntervalS,
    status: 'pending',
    amr: [],
  };
  if (version === 'v1') {
    if (params.resource) grant.target = resolveV1Resource(directory, params.resource);
  } else {
    if (!params.scope) {
      throw new EntraError(
        900144,
        "The request body must contain the following parameter: 'scope'.",
      );
    }
    const parsed = parseV2Scopes(directory, params.scope);
    grant.rawScopes = parsed.raw;
    grant.oidcScopes = parsed.oidcScopes;
    if (parsed.target) grant.target = parsed.target;
  }
  if (grant.target) delegatedScopesFor(client, grant.target);
  while (context.stores.userCodes.has(grant.userCode)) grant.userCode = newUserCode();
  context.stores.deviceCodes.set(grant.deviceCode, grant);
  context.stores.userCodes.set(grant.userCode, grant.deviceCode);
  context.noteIssued();
  return grant;
}

/** The text Entra puts in `message`. */
export function deviceCodeMessage(context: EntraContext, grant: DeviceCodeGrant): string {
  return `To sign in, use a web browser to open the page ${verificationUri(context)} and enter the code ${grant.userCode} to authenticate.`;
}

/**
 * The user typed a code on the device login page: on success a sign-in flow
 * starts (its pages come next); otherwise the code page again with an error.
 */
export function enterUserCode(
  context: EntraContext,
  otc: string | undefined,
  deviceHeader: string | undefined,
): SignInOutcome {
  const code = (otc ?? '').replace(/[\s-]+/g, '').toUpperCase();
  const deviceCode = code ? context.stores.userCodes.get(code) : undefined;
  const grant = deviceCode ? context.stores.deviceCodes.get(deviceCode) : undefined;
  if (!grant || grant.status !== 'pending') {
    return {
      kind: 'page',
      page: 'device-code',
      error: {
        code: 70018,
        text: "That code didn't work. Check the code and try again.",
      },
    };
  }
  if (grant.expiresAtMs <= context.now()) {
    return {
      kind: 'page',
      page: 'device-code',
      error: {
        code: 70019,
        text: "The code you entered has expired. Get a new code from the device you're trying to sign in to and try again.",
      },
    };
  }
  const request: AuthorizeRequest = {
    version: grant.version,
    tenantSegment: grant.tenantSegment,
    client: grant.client,
    redirectUri: '',
    responseMode: 'query',
    oidcScopes: grant.oidcScopes,
    rawScopes: grant.rawScopes,
    clientInfo: false,
    deviceControls: deviceControlsOf(context, deviceHeader),
    ...(grant.target ? { target: grant.target } : {}),
  };
  const flow = newFlow(context, request, 'device');
  flow.deviceCode = grant.deviceCode;
  const flowToken = randomToken(48);
  flow.flowTokens.push(flowToken);
  return { kind: 'page', page: 'signin', flow, flowToken };
}
