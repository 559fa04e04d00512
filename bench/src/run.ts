/**
 * `npm run bench` (issue 9): hma-lab side by side with oauth2-mock-server and
 * oidc-provider on this machine. Writes bench/results/latest.json and the
 * generated part of docs/benchmarks.md.
 *
 *   npm run bench                      every section, full settings
 *   npm run bench -- --quick           every section, short runs (writes bench/tmp/)
 *   npm run bench -- --only token,flow only these sections (writes bench/tmp/)
 *   npm run bench -- --render          docs/benchmarks.md again from results/latest.json
 *
 * Sections: wbxml, floor, cold-start, token, flow, scale.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createContext, FULL_SETTINGS, QUICK_SETTINGS, type BenchContext } from './context.js';
import { writeBenchJwk } from './lib/keys.js';
import { describeMachine, finishMachine, startedBusy } from './machine.js';
import { renderMarkdown, writeJson, writeMarkdown, type BenchResults } from './report.js';
import { measureColdStart } from './sections/cold-start.js';
import { measureCrypto, measureHttpFloor } from './sections/floor.js';
import { measureFullFlow } from './sections/full-flow.js';
import { measureScale } from './sections/scale.js';
import { measureTokenEndpoints } from './sections/token-endpoint.js';
import { measureTokenRounds } from './sections/token-rounds.js';
import { measureWbxml } from './sections/wbxml.js';
import { computeTargets } from './targets.js';

const SECTIONS = ['wbxml', 'floor', 'cold-start', 'token', 'flow', 'scale'] as const;
type Section = (typeof SECTIONS)[number];

function parseArgs(argv: string[]): { quick: boolean; only?: Section[]; write: boolean } {
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  let only: Section[] | undefined;
  if (onlyIndex >= 0) {
    only = (argv[onlyIndex + 1] ?? '').split(',').filter(Boolean) as Section[];
    const unknown = only.filter((s) => !SECTIONS.includes(s));
    if (unknown.length > 0 || only.length === 0) {
      throw new Error(`--only takes a list of: ${SECTIONS.join(', ')}`);
    }
  }
  return { quick, ...(only ? { only } : {}), write: argv.includes('--write') };
}

function prepare(ctx: Omit<BenchContext, 'jwkPath'>): BenchContext {
  const tools = spawnSync('bash', [join(ctx.benchDir, 'ensure-tools.sh')], { stdio: 'inherit' });
  if (tools.status !== 0) throw new Error('bench/ensure-tools.sh failed: wrk is needed');
  // `npm run bench` builds first (tsc -b, then the CLI bundle and its code
  // cache): the servers run from the built command, as `hma-lab up` does for
  // users, and the in-process sections import the built packages, as a test
  // suite that depends on @hma-lab/lab does.
  return { ...ctx, jwkPath: writeBenchJwk(ctx.repoRoot, ctx.tmpDir) };
}

async function main(): Promise<void> {
  if (process.argv.includes('--render')) {
    // Rewrites docs/benchmarks.md from bench/results/latest.json without measuring.
    const ctx = createContext(FULL_SETTINGS);
    const results = JSON.parse(
      readFileSync(join(ctx.benchDir, 'results/latest.json'), 'utf8'),
    ) as BenchResults;
    await writeMarkdown(join(ctx.repoRoot, 'docs/benchmarks.md'), results);
    ctx.log(`rendered docs/benchmarks.md (${renderMarkdown(results).length} characters of tables)`);
    return;
  }
  const args = parseArgs(process.argv.slice(2));
  const ctx = prepare(createContext(args.quick ? QUICK_SETTINGS : FULL_SETTINGS));
  const sections = args.only ?? [...SECTIONS];
  const machine = describeMachine();
  ctx.log(
    `load average ${machine.loadBefore.join(' / ')}, CPU in use ${machine.cpuBusyAtStart ?? '?'} of the machine; sections: ${sections.join(', ')}`,
  );
  if (startedBusy(machine)) {
    ctx.log('warning: the machine is busy; figures will be noisy (see docs/benchmarks.md)');
  }
  const started = performance.now();
  const results: Omit<BenchResults, 'targets' | 'machine' | 'durationS'> = {
    generatedAt: new Date().toISOString(),
    complete: !args.only && !args.quick,
    sections,
    settings: ctx.settings,
  };
  const partialPath = join(ctx.tmpDir, 'results-partial.json');
  const run = async <T>(section: Section, fn: () => Promise<T> | T): Promise<T | undefined> => {
    if (!sections.includes(section)) return undefined;
    ctx.log(`— ${section}`);
    const value = await fn();
    // Kept after each section, so a failure later does not lose what was measured.
    writeFileSync(partialPath, `${JSON.stringify({ ...results, [section]: value }, null, 2)}\n`);
    return value;
  };
  results.wbxml = await run('wbxml', () => measureWbxml(ctx));
  results.floor = await run('floor', async () => ({
    crypto: await measureCrypto(ctx),
    httpJson: await measureHttpFloor(ctx, 'json'),
    httpSign: await measureHttpFloor(ctx, 'sign'),
  }));
  results.coldStart = await run('cold-start', () => measureColdStart(ctx));
  const token = await run('token', async () => ({
    endpoints: await measureTokenEndpoints(ctx),
    rounds: await measureTokenRounds(ctx),
  }));
  results.tokenEndpoint = token?.endpoints;
  results.tokenRounds = token?.rounds;
  results.fullFlow = await run('flow', () => measureFullFlow(ctx));
  results.scale = await run('scale', () => measureScale(ctx));
  const final: BenchResults = {
    ...results,
    durationS: Math.round((performance.now() - started) / 1000),
    machine: finishMachine(machine),
    targets: computeTargets(results),
  };
  const official = final.complete || args.write;
  const jsonPath = official
    ? join(ctx.benchDir, 'results/latest.json')
    : join(ctx.tmpDir, `results-${args.quick ? 'quick' : sections.join('-')}.json`);
  writeJson(jsonPath, final);
  if (official) await writeMarkdown(join(ctx.repoRoot, 'docs/benchmarks.md'), final);
  ctx.log(`wrote ${jsonPath}${official ? ' and docs/benchmarks.md' : ''}`);
  for (const t of final.targets) {
    ctx.log(`${t.met ? 'met    ' : 'MISSED '} ${t.ratio} ${t.comparison} ${t.target}  ${t.name}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
