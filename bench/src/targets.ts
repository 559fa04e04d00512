import { round } from './lib/stats.js';
import type { ColdStartResult } from './sections/cold-start.js';
import type { FloorResult } from './sections/floor.js';
import type { FullFlowResult } from './sections/full-flow.js';
import type { ScaleResult } from './sections/scale.js';
import type { TokenServerResult } from './sections/token-endpoint.js';
import { FLOOR_SERVER, type TokenRoundsResult } from './sections/token-rounds.js';

/**
 * The targets of issue 9, each a ratio of two figures of the same run.
 * `comparison` says which way is good: `>=` ratio must reach the target,
 * `<=` it must stay at or under it.
 */
export interface Target {
  name: string;
  ratio: number;
  target: number;
  met: boolean;
  comparison: '>=' | '<=';
}

export interface Measured {
  floor?: FloorResult;
  coldStart?: Record<string, ColdStartResult>;
  tokenEndpoint?: Record<string, TokenServerResult>;
  tokenRounds?: TokenRoundsResult;
  fullFlow?: FullFlowResult;
  scale?: ScaleResult;
}

/** The entra figure the token targets are judged on: `hma-lab up` as users start it. */
export const TARGET_ENTRA = 'entra (hma-lab up, trace on)';
export const PEERS = ['oauth2-mock-server', 'oidc-provider'];
export const TARGET_CONNECTIONS = 'c16';

function target(name: string, ratio: number, bound: number, comparison: '>=' | '<='): Target {
  const r = round(ratio, 3);
  return {
    name,
    ratio: r,
    target: bound,
    met: comparison === '>=' ? r >= bound : r <= bound,
    comparison,
  };
}

export function computeTargets(m: Measured): Target[] {
  const targets: Target[] = [];
  // The token targets read the medians of the interleaved rounds (sections/token-rounds.ts).
  const rounds = m.tokenRounds;
  const how = rounds ? `, medians of ${rounds.rounds} interleaved rounds` : '';
  const entra = rounds?.servers[TARGET_ENTRA];
  const floor = rounds?.servers[FLOOR_SERVER];
  const peers = PEERS.flatMap((name) => {
    const figure = rounds?.servers[name];
    return figure ? [{ name, figure }] : [];
  });
  if (entra && floor) {
    targets.push(
      target(
        `token endpoint (client_credentials, 16 connections${how}): entra req/s ÷ floor (bare node:http + one jose RS256 sign) req/s`,
        entra.medianRequestsPerS / floor.medianRequestsPerS,
        0.9,
        '>=',
      ),
    );
  }
  if (entra && peers.length > 0) {
    const fastest = peers.reduce((a, b) =>
      b.figure.medianRequestsPerS > a.figure.medianRequestsPerS ? b : a,
    );
    targets.push(
      target(
        `token endpoint (client_credentials, 16 connections${how}): entra req/s ÷ faster peer (${fastest.name}) req/s`,
        entra.medianRequestsPerS / fastest.figure.medianRequestsPerS,
        1.3,
        '>=',
      ),
    );
    targets.push(
      target(
        `token endpoint (client_credentials, 16 connections${how}): entra p99 ÷ faster peer (${fastest.name}) p99`,
        entra.medianP99Ms / fastest.figure.medianP99Ms,
        1,
        '<=',
      ),
    );
  }
  const lab = m.coldStart?.['hma-lab up --http'];
  const peerStarts = PEERS.map((name) => ({ name, run: m.coldStart?.[name] })).filter((p) => p.run);
  if (lab && peerStarts.length > 0) {
    const fastest = peerStarts.reduce((a, b) => (b.run!.medianMs < a.run!.medianMs ? b : a));
    targets.push(
      target(
        `cold start: hma-lab up (8 services) median ÷ faster peer (${fastest.name}) median`,
        lab.medianMs / fastest.run!.medianMs,
        1,
        '<=',
      ),
    );
  }
  const flow = m.fullFlow?.runs.find(
    (r) => r.mode === 'in-process' && r.devices === 1 && r.trace === false,
  );
  if (flow && m.fullFlow && m.floor) {
    const { signs, verifies } = m.fullFlow.perFlow;
    const cryptoMs = signs * m.floor.crypto.labSignMs + verifies * m.floor.crypto.labVerifyMs;
    targets.push(
      target(
        `full flow in-process (1 device): p50 ÷ the RSA work it does (${signs} signs + ${verifies} verifications = ${round(cryptoMs, 2)} ms)`,
        flow.latencyMs.p50 / cryptoMs,
        3,
        '<=',
      ),
    );
  }
  if (m.scale) {
    const n = m.scale.mailboxes;
    targets.push(
      target(
        `${n} hybrid mailboxes: resident memory per mailbox ÷ 50 KB`,
        m.scale.rssPerMailboxKB / 50,
        1,
        '<=',
      ),
    );
    targets.push(
      target(
        `${n} hybrid mailboxes: wall time of clock.advance('1h') (every AT2 renewed) ÷ 10 s`,
        m.scale.advance1h.wallMs / 10_000,
        1,
        '<=',
      ),
    );
  }
  return targets;
}
