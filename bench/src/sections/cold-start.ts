import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { startChild, type ReadyLine } from '../lib/children.js';
import { httpRequest } from '../lib/http.js';
import { median, round } from '../lib/stats.js';

/**
 * Cold start: from the launch of a process to every service in it answering
 * HTTP. The clock starts just before spawn; the child prints its ready line
 * once it listens; then every service is asked once (in parallel) and the
 * clock stops when the last answer arrives. For the token servers the probe is
 * their discovery document (must be 200); for the lab's other services any
 * HTTP answer counts.
 */

/** The `hma-lab` command as installed (the package's `bin`): the bundle through its code cache. */
export const HMA_LAB_BIN = (ctx: BenchContext) =>
  join(ctx.repoRoot, 'packages/cli/bin/hma-lab.cjs');

export interface ColdStartServer {
  name: string;
  command: string;
  args: string[];
  probes(ready: ReadyLine): Array<{ url: string; mustBe200: boolean }>;
}

export interface ColdStartResult {
  /** Launch to every service answering, per run (ms). */
  runsMs: number[];
  /** Launch to the ready line, per run (ms). */
  readyMs: number[];
  medianMs: number;
  minMs: number;
  services: number;
}

/**
 * The same code started as the unbundled ES module build (`dist/bin.js`), to
 * show what the shipped bundle and its code cache save (informational).
 */
export const UNBUNDLED_NAME = 'hma-lab up --http (unbundled ES modules, informational)';

export function coldStartServers(ctx: BenchContext): ColdStartServer[] {
  const node = process.execPath;
  const labProbes = (ready: ReadyLine) =>
    Object.entries(ready.services).map(([party, base]) =>
      party === 'entra'
        ? { url: `${base}/common/v2.0/.well-known/openid-configuration`, mustBe200: true }
        : { url: `${base}/`, mustBe200: false },
    );
  return [
    {
      name: 'hma-lab up --http',
      command: node,
      args: [HMA_LAB_BIN(ctx), 'up', '--http', '--front-door-port', '0'],
      probes: labProbes,
    },
    {
      name: UNBUNDLED_NAME,
      command: node,
      args: [
        join(ctx.repoRoot, 'packages/cli/dist/bin.js'),
        'up',
        '--http',
        '--front-door-port',
        '0',
      ],
      probes: labProbes,
    },
    {
      name: 'oauth2-mock-server',
      command: node,
      args: [join(ctx.benchDir, 'src/servers/oauth2-mock-server.mjs'), ctx.jwkPath],
      probes: (ready) => [
        { url: `${ready.services.token}/.well-known/openid-configuration`, mustBe200: true },
      ],
    },
    {
      name: 'oidc-provider',
      command: node,
      args: [
        join(ctx.benchDir, 'src/servers/oidc-provider.mjs'),
        ctx.jwkPath,
        'bench',
        'bench-secret-0123456789abcdef',
      ],
      probes: (ready) => [
        { url: `${ready.services.token}/.well-known/openid-configuration`, mustBe200: true },
      ],
    },
  ];
}

async function once(
  server: ColdStartServer,
): Promise<{ totalMs: number; readyMs: number; services: number }> {
  const started = performance.now();
  const child = startChild(server.command, server.args);
  try {
    const ready = await child.ready(20_000);
    const readyMs = performance.now() - started;
    const probes = server.probes(ready);
    await Promise.all(
      probes.map(async (probe) => {
        const answer = await httpRequest(probe.url);
        if (probe.mustBe200 && answer.status !== 200) {
          throw new Error(`${server.name}: ${probe.url} answered ${answer.status}`);
        }
      }),
    );
    return { totalMs: performance.now() - started, readyMs, services: probes.length };
  } finally {
    await child.stop();
  }
}

export async function measureColdStart(
  ctx: BenchContext,
): Promise<Record<string, ColdStartResult>> {
  const servers = coldStartServers(ctx);
  const runs = new Map<string, Array<{ totalMs: number; readyMs: number; services: number }>>();
  // One discarded round warms the file-system cache for every server alike.
  for (const server of servers) await once(server);
  // Rounds interleave the servers, so a burst of load elsewhere hits them alike.
  for (let round_ = 0; round_ < ctx.settings.coldStart.runs; round_++) {
    for (const server of servers) {
      const list = runs.get(server.name) ?? [];
      list.push(await once(server));
      runs.set(server.name, list);
    }
  }
  const results: Record<string, ColdStartResult> = {};
  for (const [name, list] of runs) {
    const totals = list.map((r) => round(r.totalMs, 1));
    results[name] = {
      runsMs: totals,
      readyMs: list.map((r) => round(r.readyMs, 1)),
      medianMs: round(median(totals), 1),
      minMs: round(Math.min(...totals), 1),
      services: list[0]!.services,
    };
    ctx.log(
      `cold start ${name}: median ${results[name]!.medianMs} ms (${list[0]!.services} services)`,
    );
  }
  return results;
}
