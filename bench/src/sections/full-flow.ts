import { createLab, type Lab, type LabMode } from '@hma-lab/lab';
import type { BenchContext } from '../context.js';
import { countCrypto } from '../lib/crypto-count.js';
import { round, summarize, type Summary } from '../lib/stats.js';
import { benchScenario, benchUpn } from '../scenario.js';

/**
 * Full flow: the reference device runs flow A (20 steps; the managed domain
 * skips 8-11, no MFA) for distinct users, in-process and over loopback, with 1
 * and 16 devices at once, for a fixed time. Each flow is a fresh user, so
 * nothing is served from AutoDetect's cache or an existing Exchange Online
 * account. The trace is off, as in a load test; one extra in-process run with
 * the trace on (the createLab default) shows what recording costs.
 */

export interface FlowRunStats {
  mode: LabMode;
  trace: boolean;
  devices: number;
  flows: number;
  failed: number;
  firstError?: string;
  flowsPerS: number;
  latencyMs: Summary;
}

export interface FullFlowResult {
  /** One counted flow: RSA operations and HTTP exchanges a flow makes. */
  perFlow: { signs: number; verifies: number; exchanges: number; steps: number[] };
  /** Flows run before any measured run (not counted). */
  warmup: { seconds: number; flows: number };
  runs: FlowRunStats[];
}

const FLOW_OPTIONS = { trace: false, log: () => undefined } as const;

async function withLab<T>(
  mode: LabMode,
  users: number,
  trace: boolean,
  fn: (lab: Lab) => Promise<T>,
): Promise<T> {
  const lab = await createLab({ ...FLOW_OPTIONS, mode, trace, scenario: benchScenario(users) });
  try {
    return await fn(lab);
  } finally {
    await lab.close();
  }
}

/** Runs flows for distinct users with `devices` at once until the time or the users run out. */
async function drive(
  lab: Lab,
  firstUser: number,
  lastUser: number,
  devices: number,
  durationMs: number,
): Promise<{ latencies: number[]; failed: number; firstError?: string; elapsedMs: number }> {
  let next = firstUser;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: devices }, async () => {
      while (performance.now() < end && next < lastUser) {
        const upn = benchUpn(next++);
        const t = performance.now();
        const run = await lab.runFlow(upn);
        const ms = performance.now() - t;
        if (run.ok) latencies.push(ms);
        else {
          failed++;
          firstError ??= `${upn}: ${run.error?.message ?? 'failed'}`;
        }
      }
    }),
  );
  return {
    latencies,
    failed,
    ...(firstError ? { firstError } : {}),
    elapsedMs: performance.now() - started,
  };
}

export async function measureFullFlow(ctx: BenchContext): Promise<FullFlowResult> {
  const { durationS, warmupS, warmupFlows, users, concurrency } = ctx.settings.flows;
  // The counting pass: one warm flow with the trace on, RSA operations counted.
  const perFlow = await withLab('in-process', 4, true, async (lab) => {
    await lab.runFlow(benchUpn(0));
    const counted = await countCrypto(() => lab.runFlow(benchUpn(1)));
    if (!counted.result.ok) throw new Error(`flow failed: ${counted.result.error?.message}`);
    return {
      signs: counted.signs,
      verifies: counted.verifies,
      exchanges: counted.result.entries.filter((e) => e.kind === 'exchange').length,
      steps: [...new Set(counted.result.steps.map((s) => s.step))].sort((a, b) => a - b),
    };
  });
  ctx.log(
    `full flow: ${perFlow.signs} signs, ${perFlow.verifies} verifications, ${perFlow.exchanges} HTTP exchanges per flow`,
  );
  // The JIT's warm-up, once for the process: a few seconds of flows in a lab of
  // their own. The 12 flows each run starts with did not cover it: by hand (3
  // alternating pairs) the first run's p50 was 4-34 % above the same run's
  // after a 3 s warm-up, and in the bench the run with the trace on, measured
  // last, came out faster than the first without it (docs/benchmarks.md).
  const warmup = await withLab('in-process', users, false, (lab) =>
    drive(lab, 0, users, 1, warmupS * 1000),
  );
  ctx.log(`full flow: JIT warm-up, ${warmup.latencies.length} flows in ${warmupS} s`);
  const configs: Array<{ mode: LabMode; trace: boolean; devices: number }> = [];
  for (const mode of ['in-process', 'loopback'] as const) {
    for (const devices of concurrency) configs.push({ mode, trace: false, devices });
  }
  configs.push({ mode: 'in-process', trace: true, devices: 1 });
  const runs: FlowRunStats[] = [];
  for (const config of configs) {
    const stats = await withLab(config.mode, users, config.trace, async (lab) => {
      await drive(lab, 0, warmupFlows, Math.min(config.devices, warmupFlows), 60_000);
      return drive(lab, warmupFlows, users, config.devices, durationS * 1000);
    });
    const run: FlowRunStats = {
      ...config,
      flows: stats.latencies.length,
      failed: stats.failed,
      ...(stats.firstError ? { firstError: stats.firstError } : {}),
      flowsPerS: round(stats.latencies.length / (stats.elapsedMs / 1000), 1),
      latencyMs: summarize(stats.latencies),
    };
    if (run.failed > 0) throw new Error(`flows failed: ${JSON.stringify(run)}`);
    runs.push(run);
    ctx.log(
      `full flow ${config.mode}${config.trace ? ' (trace on)' : ''} x${config.devices}: ${run.flowsPerS} flows/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms (${run.flows} flows)`,
    );
  }
  return { perFlow, warmup: { seconds: warmupS, flows: warmup.latencies.length }, runs };
}
