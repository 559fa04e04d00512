import type { FlowStep, TraceExchange } from '@hma-lab/core';
import type { FlowRun } from './lab.js';

/**
 * One line per step, as `hma-lab flow` prints it:
 * `[ 3] exo -> autodetect  GET https://outlook.office365.com/...  302  <meaning>`.
 */
export function formatStep(step: FlowStep): string {
  const number = `[${String(step.step).padStart(2)}]`;
  const parties = `${step.from} -> ${step.to}`.padEnd(36);
  if (step.leg === 'event') return `${number} ${parties} (inside ${step.from})  ${step.meaning}`;
  const exchange = step.entry as TraceExchange;
  const requestLine = `${exchange.method} ${shorten(exchange.url, 110)}`;
  const status = step.leg === 'response' ? `-> ${exchange.status || 'no answer'}` : '';
  return `${number} ${parties} ${requestLine} ${status}  ${step.meaning}`.replace(/\s+$/, '');
}

/** The whole run, one line per step, and a closing line saying how it ended. */
export function formatRun(run: FlowRun): string {
  const lines = run.steps.map(formatStep);
  if (run.ok) {
    lines.push(
      `flow ${run.flow} for ${run.user}: completed (${new Set(run.steps.map((s) => s.step)).size} steps)`,
    );
  } else {
    lines.push(
      `flow ${run.flow} for ${run.user}: FAILED at step ${run.error?.step}: ${run.error?.message} [${run.error?.reason}]`,
    );
  }
  return lines.join('\n');
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
