import { writeFile } from 'node:fs/promises';
import { parseDuration } from '@hma-lab/core';
import type { Output } from './flow-command.js';
import { adminJson, adminText, adminUrl, callAdmin, type AdminAnswer } from './running-lab.js';
import { UsageError } from './scenario-arg.js';

/**
 * How long `time advance` waits for the lab (a large lab's long advance takes
 * minutes; undici gives up on an answer's headers after 300 s anyway).
 */
const ADVANCE_TIMEOUT_MS = 300_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The shapes of the admin API's answers this command reads. */
function isClock(json: unknown): json is { iso: string } {
  return isObject(json) && typeof json.iso === 'string' && !Number.isNaN(Date.parse(json.iso));
}

function isAdvanceReport(json: unknown): json is {
  iso: string;
  fired: Array<{ label: string; atMs: number; error?: string }>;
} {
  if (!isClock(json)) return false;
  const fired: unknown = (json as Record<string, unknown>).fired;
  return (
    Array.isArray(fired) &&
    fired.every(
      (f) =>
        isObject(f) &&
        typeof f.label === 'string' &&
        typeof f.atMs === 'number' &&
        Number.isFinite(new Date(f.atMs).getTime()) &&
        (f.error === undefined || typeof f.error === 'string'),
    )
  );
}

function isFaultList(
  json: unknown,
): json is { active: Array<{ name: string; params: Record<string, unknown> }> } {
  return (
    isObject(json) &&
    Array.isArray(json.active) &&
    json.active.every((f) => isObject(f) && typeof f.name === 'string' && isObject(f.params))
  );
}

/** `hma-lab time advance <duration>`: moves a running lab's clock; prints what fired. */
export async function timeAdvanceCommand(
  duration: string,
  options: { lab?: string; json?: boolean },
  output: Output,
): Promise<number> {
  try {
    parseDuration(duration);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const base = await adminUrl(options.lab);
  const answer = await callAdmin(
    base,
    'POST',
    '/_lab/clock/advance',
    { by: duration },
    ADVANCE_TIMEOUT_MS,
  );
  const report = adminJson(base, answer, isAdvanceReport);
  if (options.json) {
    output.out(JSON.stringify(report));
  } else {
    output.out(`lab time is now ${report.iso} (${report.fired.length} scheduled task(s) ran)`);
    for (const fired of report.fired) {
      output.out(
        `  ${new Date(fired.atMs).toISOString()}  ${fired.label}${fired.error ? `  FAILED: ${fired.error}` : ''}`,
      );
    }
  }
  return 0;
}

/** `hma-lab time now`. */
export async function timeNowCommand(options: { lab?: string }, output: Output): Promise<number> {
  const base = await adminUrl(options.lab);
  const answer = await callAdmin(base, 'GET', '/_lab/clock');
  output.out(adminJson(base, answer, isClock).iso);
  return 0;
}

/** `hma-lab faults [on <name> | off <name>]`. */
export async function faultsCommand(
  action: 'list' | 'on' | 'off',
  name: string | undefined,
  options: { lab?: string; param?: string[] },
  output: Output,
): Promise<number> {
  const base = await adminUrl(options.lab);
  let answer: AdminAnswer;
  if (action === 'list') answer = await callAdmin(base, 'GET', '/_lab/faults');
  else {
    if (!name) throw new UsageError(`faults ${action} needs a fault name (see docs/faults.md)`);
    const params = Object.fromEntries(
      (options.param ?? []).map((pair) => {
        const eq = pair.indexOf('=');
        if (eq < 1) throw new UsageError(`--param ${pair}: expected key=value`);
        const raw = pair.slice(eq + 1);
        return [pair.slice(0, eq), /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw];
      }),
    );
    answer = await callAdmin(
      base,
      action === 'on' ? 'PUT' : 'DELETE',
      `/_lab/faults/${encodeURIComponent(name)}`,
      action === 'on' ? params : undefined,
    );
  }
  const { active } = adminJson(base, answer, isFaultList);
  output.out(
    active.length === 0
      ? 'no faults active'
      : active.map((f) => `${f.name} ${JSON.stringify(f.params)}`).join('\n'),
  );
  return 0;
}

/** `hma-lab trace export --format json|har|mermaid [--run <id>] [--flow A|B] [--out <file>]`. */
export async function traceExportCommand(
  options: { lab?: string; format: string; run?: string; flow?: string; out?: string },
  output: Output,
): Promise<number> {
  if (options.run === '')
    throw new UsageError('--run needs a run id (trace export without --run exports every run)');
  if (options.out === '')
    throw new UsageError('--out needs a file name (without --out the trace goes to stdout)');
  const query = new URLSearchParams({ format: options.format, flow: options.flow ?? 'A' });
  if (options.run) query.set('runId', options.run);
  const base = await adminUrl(options.lab);
  const answer = await callAdmin(base, 'GET', `/_lab/trace?${query}`);
  const body = adminText(base, answer, options.format === 'mermaid' ? 'text' : 'json');
  if (options.out) {
    try {
      await writeFile(options.out, body);
    } catch (error) {
      throw new UsageError(`--out ${options.out}: ${cannotWrite(error)}`);
    }
    output.err(`wrote ${options.out}`);
  } else output.out(body.trimEnd());
  return 0;
}

/** Why a file could not be written, in words (the code kept for searching). */
function cannotWrite(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code && WRITE_FAILURES[code];
  return `cannot write the file (${reason ? `${reason}, ${code}` : (code ?? (error as Error).message)})`;
}

const WRITE_FAILURES: Partial<Record<string, string>> = {
  ENOENT: 'its folder does not exist',
  ENOTDIR: 'a part of its path is not a folder',
  EISDIR: 'that is a folder: name a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};
