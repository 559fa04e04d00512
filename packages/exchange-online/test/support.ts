import {
  WELL_KNOWN_APPS,
  createTestContext,
  epochSeconds,
  signJwt,
  type TestContext,
} from '@hma-lab/core';
import { createEntra } from '@hma-lab/entra';
import { createOnpremActiveSync, createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import { createExchangeOnline, type ExchangeOnlineConfig } from '@hma-lab/exchange-online';

export const EXO = 'https://outlook.office365.com';
export const ALICE = 'alice@contoso.com';
export const EAS_URL = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';
export const DAY_MS = 86_400_000;

/**
 * The parties exo talks to, real: entra (OBO, refresh, JWKS), on-prem
 * AutoDiscover and ActiveSync; exo itself; a device fetch.
 */
export function hybridLab(config: Partial<ExchangeOnlineConfig> = {}, ctx = createTestContext()) {
  const entra = createEntra(ctx.depsFor('entra'));
  const onprem = createOnpremActiveSync(ctx.depsFor('onprem-eas'));
  const autodiscover = createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover'));
  const exo = createExchangeOnline(ctx.depsFor('exo'), config);
  ctx.mount('entra', entra.app);
  ctx.mount('onprem-eas', onprem.app);
  ctx.mount('onprem-autodiscover', autodiscover.app);
  ctx.mount('exo', exo.app);
  const device = ctx.fetchFor('device');

  /** An AT1 as entra issues it at step 15 (signed with entra's key; MFA done). */
  const at1 = (upn = ALICE, claims: Record<string, unknown> = {}): string =>
    mintAccessToken(ctx, upn, {
      aud: EXO,
      appid: WELL_KNOWN_APPS.outlookMobile,
      appidacr: '0',
      amr: ['pwd', 'fed', 'mfa'],
      scp: 'EAS.AccessAsUser.All EWS.AccessAsUser.All Mail.ReadWrite',
      ...claims,
    });

  async function call(
    method: 'GET' | 'POST',
    path: string,
    token: string | undefined,
    json?: unknown,
  ): Promise<{ status: number; headers: Headers; body: JsonBody }> {
    const res = await device(`${EXO}${path}`, {
      method,
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        accept: 'application/json',
        ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
  }

  const provision = (token = at1(), body: Record<string, unknown> = {}) =>
    call('POST', '/api/hma/v1/provision', token, {
      emailAddress: ALICE,
      activeSyncUrl: EAS_URL,
      deviceId: 'phone1',
      ...body,
    });

  const close = async () => {
    await exo.close();
    await onprem.close();
    await entra.close();
  };
  return { ctx, entra, onprem, autodiscover, exo, device, at1, call, provision, close };
}

/** A JSON answer, asserted loosely by tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON bodies by path
export type JsonBody = Record<string, any>;

/** Signs an Entra v1 access token for a directory user. */
export function mintAccessToken(
  ctx: TestContext,
  upn: string,
  claims: Record<string, unknown>,
): string {
  const user = ctx.directory.user(upn)!;
  const now = epochSeconds(ctx.clock);
  const tid = ctx.directory.tenant.id;
  return signJwt(ctx.keys.entra.active(), {
    aud: EXO,
    iss: `https://sts.windows.net/${tid}/`,
    iat: now,
    nbf: now,
    exp: now + 3600,
    tid,
    oid: user.objectId,
    sub: `sub-${user.objectId}`,
    upn: user.upn,
    unique_name: user.upn,
    name: user.displayName,
    ver: '1.0',
    ...claims,
  });
}

/** Exchanges of the trace between two parties. */
export function exchangesBetween(ctx: TestContext, from: string, to: string) {
  return ctx.trace.exchanges().filter((e) => e.from === from && e.to === to);
}

/** The grant_type of a token request in the trace. */
export function grantTypeOf(e: { requestBody?: { text?: string } }): string | undefined {
  return new URLSearchParams(e.requestBody?.text ?? '').get('grant_type') ?? undefined;
}
