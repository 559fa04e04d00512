import type { FlowStep, TraceEntry } from '@hma-lab/core';
import { createLab, formatRun, type FlowRun, type LabMode } from '@hma-lab/lab';
import { asTyped, loadScenarioArg, loadServicesArg, someUsers } from './scenario-arg.js';
import { paintFlowLine, terminalStyle } from './style.js';

export interface FlowCommandOptions {
  user: string;
  json?: boolean;
  scenario?: string;
  /** File of each party's options (`--services`). */
  services?: string;
  mode?: LabMode;
  /** `hma` (default): flow A or B. `basic`: flow C, basic authentication through the Outlook cloud service. */
  path?: 'hma' | 'basic';
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/**
 * `hma-lab flow --user <upn>`: starts a lab, runs the flow for the user, prints
 * each step (or the trace as JSON), and returns the exit code: 0 when the flow
 * completed, 1 when it stopped (the failing step is named).
 */
export async function flowCommand(options: FlowCommandOptions, output: Output): Promise<number> {
  const scenario = await loadScenarioArg(options.scenario);
  const services = await loadServicesArg(options.services);
  const style = terminalStyle();
  if (process.stderr.isTTY && !options.json) {
    output.err(style.dim(`starting the lab (${options.mode ?? 'loopback'})…`));
  }
  const lab = await createLab({
    scenario,
    ...(services ? { services } : {}),
    mode: options.mode ?? 'loopback',
  });
  try {
    if (!lab.directory.user(options.user)) {
      output.err(
        `hma-lab: no user ${asTyped(options.user)} in scenario ${lab.scenario.name} (users: ${someUsers(
          lab.directory.users().map((u) => u.upn),
        )})`,
      );
      return 2;
    }
    const run = await lab.runFlow(options.user, { path: options.path ?? 'hma' });
    if (options.json) {
      output.out(JSON.stringify(runToJson(run, lab.scenario.name, lab.mode), null, 2));
    } else {
      output.out(
        `hma-lab: flow ${run.flow} for ${run.user}, scenario ${lab.scenario.name}, ${lab.mode} mode\n`,
      );
      output.out(
        formatRun(run)
          .split('\n')
          .map((line) => paintFlowLine(line, style))
          .join('\n'),
      );
      if (run.flow === 'C') output.out(`\n${secretsCrossing(run)}`);
      if (run.flow === 'C' && !run.ok && run.error?.step === 4 && lab.scenario.name === 'contoso') {
        output.out(
          '\nThe contoso scenario blocks this connection on purpose: its DeviceModel rule "Outlook for iOS and Android"\n' +
            'is what HMA deployments add to stop basic authentication. Try --scenario basic-auth.',
        );
      }
    }
    return run.ok ? 0 : 1;
  } finally {
    await lab.close();
  }
}

/** The JSON shape of `hma-lab flow --json` (docs/cli.md). */
export function runToJson(run: FlowRun, scenario: string, mode: LabMode): Record<string, unknown> {
  const stepsByEntry = new Map<number, number[]>();
  for (const step of run.steps) {
    const list = stepsByEntry.get(step.entry.id) ?? [];
    if (!list.includes(step.step)) list.push(step.step);
    stepsByEntry.set(step.entry.id, list);
  }
  return {
    ok: run.ok,
    flow: run.flow,
    user: run.user,
    scenario,
    mode,
    runId: run.runId,
    ...(run.error
      ? {
          failedStep: run.error.step,
          error: { reason: run.error.reason, message: run.error.message, detail: run.error.detail },
        }
      : {}),
    steps: run.steps.map(stepToJson),
    entries: run.entries.map((entry: TraceEntry) => ({
      steps: stepsByEntry.get(entry.id) ?? [],
      ...entry,
    })),
  };
}

function stepToJson(step: FlowStep): Record<string, unknown> {
  const base = {
    step: step.step,
    leg: step.leg,
    from: step.from,
    to: step.to,
    meaning: step.meaning,
    entryId: step.entry.id,
  };
  if (step.entry.kind === 'event')
    return { ...base, action: step.entry.action, summary: step.entry.summary };
  const e = step.entry;
  return { ...base, method: e.method, url: e.url, status: e.status };
}

/** Which secret crossed which boundary in a run (flow C's point): from the trace, never the values. */
export function secretsCrossing(run: FlowRun): string {
  const lines = ['Secrets that crossed a boundary (values are never recorded):'];
  const seen = new Set<string>();
  for (const step of run.steps) {
    if (step.entry.kind !== 'exchange' || step.leg !== 'request') continue;
    for (const secret of step.entry.secrets) {
      const line = `  [${String(step.step).padStart(2)}] ${secret.name.padEnd(10)} ${step.entry.from} -> ${step.entry.to}  (${secret.where})`;
      if (!seen.has(line)) lines.push(line);
      seen.add(line);
    }
  }
  if (lines.length === 1) lines.push('  none');
  return lines.join('\n');
}
