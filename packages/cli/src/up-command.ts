import { SERVICE_PARTIES } from '@hma-lab/core';
import { createLab, type Lab, type LabOptions } from '@hma-lab/lab';
import type { Output } from './flow-command.js';
import { loadScenarioArg } from './scenario-arg.js';

export interface UpCommandOptions {
  scenario?: string;
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

/**
 * `hma-lab up`: starts the lab on loopback with a running clock and prints one
 * JSON line once every service listens:
 * `{"ready":true,"services":{"entra":"https://127.0.0.1:…",…},"frontDoor":"…","ca":"<path>"}`.
 * Resolves with the lab; the caller closes it on SIGINT/SIGTERM.
 */
export async function upCommand(options: UpCommandOptions, output: Output): Promise<Lab> {
  const scenario = await loadScenarioArg(options.scenario);
  const ports: Partial<Record<(typeof SERVICE_PARTIES)[number], number>> = {};
  if (options.portBase !== undefined) {
    SERVICE_PARTIES.forEach((party, i) => (ports[party] = options.portBase! + i));
  }
  const base: LabOptions = {
    scenario,
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

/** `hma-lab hosts`: the hosts-file lines that send every emulated name to this machine. */
export function hostsSnippet(lab: Pick<Lab, 'hosts'>, address = '127.0.0.1'): string {
  const names = lab.hosts.entries().flatMap((entry) => entry.hostnames);
  return [
    `# hma-lab: emulated hosts (remove when done)`,
    ...names.map((name) => `${address} ${name}`),
  ].join('\n');
}
