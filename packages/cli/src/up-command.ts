import { createLab, type Lab } from '@hma-lab/lab';
import type { Output } from './flow-command.js';
import { loadScenarioArg } from './scenario-arg.js';

export interface UpCommandOptions {
  scenario?: string;
  bind?: string;
  portBase?: number;
}

/**
 * `hma-lab up`: starts the lab on loopback with a running clock and prints one
 * JSON line once every service listens:
 * `{"ready":true,"services":{"entra":"http://127.0.0.1:…",…}}`.
 * Resolves with the lab; the caller closes it on SIGINT/SIGTERM.
 */
export async function upCommand(options: UpCommandOptions, output: Output): Promise<Lab> {
  const scenario = await loadScenarioArg(options.scenario);
  const ports: Record<string, number> = {};
  if (options.portBase !== undefined) {
    const parties = [
      'autodetect',
      'exo',
      'entra',
      'wap',
      'adfs',
      'onprem-autodiscover',
      'onprem-eas',
      'outlook-service',
    ];
    parties.forEach((party, i) => (ports[party] = options.portBase! + i));
  }
  const lab = await createLab({
    scenario,
    mode: 'loopback',
    clockMode: 'running',
    ports,
    ...(options.bind ? { bindHost: options.bind } : {}),
  });
  output.out(JSON.stringify({ ready: true, scenario: lab.scenario.name, services: lab.services }));
  return lab;
}
