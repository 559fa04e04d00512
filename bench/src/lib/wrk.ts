import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToEnd } from './children.js';

/** One wrk run: the same generator, threads and duration for every server measured. */
export interface WrkOptions {
  url: string;
  method?: 'GET' | 'POST';
  /** A form body (sent as application/x-www-form-urlencoded). */
  body?: string;
  connections: number;
  durationS: number;
  threads?: number;
  /** Where the generated Lua script goes. */
  tmpDir: string;
}

export interface WrkResult {
  connections: number;
  durationS: number;
  requests: number;
  requestsPerS: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Non-2xx/3xx answers, socket errors and timeouts: any of these spoils the figure. */
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
}

let scriptCount = 0;

function luaScript(options: WrkOptions): string {
  const lines = [
    `wrk.method = "${options.method ?? 'GET'}"`,
    options.body !== undefined ? `wrk.body = [==[${options.body}]==]` : '',
    options.body !== undefined
      ? 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
      : '',
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'BENCH_WRK {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%f}\\n\',',
    '    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,',
    '    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))',
    'end',
  ];
  return lines.filter(Boolean).join('\n') + '\n';
}

/** Runs wrk against a 127.0.0.1 URL and parses its summary. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const url = new URL(options.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`load is only aimed at 127.0.0.1, not ${url}`);
  mkdirSync(options.tmpDir, { recursive: true });
  const script = join(options.tmpDir, `wrk-${process.pid}-${scriptCount++}.lua`);
  writeFileSync(script, luaScript(options));
  const threads = Math.min(options.threads ?? 2, options.connections);
  const run = await runToEnd(
    'wrk',
    [
      `-t${threads}`,
      `-c${options.connections}`,
      `-d${options.durationS}s`,
      '--timeout',
      '5s',
      '-s',
      script,
      options.url,
    ],
    { timeoutMs: (options.durationS + 30) * 1000 },
  ).finally(() => rmSync(script, { force: true }));
  const line = run.stdout.split('\n').find((l) => l.startsWith('BENCH_WRK '));
  if (run.code !== 0 || !line) {
    throw new Error(`wrk failed (${run.code}): ${run.stderr || run.stdout}`);
  }
  const raw = JSON.parse(line.slice('BENCH_WRK '.length)) as Record<string, number>;
  const seconds = raw.duration_us! / 1e6;
  const ms = (us: number | undefined): number => Math.round((us ?? 0) / 10) / 100;
  return {
    connections: options.connections,
    durationS: options.durationS,
    requests: raw.requests!,
    requestsPerS: Math.round(raw.requests! / seconds),
    latencyMs: {
      p50: ms(raw.p50),
      p90: ms(raw.p90),
      p99: ms(raw.p99),
      max: ms(raw.max),
      mean: ms(raw.mean),
    },
    errors: {
      connect: raw.connect!,
      read: raw.read!,
      write: raw.write!,
      status: raw.status!,
      timeout: raw.timeout!,
    },
  };
}

/** True when a run had no failed request of any kind. */
export function clean(result: WrkResult): boolean {
  const e = result.errors;
  return e.connect + e.read + e.write + e.status + e.timeout === 0;
}
