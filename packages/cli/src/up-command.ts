import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirectory, SERVICE_PARTIES } from '@hma-lab/core';
import { createLab, type Lab, type LabOptions } from '@hma-lab/lab';
import type { Output } from './flow-command.js';
import { loadScenarioArg, loadServicesArg, UsageError } from './scenario-arg.js';

export interface UpCommandOptions {
  scenario?: string;
  /** File of each party's options (`--services`). */
  services?: string;
  bind?: string;
  portBase?: number;
  /** Plain HTTP instead of HTTPS with the lab's local CA. */
  http?: boolean;
  /** Folder of the local CA and certificates (default ~/.hma-lab/tls). */
  tlsDir?: string;
  /** Port of the front door answering for every emulated host name; 443 falls back to a free port. */
  frontDoorPort?: number;
  /** Port of the admin API (default any free port). */
  adminPort?: number;
}

export interface UpCommandHooks {
  /**
   * Runs once every service listens, before the ready line (e.g. writing the
   * state file). If it throws, the lab is closed and the error passed on.
   */
  beforeReady?: (lab: Lab) => Promise<void>;
}

/** How long closing a lab may take before the command gives up on it. */
const CLOSE_TIMEOUT_MS = 5_000;

/**
 * `hma-lab up`: starts the lab on loopback with a running clock and prints one
 * JSON line once every service listens:
 * `{"ready":true,"services":{"entra":"https://127.0.0.1:…",…},"frontDoor":"…","ca":"<path>"}`.
 * Resolves with the lab; the caller closes it on SIGINT/SIGTERM (serveUntilSignal).
 */
export async function upCommand(
  options: UpCommandOptions,
  output: Output,
  hooks: UpCommandHooks = {},
): Promise<Lab> {
  const ports: Partial<Record<(typeof SERVICE_PARTIES)[number], number>> = {};
  if (options.portBase !== undefined) {
    const count = SERVICE_PARTIES.length;
    const highest = 65_535 - count + 1;
    if (!Number.isInteger(options.portBase) || options.portBase < 1 || options.portBase > highest)
      throw new UsageError(
        `--port-base ${options.portBase}: the lab listens on ${count} consecutive ports from it, so it must be from 1 to ${highest}`,
      );
    SERVICE_PARTIES.forEach((party, i) => (ports[party] = options.portBase! + i));
  }
  const scenario = await loadScenarioArg(options.scenario);
  const services = await loadServicesArg(options.services);
  if (options.tlsDir !== undefined) await checkTlsDir(options.tlsDir);
  const base: LabOptions = {
    scenario,
    ...(services ? { services } : {}),
    mode: 'loopback',
    clockMode: 'running',
    ports,
    admin: { port: options.adminPort ?? 0 },
    ...(options.bind ? { bindHost: options.bind } : {}),
    ...(options.http ? {} : { tls: options.tlsDir ? { dir: options.tlsDir } : true }),
  };
  const wanted = options.frontDoorPort ?? 443;
  if (process.stderr.isTTY)
    output.err(`hma-lab: starting the lab (${options.http ? 'HTTP' : 'HTTPS'}, loopback)…`);
  let lab: Lab;
  try {
    lab = await createLab({ ...base, frontDoor: { port: wanted } });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (wanted === 0 || (code !== 'EACCES' && code !== 'EADDRINUSE')) throw error;
    output.err(
      `hma-lab: port ${wanted} is not available (${code}); the front door listens on a free port instead`,
    );
    lab = await createLab({ ...base, frontDoor: { port: 0 } });
  }
  if (hooks.beforeReady) {
    try {
      await hooks.beforeReady(lab);
    } catch (error) {
      if (!(await closeWithin(lab, CLOSE_TIMEOUT_MS)))
        output.err(`hma-lab: the lab did not close within ${CLOSE_TIMEOUT_MS / 1000} s`);
      throw error;
    }
  }
  output.out(
    JSON.stringify({
      ready: true,
      scenario: lab.scenario.name,
      services: lab.services,
      frontDoor: lab.frontDoor,
      admin: lab.admin,
      ui: lab.ui,
      ...(lab.ca ? { ca: lab.ca.path } : {}),
    }),
  );
  return lab;
}

/**
 * `--tls-dir`: a folder, or a path where one can be made (the CA and the
 * certificates are written there); a file or a folder that cannot be written
 * is a usage error before anything starts.
 */
