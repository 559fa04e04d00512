import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Every process the bench starts goes through here, so each one is stopped by
 * its PID: when the caller is done (try/finally), and on any exit of the bench
 * itself (normal end, uncaught error, Ctrl-C).
 */

const running = new Set<ChildProcess>();

function killAll(signal: NodeJS.Signals): void {
  for (const child of running) {
    if (child.pid !== undefined && child.exitCode === null) {
      try {
        process.kill(child.pid, signal);
      } catch {
        // Already gone.
      }
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAll('SIGKILL');
    process.exit(130);
  });
}

export interface Child {
  readonly pid: number;
  readonly process: ChildProcess;
  /** Everything the child wrote to stderr so far (for error messages). */
  stderr(): string;
  /** Resolves with the first stdout line that parses as JSON with `ready: true`. */
  ready(timeoutMs?: number): Promise<ReadyLine>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ReadyLine {
  ready: true;
  services: Record<string, string>;
  [key: string]: unknown;
}

/** Starts a child process with piped output, tracked until it exits. */
export function startChild(command: string, args: string[], options: SpawnOptions = {}): Child {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  running.add(child);
  // 'close' comes after the exit and after stdout is drained, so a ready line
  // printed just before exiting is never lost.
  const exited = new Promise<void>((resolve) => {
    child.once('close', () => {
      running.delete(child);
      resolve();
    });
  });
  let errText = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    if (errText.length < 20_000) errText += chunk;
  });
  const lines = child.stdout ? createInterface({ input: child.stdout }) : undefined;
  const readyLine = new Promise<ReadyLine>((resolve, reject) => {
    lines?.on('line', (line) => {
      if (!line.startsWith('{')) return;
      try {
        const parsed = JSON.parse(line) as Partial<ReadyLine>;
        if (parsed.ready === true) resolve(parsed as ReadyLine);
      } catch {
        // Not the ready line.
      }
    });
    void exited.then(() =>
      reject(new Error(`${command} ${args.join(' ')} exited before ready:\n${errText}`)),
    );
  });
  readyLine.catch(() => undefined);
  const pid = child.pid;
  return {
    pid,
    process: child,
    stderr: () => errText,
    ready(timeoutMs = 30_000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${command} not ready after ${timeoutMs} ms:\n${errText}`)),
          timeoutMs,
        );
      });
      return Promise.race([readyLine, timeout]).finally(() => clearTimeout(timer));
    },
    async stop(graceMs = 3000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        return;
      }
      const timer = setTimeout(() => {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs a command to its end (bounded by `timeoutMs`), returning its output. */
export async function runToEnd(
  command: string,
  args: string[],
  options: SpawnOptions & { timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { timeoutMs = 120_000, ...spawnOptions } = options;
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...spawnOptions });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr?.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (exitCode) => resolve(exitCode));
  }).finally(() => {
    clearTimeout(timer);
    running.delete(child);
  });
  return { code, stdout, stderr };
}
