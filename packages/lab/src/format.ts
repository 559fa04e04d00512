import { shorten, type FlowStep, type TraceExchange } from '@hma-lab/core';
import type { FlowRun } from './lab.js';

/**
 * One line per step leg, as `hma-lab flow` prints it:
 * `[ 3] exo -> autodetect  302  GET https://outlook.office365.com/...  <meaning>`.
 */
export function formatStep(step: FlowStep, showMeaning = true): string {
  const number = `[${String(step.step).padStart(2)}]`;
  const parties = `${step.from} -> ${step.to}`.padEnd(34);
  const meaning = showMeaning ? `  ${step.meaning}` : '';
  if (step.entry.kind === 'event') {
    return `${number} ${`${step.from} (inside)`.padEnd(34)} ${step.entry.summary}${meaning ? `  — ${step.meaning}` : ''}`;
  }
  const exchange = step.entry as TraceExchange;
  const status = String(exchange.status || '---').padEnd(3);
  const line = `${exchange.method} ${shorten(exchange.url, 96)}`;
  return step.leg === 'response'
    ? `${number} ${parties} ${status}  (answer to ${line})${meaning}`
    : `${number} ${parties} ${status}  ${line}${meaning}`;
}

/**
 * The whole run: an exchange whose request and answer belong to the same step
 * is one line; an answer that is a step of its own (AutoDetect's answer is
 * step 6 of the request of step 1) gets its own line where it happened. A
 * step's meaning is printed the first time the step appears. The last line
 * says how the flow ended.
 */
export function formatRun(run: FlowRun): string {
  const lines: string[] = [];
  const seen = new Set<number>();
  const merged = new Set<FlowStep>();
  for (const step of run.steps) {
    if (merged.has(step)) continue;
    if (step.leg === 'request') {
      const answer = run.steps.find((s) => s.entry === step.entry && s.leg === 'response');
      if (answer && answer.step === step.step) merged.add(answer);
    }
    lines.push(formatStep(step, !seen.has(step.step)));
    seen.add(step.step);
  }
  if (run.ok) {
    lines.push(`flow ${run.flow} for ${run.user}: completed (${seen.size} steps)`);
  } else {
    lines.push(
      `flow ${run.flow} for ${run.user}: FAILED at step ${run.error?.step}: ${run.error?.message} [${run.error?.reason}]`,
    );
  }
  return lines.join('\n');
}