async function checkTlsDir(dir: string): Promise<void> {
  try {
    await makeDirectory(join(dir, 'hosts'), 0o700);
    await access(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(
      `--tls-dir ${dir}: not a folder the lab can write its certificates to (${code})`,
    );
  }
}

/** `hma-lab hosts`: the hosts-file lines that send every emulated name to this machine. */
export function hostsSnippet(lab: Pick<Lab, 'hosts'>, address = '127.0.0.1'): string {
  const names = lab.hosts.entries().flatMap((entry) => entry.hostnames);
  return [
    `# hma-lab: emulated hosts (remove when done)`,
    ...names.map((name) => `${address} ${name}`),
  ].join('\n');
}

/** Closes `lab`, waiting at most `ms`: true if it closed (a failure to close counts as closed). */
export async function closeWithin(lab: Pick<Lab, 'close'>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  // Unref'd: a lab whose close holds nothing open must not be waited for either.
  const timedOut = new Promise<false>(
    (resolve) => (timer = setTimeout(() => resolve(false), ms).unref()),
  );
  try {
    return await Promise.race([
      lab.close().then(
        () => true,
        () => true,
      ),
      timedOut,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface ServeOptions<L extends Pick<Lab, 'close'>> {
  output: Output;
  /** Starts the lab (and prints the ready line). */
  start: () => Promise<L>;
  /** Runs when the lab stops, before it is closed (e.g. removing the state file). */
  stopped?: () => Promise<void>;
  /** Where SIGINT and SIGTERM come from (tests pass an EventEmitter). */
  signals?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  /** How long a signal during startup waits for the startup to finish, so the lab can be closed. */
  startupGraceMs?: number;
  /** How long closing the lab may take. */
  closeTimeoutMs?: number;
}

/**
 * Runs a lab until SIGINT or SIGTERM, and resolves with the exit code; a
 * signal always ends it, whatever state the lab is in:
 * - while running: the lab is closed (at most `closeTimeoutMs`), exit code 0;
 * - while starting: the startup gets `startupGraceMs` to finish (then the lab
 *   is closed), else it is abandoned; exit code 128 + the signal's number
 *   (130 for SIGINT, 143 for SIGTERM);
 * - a second signal while stopping: resolves at once.
 * A startup that fails rejects with its error. What is abandoned may still hold
 * the event loop: bin.ts ends the process shortly after main returns.
 */
export function serveUntilSignal<L extends Pick<Lab, 'close'>>(
  options: ServeOptions<L>,
): Promise<number> {
  const {
    output,
    start,
    stopped = async () => {},
    signals = process,
    startupGraceMs = 1_000,
    closeTimeoutMs = CLOSE_TIMEOUT_MS,
  } = options;
  return new Promise<number>((resolve, reject) => {
    let phase: 'starting' | 'running' | 'stopping' | 'done' = 'starting';
    let exitCode = 0;
    let grace: NodeJS.Timeout | undefined;

    const settle = (outcome: { code: number } | { error: unknown }) => {
      if (phase === 'done') return;
      phase = 'done';
      signals.off('SIGINT', onSignal);
      signals.off('SIGTERM', onSignal);
      clearTimeout(grace);
      if ('code' in outcome) resolve(outcome.code);
      else reject(outcome.error);
    };
    const shutDown = async (lab: L) => {
      try {
        await stopped();
      } catch {
        // Best effort: the lab is closed regardless.
      }
      if (!(await closeWithin(lab, closeTimeoutMs)))
        output.err(`hma-lab: the lab did not close within ${closeTimeoutMs / 1000} s; exiting`);
      settle({ code: exitCode });
    };
    let lab: L | undefined;
    function onSignal(signal: NodeJS.Signals) {
      if (phase === 'running') {
        phase = 'stopping';
        void shutDown(lab!);
      } else if (phase === 'starting') {
        phase = 'stopping';
        exitCode = 128 + (signal === 'SIGINT' ? 2 : 15);
        output.err(`hma-lab: ${signal} before the lab was ready: stopping`);
        grace = setTimeout(() => {
          output.err('hma-lab: the lab did not finish starting; exiting without it');
          settle({ code: exitCode });
        }, startupGraceMs);
      } else {
        // Asked again while stopping: stop waiting.
        settle({ code: exitCode });
      }
    }
    signals.on('SIGINT', onSignal);
    signals.on('SIGTERM', onSignal);

    start().then(
      (started) => {
        lab = started;
        if (phase === 'starting') phase = 'running';
        else if (phase === 'stopping') {
          clearTimeout(grace);
          void shutDown(started);
        } else {
          // Abandoned after a signal: close it in the background, best effort.
          void stopped()
            .catch(() => {})
            .then(() => closeWithin(started, closeTimeoutMs));
        }
      },
      (error: unknown) => settle({ error }),
    );
  });
}
