import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { startChild, type ReadyLine } from '../lib/children.js';
import { httpRequest } from '../lib/http.js';
import { clean, runWrk, type WrkResult } from '../lib/wrk.js';
import { HMA_LAB_BIN } from './cold-start.js';
import { FLOOR_BODY } from './floor.js';

/**
 * Token endpoint throughput: the same wrk (threads, connections, duration)
 * against each server's token endpoint, for client_credentials (one RS256
 * signature per request everywhere) and refresh_token (an access token and an
 * ID token: two signatures everywhere; one refresh token replayed, which all
 * three accept: Entra keeps a used RT valid, oidc-provider runs with rotation
 * off, oauth2-mock-server does not check it).
 */

export type Grant = 'clientCredentials' | 'refreshToken';

export interface TokenServerResult {
  /** Signatures per request, checked on a real answer (tokens in the response). */
  jwtsPerResponse: Record<Grant, number>;
  clientCredentials: Record<string, WrkResult>;
  refreshToken: Record<string, WrkResult>;
}

interface TokenServer {
  name: string;
  command: string;
  args: string[];
  /** Environment of the child (default: the bench's own). */
  env?: NodeJS.ProcessEnv;
  /** URL and body of each grant, given the ready line. */
  requests(ready: ReadyLine): Promise<Record<Grant, { url: string; body: string }>>;
}

const TENANT = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
const OUTLOOK = '27922004-5251-4030-b22d-91ecd9a37ea4';
const OIDC_CLIENT = { id: 'bench', secret: 'bench-secret-0123456789abcdef' };

