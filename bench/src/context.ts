import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where things are, and the settings every section shares. */
export interface BenchContext {
  repoRoot: string;
  benchDir: string;
  /** Scratch files (git-ignored): wrk scripts, keys, profiles. */
  tmpDir: string;
  /** The private JWK every peer and the floor server sign with. */
  jwkPath: string;
  settings: BenchSettings;
  log(message: string): void;
}

export interface BenchSettings {
  /** wrk: threads, seconds per run, connection counts; the same for every server. */
  wrk: { threads: number; durationS: number; warmupS: number; connections: number[] };
  /** The token targets' interleaved rounds (sections/token-rounds.ts): how many, seconds per run. */
  tokenRounds: { rounds: number; durationS: number };
  coldStart: { runs: number };
  flows: {
    durationS: number;
    /** Seconds of flows before the first measured run, in a lab of their own (the JIT's warm-up). */
    warmupS: number;
    warmupFlows: number;
    users: number;
    concurrency: number[];
  };
  scale: { mailboxes: number };
  wbxml: { messages: number; durationS: number };
  crypto: { durationS: number };
}

export const FULL_SETTINGS: BenchSettings = {
  wrk: { threads: 2, durationS: 10, warmupS: 2, connections: [2, 16] },
  tokenRounds: { rounds: 5, durationS: 4 },
  coldStart: { runs: 9 },
  flows: { durationS: 6, warmupS: 3, warmupFlows: 12, users: 1500, concurrency: [1, 16] },
  scale: { mailboxes: 10_000 },
  wbxml: { messages: 100, durationS: 2 },
  crypto: { durationS: 1.5 },
};

/** `--quick`: the same measurements, short and small, to try the bench itself. */
export const QUICK_SETTINGS: BenchSettings = {
  wrk: { threads: 2, durationS: 2, warmupS: 1, connections: [2, 16] },
  tokenRounds: { rounds: 3, durationS: 1 },
  coldStart: { runs: 3 },
  flows: { durationS: 1.5, warmupS: 0.5, warmupFlows: 4, users: 300, concurrency: [1, 16] },
  scale: { mailboxes: 500 },
  wbxml: { messages: 100, durationS: 0.5 },
  crypto: { durationS: 0.4 },
};

export function createContext(settings: BenchSettings): Omit<BenchContext, 'jwkPath'> {
  const benchDir = join(dirname(fileURLToPath(import.meta.url)), '..');
  const repoRoot = join(benchDir, '..');
  const tmpDir = join(benchDir, 'tmp');
  mkdirSync(tmpDir, { recursive: true });
  const started = performance.now();
  return {
    repoRoot,
    benchDir,
    tmpDir,
    settings,
    log: (message) =>
      process.stderr.write(
        `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`,
      ),
  };
}
