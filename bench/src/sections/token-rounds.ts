import type { BenchContext } from '../context.js';
import { startChild, type Child } from '../lib/children.js';
import { median, round } from '../lib/stats.js';
import { clean, runWrk } from '../lib/wrk.js';
import { FLOOR_BODY, bareServer } from './floor.js';
import { tokenServers } from './token-endpoint.js';

/**
 * The token targets' figures, taken side by side: the floor's signing server
 * and every token server run at once (idle but one), and client_credentials
 * under 16 connections goes to each in turn, a short wrk run each, for several
 * rounds (each round in another order). The targets use each server's median.
 *
 * Why: measured one after the other, minutes apart, the servers met different
 * machine states. On the 2-vCPU AMD machines the same server's rate moved by
 * up to ±20 % between runs of the same bench (the floor 1,767 and 2,058
 * requests/s, `hma-lab up` 1,872 and 1,554, oidc-provider 1,205 and 1,541),
 * so a ratio of two figures taken a minute apart said more about the machine
 * than about the servers. Interleaved, a slow spell falls on all of them.
 */

export interface TokenRoundsResult {
  rounds: number;
  durationS: number;
  connections: number;
  servers: Record<
    string,
    {
      requestsPerS: number[];
      p99Ms: number[];
      medianRequestsPerS: number;
      medianP99Ms: number;
    }
  >;
}

/** The floor's server in the rounds (bare node:http, one jose RS256 sign per request). */
export const FLOOR_SERVER = 'floor (bare node:http + one jose sign)';

export async function measureTokenRounds(ctx: BenchContext): Promise<TokenRoundsResult> {
  const { wrk, tokenRounds } = ctx.settings;
  const connections = 16;
  const specs = [
    {
      name: FLOOR_SERVER,
      ...bareServer(ctx, 'sign'),
      env: undefined as NodeJS.ProcessEnv | undefined,
      request: async (ready: { services: Record<string, string> }) => ({
        url: `${ready.services.http}/token`,
        body: FLOOR_BODY,
      }),
    },
    ...tokenServers(ctx).map((server) => ({
      name: server.name,
      command: server.command,
      args: server.args,
      env: server.env,
      request: async (ready: Parameters<typeof server.requests>[0]) =>
        (await server.requests(ready)).clientCredentials,
    })),
  ];
  const children: Child[] = [];
  try {
    const targets: Array<{ name: string; url: string; body: string }> = [];
    for (const spec of specs) {
      const child = startChild(spec.command, spec.args, spec.env ? { env: spec.env } : {});
      children.push(child);
      targets.push({ name: spec.name, ...(await spec.request(await child.ready())) });
    }
    for (const target of targets) {
      await runWrk({
        ...target,
        method: 'POST',
        connections,
        durationS: wrk.warmupS,
        tmpDir: ctx.tmpDir,
      });
    }
    const samples = new Map(
      targets.map((t) => [t.name, { rps: [] as number[], p99: [] as number[] }]),
    );
    for (let r = 0; r < tokenRounds.rounds; r++) {
      const order = targets.map((_, i) => targets[(i + r) % targets.length]!);
      for (const target of order) {
        const run = await runWrk({
          ...target,
          method: 'POST',
          connections,
          durationS: tokenRounds.durationS,
          threads: wrk.threads,
          tmpDir: ctx.tmpDir,
        });
        if (!clean(run)) {
          throw new Error(`${target.name} had errors in round ${r + 1}: ${JSON.stringify(run)}`);
        }
        samples.get(target.name)!.rps.push(run.requestsPerS);
        samples.get(target.name)!.p99.push(run.latencyMs.p99);
      }
    }
    const servers: TokenRoundsResult['servers'] = {};
    for (const [name, s] of samples) {
      servers[name] = {
        requestsPerS: s.rps,
        p99Ms: s.p99,
        medianRequestsPerS: round(median(s.rps), 0),
        medianP99Ms: round(median(s.p99), 2),
      };
      ctx.log(
        `token rounds ${name}: median ${servers[name].medianRequestsPerS} req/s (${s.rps.join(', ')}), median p99 ${servers[name].medianP99Ms} ms`,
      );
    }
    return { rounds: tokenRounds.rounds, durationS: tokenRounds.durationS, connections, servers };
  } finally {
    await Promise.all(children.map((child) => child.stop()));
  }
}