/** Entra's requests: client_credentials for the web client; v1 refresh for Outlook mobile (as Exchange Online renews AT2). */
async function entraRequests(
  ready: ReadyLine,
): Promise<Record<Grant, { url: string; body: string }>> {
  const base = ready.services.entra!;
  const ropc = await httpRequest(`${base}/${TENANT}/oauth2/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'password',
      client_id: OUTLOOK,
      username: 'dave@fabrikam.com',
      password: 'Passw0rd!',
      resource: 'https://outlook.office365.com',
    }).toString(),
  });
  const refreshToken = (JSON.parse(ropc.body) as { refresh_token?: string }).refresh_token;
  if (ropc.status !== 200 || !refreshToken) throw new Error(`entra ROPC failed: ${ropc.body}`);
  return {
    clientCredentials: { url: `${base}/${TENANT}/oauth2/v2.0/token`, body: FLOOR_BODY },
    refreshToken: {
      url: `${base}/${TENANT}/oauth2/token`,
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: OUTLOOK,
        refresh_token: refreshToken,
        resource: 'https://outlook.office365.com',
      }).toString(),
    },
  };
}

export function tokenServers(ctx: BenchContext): TokenServer[] {
  const node = process.execPath;
  return [
    {
      name: 'entra (hma-lab up, trace on)',
      command: node,
      args: [HMA_LAB_BIN(ctx), 'up', '--http', '--front-door-port', '0'],
      requests: entraRequests,
    },
    {
      name: 'entra (lab, trace off)',
      command: node,
      args: [join(ctx.benchDir, 'src/servers/lab-loopback.mjs')],
      // Sized here: an ES module's loading starts libuv's pool before its
      // code runs, so the script could not size it itself.
      env: { ...process.env, UV_THREADPOOL_SIZE: labThreadPoolSize() },
      requests: entraRequests,
    },
    {
      name: 'oauth2-mock-server',
      command: node,
      args: [join(ctx.benchDir, 'src/servers/oauth2-mock-server.mjs'), ctx.jwkPath],
      requests: async (ready) => ({
        clientCredentials: {
          url: `${ready.services.token}/token`,
          body: 'grant_type=client_credentials&scope=api%3Aread',
        },
        refreshToken: {
          url: `${ready.services.token}/token`,
          body: 'grant_type=refresh_token&refresh_token=bench-refresh-token&scope=openid',
        },
      }),
    },
    {
      name: 'oidc-provider',
      command: node,
      args: [
        join(ctx.benchDir, 'src/servers/oidc-provider.mjs'),
        ctx.jwkPath,
        OIDC_CLIENT.id,
        OIDC_CLIENT.secret,
      ],
      requests: async (ready) => ({
        clientCredentials: {
          url: `${ready.services.token}/token`,
          body: `grant_type=client_credentials&client_id=${OIDC_CLIENT.id}&client_secret=${OIDC_CLIENT.secret}&scope=api%3Aread`,
        },
        refreshToken: {
          url: `${ready.services.token}/token`,
          body: `grant_type=refresh_token&client_id=${OIDC_CLIENT.id}&client_secret=${OIDC_CLIENT.secret}&refresh_token=${String(ready.refreshToken)}`,
        },
      }),
    },
  ];
}

/**
 * The thread pool size the `hma-lab` command gives itself
 * (packages/cli/bin/hma-lab.cjs): the environment's, else 2 threads on a
 * machine of fewer than 4 cores, else libuv's default of 4.
 */
function labThreadPoolSize(): string {
  if (process.env.UV_THREADPOOL_SIZE) return process.env.UV_THREADPOOL_SIZE;
  const cores = availableParallelism();
  return String(cores < 4 ? Math.max(2, cores) : 4);
}

/** Signs counted in one real answer: every RS256 JWT in the JSON body. */
async function checkAnswer(
  server: string,
  request: { url: string; body: string },
): Promise<number> {
  const answer = await httpRequest(request.url, { method: 'POST', body: request.body });
  if (answer.status !== 200) throw new Error(`${server}: ${answer.status} ${answer.body}`);
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  let jwts = 0;
  for (const value of Object.values(body)) {
    if (typeof value !== 'string' || !/^eyJ[\w-]*\.[\w-]+\.[\w-]+$/.test(value)) continue;
    const header = JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString()) as {
      alg?: string;
    };
    if (header.alg === 'RS256') jwts++;
  }
  if (jwts === 0) throw new Error(`${server}: no RS256 JWT in ${answer.body}`);
  return jwts;
}

export async function measureTokenEndpoints(
  ctx: BenchContext,
): Promise<Record<string, TokenServerResult>> {
  const { wrk } = ctx.settings;
  const results: Record<string, TokenServerResult> = {};
  for (const server of tokenServers(ctx)) {
    const child = startChild(server.command, server.args, server.env ? { env: server.env } : {});
    try {
      const ready = await child.ready();
      const requests = await server.requests(ready);
      const result: TokenServerResult = {
        jwtsPerResponse: {
          clientCredentials: await checkAnswer(server.name, requests.clientCredentials),
          refreshToken: await checkAnswer(server.name, requests.refreshToken),
        },
        clientCredentials: {},
        refreshToken: {},
      };
      await runWrk({
        ...requests.clientCredentials,
        method: 'POST',
        connections: 16,
        durationS: wrk.warmupS,
        tmpDir: ctx.tmpDir,
      });
      for (const grant of ['clientCredentials', 'refreshToken'] as const) {
        for (const connections of wrk.connections) {
          const run = await runWrk({
            ...requests[grant],
            method: 'POST',
            connections,
            durationS: wrk.durationS,
            threads: wrk.threads,
            tmpDir: ctx.tmpDir,
          });
          if (!clean(run)) {
            throw new Error(
              `${server.name} ${grant} c${connections} had errors: ${JSON.stringify(run)}`,
            );
          }
          result[grant][`c${connections}`] = run;
          ctx.log(
            `token ${server.name} ${grant} c${connections}: ${run.requestsPerS} req/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms`,
          );
        }
      }
      results[server.name] = result;
    } finally {
      await child.stop();
    }
  }
  return results;
}
