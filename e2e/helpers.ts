import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { FlowStep, TraceExchange, TraceToken } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';

/** The exchanges behind the legs of one step. */
export function exchangesOf(
  steps: FlowStep[],
  step: number,
  leg?: FlowStep['leg'],
): TraceExchange[] {
  return steps
    .filter((s) => s.step === step && s.entry.kind === 'exchange' && (!leg || s.leg === leg))
    .map((s) => s.entry as TraceExchange)
    .filter((e, i, all) => all.indexOf(e) === i);
}

/** Every JWT that crossed any exchange of the run. */
export function jwtsOf(steps: FlowStep[]): TraceToken[] {
  const seen = new Set<string>();
  const tokens: TraceToken[] = [];
  for (const step of steps) {
    if (step.entry.kind !== 'exchange') continue;
    for (const token of step.entry.tokens) {
      if (token.kind === 'jwt' && !seen.has(token.raw)) {
        seen.add(token.raw);
        tokens.push(token);
      }
    }
  }
  return tokens;
}

/** Verifies a JWT's signature against entra's published JWKS (fetched through the lab). */
export async function verifyWithEntraJwks(lab: Lab, raw: string): Promise<JWTPayload> {
  const response = await lab.fetch('https://login.microsoftonline.com/common/discovery/keys');
  const jwks = createLocalJWKSet((await response.json()) as { keys: [] });
  const { payload } = await jwtVerify(raw, jwks, { currentDate: new Date(lab.clock.now()) });
  return payload;
}

/** A response header as one string (multiple values joined the way HTTP folds them). */
export function header(exchange: TraceExchange, name: string): string {
  const value = exchange.responseHeaders[name];
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

/**
 * For test files that run a lab in nock mode. The mode imports nock, which
 * patches node's http module for the whole jest worker; restoring it after the
 * file gives the files this worker runs next plain http (a later
 * `http.get(url, callback)` trips over nock's interceptor).
 */
export function restoreNockAfterAll(): void {
  afterAll(async () => {
    const nock = (await import('nock')).default;
    nock.restore();
  });
}
