import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Machine } from './machine.js';
import { round } from './lib/stats.js';
import type { WrkResult } from './lib/wrk.js';
import type { BenchSettings } from './context.js';
import type { WbxmlResult } from './sections/wbxml.js';
import { PEERS, TARGET_CONNECTIONS, type Measured, type Target } from './targets.js';

export interface BenchResults extends Measured {
  generatedAt: string;
  complete: boolean;
  sections: string[];
  durationS: number;
  machine: Machine;
  settings: BenchSettings;
  wbxml?: WbxmlResult;
  targets: Target[];
}

export const BEGIN = '<!-- bench:results:begin (written by npm run bench) -->';
export const END = '<!-- bench:results:end -->';

export function writeJson(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

function table(head: string[], rows: Array<Array<string | number>>): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map((h, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

const fmt = (n: number | undefined, digits = 1): string =>
  n === undefined || Number.isNaN(n) ? '–' : String(round(n, digits));

function wrkCell(run: WrkResult | undefined): string {
  return run ? `${run.requestsPerS} (p50 ${run.latencyMs.p50}, p99 ${run.latencyMs.p99})` : '–';
}

export function renderMarkdown(r: BenchResults): string {
  const out: string[] = [];
  const m = r.machine;
  out.push(
    `Run of ${r.generatedAt.slice(0, 16).replace('T', ' ')} UTC, ${r.durationS} s, ${r.complete ? 'all sections' : `sections: ${r.sections.join(', ')}`}.`,
    `Machine: ${m.cpus} × ${m.cpuModel}, ${m.totalMemGB} GB, Node ${m.node}, wrk ${m.wrk}.`,
    `Load average before the run ${m.loadBefore.join(' / ')}, after ${m.loadAfter.join(' / ')} (1/5/15 min);` +
      ` busiest other processes at the start: ${m.othersAtStart.length > 0 ? m.othersAtStart.join(', ') : 'none above 5 % CPU'}` +
      (m.cpuBusyAtStart !== undefined
        ? `; CPU in use over that second: ${Math.round(m.cpuBusyAtStart * 100)} % of the machine.`
        : '.'),
    '',
  );
  out.push('### Targets', '');
  out.push(
    table(
      ['target', 'ratio', 'bound', 'met'],
      r.targets.map((t) => [
        t.name,
        t.ratio,
        `${t.comparison} ${t.target}`,
        t.met ? 'yes' : '**no**',
      ]),
    ),
    '',
  );
  if (r.tokenEndpoint) {
    out.push(
      '### Token endpoint throughput',
      '',
      `wrk -t${r.settings.wrk.threads} -d${r.settings.wrk.durationS}s, req/s (p50, p99 in ms); JWTs = RS256 signatures in each answer.`,
      '',
    );
    const rows: Array<Array<string | number>> = [];
    for (const [name, s] of Object.entries(r.tokenEndpoint)) {
      for (const grant of ['clientCredentials', 'refreshToken'] as const) {
        rows.push([
          name,
          grant === 'clientCredentials' ? 'client_credentials' : 'refresh_token',
          s.jwtsPerResponse[grant],
          ...r.settings.wrk.connections.map((c) => wrkCell(s[grant][`c${c}`])),
        ]);
      }
    }
    out.push(
      table(
        ['server', 'grant', 'JWTs', ...r.settings.wrk.connections.map((c) => `${c} connections`)],
        rows,
      ),
      '',
    );
  }
  if (r.tokenRounds) {
    const t = r.tokenRounds;
    out.push(
      '### Token endpoint, interleaved rounds (the token targets)',
      '',
      `client_credentials, ${t.connections} connections, ${t.rounds} rounds of ${t.durationS} s per server, every server up at once and loaded in turn; req/s and p99 (ms) of each round, and their medians.`,
      '',
      table(
        ['server', 'median req/s', 'median p99', 'req/s by round', 'p99 by round'],
        Object.entries(t.servers).map(([name, s]) => [
          name,
          s.medianRequestsPerS,
          s.medianP99Ms,
          s.requestsPerS.join(', '),
          s.p99Ms.join(', '),
        ]),
      ),
      '',
    );
  }
  if (r.floor) {
    const f = r.floor;
    out.push('### Floor', '');
    out.push(
      table(
        ['figure', ...r.settings.wrk.connections.map((c) => `${c} connections`)],
        [
          [
            'bare node:http GET, tiny JSON',
            ...r.settings.wrk.connections.map((c) => wrkCell(f.httpJson[`c${c}`])),
          ],
          [
            'bare node:http POST + one jose RS256 sign',
            ...r.settings.wrk.connections.map((c) => wrkCell(f.httpSign[`c${c}`])),
          ],
        ],
      ),
      '',
      table(
        ['RS256, Entra-sized token (' + f.crypto.tokenBytes + ' B)', 'sign/s', 'verify/s'],
        [
          ['jose, one at a time', f.crypto.joseSignSequential, f.crypto.joseVerifySequential],
          ['jose, 16 in flight', f.crypto.joseSign16InFlight, f.crypto.joseVerify16InFlight],
          [
            "hma-lab's path (core signJwt / verifyJwtSignature, node:crypto)",
            `${f.crypto.labSignSequential} (${f.crypto.labSignMs} ms)`,
            `${f.crypto.labVerifySequential} (${f.crypto.labVerifyMs} ms)`,
          ],
        ],
      ),
      '',
    );
  }
  if (r.coldStart) {
    out.push('### Cold start', '', 'Launch to every service answering, ms.', '');
    out.push(
      table(
        ['server', 'services', 'median', 'min', 'ready line (median)', 'runs'],
        Object.entries(r.coldStart).map(([name, c]) => [
          name,
          c.services,
          c.medianMs,
          c.minMs,
          fmt([...c.readyMs].sort((a, b) => a - b)[Math.floor(c.readyMs.length / 2)]),
          c.runsMs.join(', '),
        ]),
      ),
      '',
    );
  }
  if (r.fullFlow) {
    const p = r.fullFlow.perFlow;
    out.push(
      '### Full flow',
      '',
      `One flow (flow A, managed domain, no MFA; steps ${p.steps.join(', ')}): ${p.exchanges} HTTP exchanges, ${p.signs} RSA signatures, ${p.verifies} verifications.`,
      ...(r.fullFlow.warmup
        ? [
            '',
            `Before the runs, ${r.fullFlow.warmup.flows} flows in ${r.fullFlow.warmup.seconds} s warmed the JIT up (not counted).`,
          ]
        : []),
      '',
    );
    out.push(
      table(
        ['mode', 'trace', 'devices', 'flows/s', 'p50 ms', 'p99 ms', 'flows'],
        r.fullFlow.runs.map((run) => [
          run.mode,
          run.trace ? 'on' : 'off',
          run.devices,
          run.flowsPerS,
          run.latencyMs.p50,
          run.latencyMs.p99,
          run.flows,
        ]),
      ),
      '',
    );
  }
  if (r.scale) {
    const s = r.scale;
    out.push('### Scale', '');
    out.push(
      table(
        ['figure', 'value'],
        [
          [
            'hybrid mailboxes provisioned (ROPC AT1 + steps 16-19)',
            `${s.provisionedReady} in ${fmt(s.provisionMs / 1000)} s`,
          ],
          [
            'resident memory per mailbox (whole process, at rest, after GC)',
            `${s.rssPerMailboxKB} KB`,
          ],
          ['JS heap per mailbox', `${s.heapPerMailboxKB} KB`],
          [
            'resident memory per mailbox without the lab-creation share',
            `${s.rssPerMailboxExcludingDirectoryKB} KB`,
          ],
          ["clock.advance('1h'): wall time", `${fmt(s.advance1h.wallMs / 1000, 2)} s`],
          [
            '  AT2 renewed / incremental syncs / errors',
            `${s.advance1h.at2Renewed} / ${s.advance1h.syncs} / ${s.advance1h.renewalErrors + s.advance1h.syncErrors}`,
          ],
        ],
      ),
      '',
    );
  }
  if (r.wbxml) {
    const w = r.wbxml;
    out.push('### WBXML', '');
    out.push(
      table(
        ['Sync response', 'bytes', 'elements', 'encode MB/s', 'decode MB/s'],
        [[`${w.messages} messages`, w.wbxmlBytes, w.elements, w.encodeMBperS, w.decodeMBperS]],
      ),
      '',
    );
  }
  return out.join('\n');
}

/**
 * Replaces the generated part of docs/benchmarks.md, keeping the prose around
 * it, and formats the page as the repository's prettier would (so a run never
 * leaves `npm run lint` failing).
 */
export async function writeMarkdown(path: string, results: BenchResults): Promise<void> {
  const generated = `${BEGIN}\n\n${renderMarkdown(results)}\n${END}`;
  const current = existsSync(path)
    ? readFileSync(path, 'utf8')
    : `# Benchmarks\n\n${BEGIN}\n${END}\n`;
  const start = current.indexOf(BEGIN);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${generated}${current.slice(end + END.length)}`
      : `${current.trimEnd()}\n\n${generated}\n`;
  let formatted = next;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(path)) ?? {};
    formatted = await prettier.format(next, { ...options, filepath: path });
  } catch {
    // Without prettier the page is still correct markdown.
  }
  writeFileSync(path, formatted);
}

export { PEERS, TARGET_CONNECTIONS };
