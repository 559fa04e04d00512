import { readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeDirectory } from '@hma-lab/core';
import { UsageError } from './scenario-arg.js';

/**
 * How commands find a running lab's admin API: `--lab <url>`, else the
 * `HMA_LAB_ADMIN` environment variable, else the state file `hma-lab up`
 * writes (`$HMA_LAB_HOME/lab.json`, default `~/.hma-lab/lab.json`).
 */
export function stateFilePath(): string {
  return join(process.env.HMA_LAB_HOME ?? join(homedir(), '.hma-lab'), 'lab.json');
}

/**
 * Writes the state file other commands find the lab by. A folder that cannot
 * hold it (`HMA_LAB_HOME` naming a file, no permission, …) is the user's to
 * fix: a UsageError naming the path.
 */
export async function writeStateFile(ready: Record<string, unknown>): Promise<string> {
  const path = stateFilePath();
  try {
    await makeDirectory(dirname(path));
    await writeFile(path, `${JSON.stringify({ ...ready, pid: process.pid })}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(
      `cannot write the lab's state file ${path} (${code}): set HMA_LAB_HOME to a folder you can write to`,
    );
  }
  return path;
}

/**
 * Another `hma-lab up` still running from this `HMA_LAB_HOME`: its state file
 * names a live process (not this one) whose admin API answers as a lab's.
 * A file left by a lab that crashed, or whose process number now belongs to
 * something else, is stale and undefined here (`up` then writes over it).
 */
export async function otherRunningLab(): Promise<{ pid: number; admin: string } | undefined> {
  let state: { pid?: unknown; admin?: unknown };
  try {
    state = JSON.parse(await readFile(stateFilePath(), 'utf8')) as typeof state;
  } catch {
    return undefined;
  }
  const { pid, admin } = state ?? {};
  if (typeof pid !== 'number' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  if (pid === process.pid || typeof admin !== 'string' || !isAlive(pid)) return undefined;
  try {
    const answer = await callAdmin(admin, 'GET', '/_lab', undefined, 2_000);
    adminJson(admin, answer, isLabState);
    return { pid, admin };
  } catch {
    // Not answering, or not a lab: the file is stale.
    return undefined;
  }
}

/** `GET /_lab` of a lab's admin API: its scenario's name, among the rest. */
function isLabState(json: unknown): json is { scenario: string } {
  return typeof (json as { scenario?: unknown } | null)?.scenario === 'string';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function removeStateFile(): Promise<void> {
  try {
    const state = JSON.parse(await readFile(stateFilePath(), 'utf8')) as { pid?: number };
    if (state.pid === process.pid) await rm(stateFilePath(), { force: true });
  } catch {
    // Nothing to remove.
  }
}

export async function adminUrl(explicit?: string): Promise<string> {
  if (explicit) return explicit.replace(/\/+$/, '');
  if (process.env.HMA_LAB_ADMIN) return process.env.HMA_LAB_ADMIN.replace(/\/+$/, '');
  try {
    const state = JSON.parse(await readFile(stateFilePath(), 'utf8')) as { admin?: string };
    if (state.admin) return state.admin;
  } catch {
    // Fall through to the error below.
  }
  throw new UsageError(
    'no running lab found: start one with `hma-lab up`, or pass --lab <admin url>',
  );
}

/** How long an admin call waits for its whole answer unless told otherwise. */
export const ADMIN_TIMEOUT_MS = 30_000;

/**
 * An admin answer, read in full before it is looked at: an answer cut off
 * midway (the lab stopped) or never finished is a usage error naming the lab.
 */
export interface AdminAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/** Why the lab could not be heard, in the words of a usage error. */
function unreachable(base: string, error: unknown, timeoutMs: number): UsageError {
  if ((error as Error).name === 'TimeoutError') {
    return new UsageError(
      `the lab at ${base} did not answer within ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}; is it busy or stopped?`,
    );
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  return new UsageError(`cannot reach the lab at ${base} (${cause}); is \`hma-lab up\` running?`);
}

/**
 * Calls the admin API and reads its answer, within `timeoutMs` (an advance of
 * a large lab may take minutes: the caller says so); its `{error:{message}}`
 * answers become usage errors.
 */
export async function callAdmin(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<AdminAnswer> {
  let answer: AdminAnswer;
  try {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    answer = { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    throw unreachable(base, error, timeoutMs);
  }
  if (answer.status >= 400) {
    const text = answer.text;
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not JSON: keep the text.
    }
    throw new UsageError(`the lab refused: ${message}`);
  }
  return answer;
}

/**
 * The text of an admin API answer, which must be of the expected kind (JSON
 * that parses, or plain text): a server that answers something else (an HTML
 * page, …) is not a lab's admin API.
 */
export function adminText(base: string, answer: AdminAnswer, kind: 'json' | 'text'): string {
  return readAdmin(base, answer, kind).text;
}

/**
 * An admin API answer's JSON body (see adminText), which must have the shape
 * `is` checks: JSON of another shape is not a lab's answer either.
 */
export function adminJson<T>(
  base: string,
  answer: AdminAnswer,
  is: (json: unknown) => json is T,
): T {
  const { json } = readAdmin(base, answer, 'json');
  if (!is(json)) {
    throw new UsageError(
      `${base} is not an hma-lab admin API (answered JSON of another shape): check --lab`,
    );
  }
  return json;
}

/** The answer's text, and its JSON when JSON is expected (parsed once). */
function readAdmin(
  base: string,
  answer: AdminAnswer,
  kind: 'json' | 'text',
): { text: string; json?: unknown } {
  const type = answer.headers.get('content-type') ?? '';
  const mediaType = type.split(';')[0]!.trim().toLowerCase();
  const expected =
    kind === 'json'
      ? mediaType === 'application/json' || mediaType.endsWith('+json')
      : mediaType === 'text/plain';
  const notTheLab = (what: string) =>
    new UsageError(`${base} is not an hma-lab admin API (answered ${what}): check --lab`);
  if (!expected) throw notTheLab(mediaType || 'without a content type');
  const { text } = answer;
  if (kind === 'text') return { text };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    throw notTheLab('JSON that does not parse');
  }
}
