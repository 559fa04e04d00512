import { stepSequence, type FlowStep, type TraceExchange, type TraceToken } from '@hma-lab/core';
import type { FlowRun } from './lab.js';

/**
 * jest matchers for flow runs and tokens. Register once per test file (or in a
 * setup file):
 *
 * @example
 * ```ts
 * import { labMatchers } from '@hma-lab/lab';
 * expect.extend(labMatchers);
 * expect(run).toHaveStep(17, { status: 200, from: 'exo', to: 'entra' });
 * expect(run).toHaveStepsInOrder([1, 2, 3, 4, 5, 6]);
 * expect(run).toHaveToken({ step: 17, name: 'access_token', claims: { aud: 'https://mail.contoso.com' } });
 * ```
 */

interface MatcherResult {
  pass: boolean;
  message: () => string;
}

export interface StepExpectation {
  status?: number;
  from?: string;
  to?: string;
  leg?: FlowStep['leg'];
}

export interface TokenExpectation {
  step?: number;
  name?: string;
  claims?: Record<string, unknown>;
}

function isRun(value: unknown): value is FlowRun {
  return typeof value === 'object' && value !== null && Array.isArray((value as FlowRun).steps);
}

function describeStep(s: FlowStep): string {
  if (s.entry.kind === 'event') return `${s.step} ${s.leg} ${s.from}: ${s.entry.action}`;
  return `${s.step} ${s.leg} ${s.from}->${s.to} ${s.entry.method} ${s.entry.url} ${s.entry.status}`;
}

function matchesStep(s: FlowStep, expected: StepExpectation): boolean {
  if (expected.leg && s.leg !== expected.leg) return false;
  if (
    expected.from &&
    s.from !== expected.from &&
    s.entry.kind === 'exchange' &&
    s.entry.from !== expected.from
  )
    return false;
  if (
    expected.to &&
    s.to !== expected.to &&
    s.entry.kind === 'exchange' &&
    s.entry.to !== expected.to
  )
    return false;
  if (
    expected.status !== undefined &&
    (s.entry.kind !== 'exchange' || s.entry.status !== expected.status)
  )
    return false;
  return true;
}

function claimsMatch(token: TraceToken, claims: Record<string, unknown>): boolean {
  return Object.entries(claims).every(([key, value]) => {
    const actual = token.claims?.[key];
    if (Array.isArray(value))
      return Array.isArray(actual) && value.every((v) => actual.includes(v));
    return actual === value;
  });
}

export const labMatchers = {
  /** The run has a leg labelled `step` (optionally with a status, parties, or leg kind). */
  toHaveStep(received: unknown, step: number, expected: StepExpectation = {}): MatcherResult {
    if (!isRun(received))
      return { pass: false, message: () => 'expected a FlowRun (lab.runFlow result)' };
    const legs = received.steps.filter((s) => s.step === step);
    const pass = legs.some((s) => matchesStep(s, expected));
    return {
      pass,
      message: () =>
        pass
          ? `expected no step ${step} matching ${JSON.stringify(expected)}`
          : `expected step ${step} matching ${JSON.stringify(expected)}; the run has:\n${
              legs.map(describeStep).join('\n') ||
              `(no step ${step}; steps seen: ${stepSequence(received.steps).join(', ')})`
            }`,
    };
  },

  /** These steps all happened, first occurrences in this order (others may come between). */
  toHaveStepsInOrder(received: unknown, steps: number[]): MatcherResult {
    if (!isRun(received))
      return { pass: false, message: () => 'expected a FlowRun (lab.runFlow result)' };
    const seen = stepSequence(received.steps);
    let cursor = 0;
    for (const step of seen) if (step === steps[cursor]) cursor++;
    const pass = cursor === steps.length;
    return {
      pass,
      message: () =>
        pass
          ? `expected steps ${steps.join(', ')} not to appear in order`
          : `expected steps ${steps.join(', ')} in order; saw ${seen.join(', ')}`,
    };
  },

  /** A token crossed the run (optionally at a step, with a name and claims). */
  toHaveToken(received: unknown, expected: TokenExpectation): MatcherResult {
    if (!isRun(received))
      return { pass: false, message: () => 'expected a FlowRun (lab.runFlow result)' };
    const exchanges = received.steps
      .filter((s) => expected.step === undefined || s.step === expected.step)
      .map((s) => s.entry)
      .filter((e): e is TraceExchange => e.kind === 'exchange');
    const tokens = [...new Set(exchanges)].flatMap((e) => e.tokens);
    const pass = tokens.some(
      (t) =>
        (!expected.name || t.name === expected.name) &&
        (!expected.claims || claimsMatch(t, expected.claims)),
    );
    return {
      pass,
      message: () =>
        pass
          ? `expected no token matching ${JSON.stringify(expected)}`
          : `expected a token matching ${JSON.stringify(expected)}; tokens seen${expected.step ? ` at step ${expected.step}` : ''}:\n${
              tokens
                .map((t) => `${t.name} (${t.kind}) ${JSON.stringify(t.claims ?? {}).slice(0, 200)}`)
                .join('\n') || '(none)'
            }`,
    };
  },
};

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- how @types/jest exposes matchers
  namespace jest {
    interface Matchers<R> {
      toHaveStep(step: number, expected?: StepExpectation): R;
      toHaveStepsInOrder(steps: number[]): R;
      toHaveToken(expected: TokenExpectation): R;
    }
  }
}
