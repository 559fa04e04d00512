import { randomUUID } from 'node:crypto';
import { createFixedKeyStore, decodeJwt, signJwt, verifyJwtSignature } from '@hma-lab/core';
import { importJWK, jwtVerify, SignJWT } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { startChild } from '../lib/children.js';
import { clean, runWrk, type WrkResult } from '../lib/wrk.js';
import { round } from '../lib/stats.js';

/**
 * The floor: what this host can do at all. A bare node:http round trip, the
 * same server signing one RS256 JWT per request with jose (the ceiling of any
 * token endpoint), and the raw signing/verification rates, with jose and with
 * the node:crypto path the lab itself uses.
 */

export interface CryptoRates {
  /** Operations per second. */
  joseSignSequential: number;
  joseSign16InFlight: number;
  joseVerifySequential: number;
  joseVerify16InFlight: number;
  /** hma-lab's own path (core signJwt / verifyJwtSignature: node:crypto, key imported once). */
  labSignSequential: number;
  labVerifySequential: number;
  /** Milliseconds of one operation on the lab's path (1000 / rate). */
  labSignMs: number;
  labVerifyMs: number;
  /** Size of the token signed and verified (an Entra v1 user access token). */
  tokenBytes: number;
}

export interface FloorResult {
  httpJson: Record<string, WrkResult>;
  httpSign: Record<string, WrkResult>;
  crypto: CryptoRates;
}

/** Claims the size of an Entra v1 user access token (AT1), as entra mints them. */
export function entraSizedClaims(): Record<string, unknown> {
  const tid = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
  const iat = Math.floor(Date.now() / 1000);
  return {
    aud: 'https://outlook.office365.com',
    iss: `https://sts.windows.net/${tid}/`,
    iat,
    nbf: iat,
    exp: iat + 3600,
    acr: '1',
    aio: `${randomUUID()}${randomUUID()}`.replaceAll('-', ''),
    amr: ['pwd'],
    app_displayname: 'Outlook Mobile',
    appid: '27922004-5251-4030-b22d-91ecd9a37ea4',
    appidacr: '0',
    family_name: 'User 1',
    given_name: 'Bench',
    ipaddr: '127.0.0.1',
    name: 'Bench User 1',
    oid: 'be0c0000-0000-4000-8000-000000000001',
    onprem_sid: 'S-1-5-21-1004336348-1177238915-682003330-20001',
    puid: '10032001A2B3C4D5',
    rh: `0.AAAA${randomUUID().replaceAll('-', '')}`,
    scp: 'EAS.AccessAsUser.All EWS.AccessAsUser.All Mail.ReadWrite Calendars.ReadWrite Contacts.ReadWrite',
    sid: randomUUID(),
    sub: 'b3Vd2YtE6mEg1bKVmD0ZkRaJ0X3Rbl5vq9mW8qQmHnY',
    tid,
    unique_name: 'user00001@fabrikam.com',
    upn: 'user00001@fabrikam.com',
    uti: randomUUID().slice(0, 22),
    ver: '1.0',
  };
}

async function rate(
  durationS: number,
  inFlight: number,
  op: () => unknown | Promise<unknown>,
): Promise<number> {
  // Warm up (JIT, key caches), then count completed operations.
  for (let i = 0; i < 20; i++) await op();
  const end = performance.now() + durationS * 1000;
  let done = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await op();
        done++;
      }
    }),
  );
  return Math.round(done / ((performance.now() - started) / 1000));
}

export async function measureCrypto(ctx: BenchContext): Promise<CryptoRates> {
  const { durationS } = ctx.settings.crypto;
  const jwk = JSON.parse(readFileSync(ctx.jwkPath, 'utf8')) as { kid: string };
  const privateKey = await importJWK(jwk, 'RS256');
  const { n, e, kty } = jwk as unknown as { n: string; e: string; kty: string };
  const publicKey = await importJWK({ kty, n, e }, 'RS256');
  const claims = entraSizedClaims();
  const joseSign = () =>
    new SignJWT(claims)
      .setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: jwk.kid })
      .sign(privateKey);
  const token = await joseSign();
  const signer = createFixedKeyStore().entra.active();
  const labToken = signJwt(signer, claims);
  if (!decodeJwt(labToken) || !verifyJwtSignature(labToken, signer.publicKey)) {
    throw new Error('the lab signing path did not round-trip');
  }
  const joseVerify = () => jwtVerify(token, publicKey);
  const labSignSequential = await rate(durationS, 1, () => signJwt(signer, claims));
  const labVerifySequential = await rate(durationS, 1, () =>
    verifyJwtSignature(labToken, signer.publicKey),
  );
  return {
    joseSignSequential: await rate(durationS, 1, joseSign),
    joseSign16InFlight: await rate(durationS, 16, joseSign),
    joseVerifySequential: await rate(durationS, 1, joseVerify),
    joseVerify16InFlight: await rate(durationS, 16, joseVerify),
    labSignSequential,
    labVerifySequential,
    labSignMs: round(1000 / labSignSequential, 4),
    labVerifyMs: round(1000 / labVerifySequential, 4),
    tokenBytes: labToken.length,
  };
}

/** The body every token-shaped POST of the floor carries (entra's client_credentials body). */
export const FLOOR_BODY =
  'grant_type=client_credentials&client_id=6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b' +
  '&client_secret=web-lab-secret-not-for-production&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default';

/** The floor's server (src/servers/bare-server.mjs): tiny JSON answers, or one jose RS256 sign per request. */
export function bareServer(
  ctx: BenchContext,
  mode: 'json' | 'sign',
): { command: string; args: string[] } {
  return {
    command: process.execPath,
    args: [join(ctx.benchDir, 'src/servers/bare-server.mjs'), mode, ctx.jwkPath],
  };
}

export async function measureHttpFloor(
  ctx: BenchContext,
  mode: 'json' | 'sign',
): Promise<Record<string, WrkResult>> {
  const { wrk } = ctx.settings;
  const bare = bareServer(ctx, mode);
  const server = startChild(bare.command, bare.args);
  try {
    const ready = await server.ready();
    const url = `${ready.services.http}/token`;
    const request =
      mode === 'sign'
        ? { url, method: 'POST' as const, body: FLOOR_BODY }
        : { url, method: 'GET' as const };
    await runWrk({ ...request, connections: 16, durationS: wrk.warmupS, tmpDir: ctx.tmpDir });
    const results: Record<string, WrkResult> = {};
    for (const connections of wrk.connections) {
      const result = await runWrk({
        ...request,
        connections,
        durationS: wrk.durationS,
        threads: wrk.threads,
        tmpDir: ctx.tmpDir,
      });
      if (!clean(result))
        throw new Error(`bare ${mode} server had errors: ${JSON.stringify(result)}`);
      results[`c${connections}`] = result;
      ctx.log(
        `floor http ${mode} c${connections}: ${result.requestsPerS} req/s, p99 ${result.latencyMs.p99} ms`,
      );
    }
    return results;
  } finally {
    await server.stop();
  }
}
