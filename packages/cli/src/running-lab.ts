import { readFile, rm, writeFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
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
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, `${JSON.stringify({ ...ready, pid: process.pid })}\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(
      `cannot write the lab's state file ${path} (${code}): set HMA_LAB_HOME to a folder you can write to`,
    );
  }
  return path;
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

/** Calls the admin API; its `{error:{message}}` answers become usage errors. */
export async function callAdmin(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new UsageError(`cannot reach the lab at ${base} (${cause}); is \`hma-lab up\` running?`);
  }
  if (response.status >= 400) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // Not JSON: keep the text.
    }
    throw new UsageError(`the lab refused: ${message}`);
  }
  return response;
}

/**
 * The text of an admin API answer, which must be of the expected kind (JSON
 * that parses, or plain text): a server that answers something else (an HTML
 * page, …) is not a lab's admin API.
 */
export async function adminText(
  base: string,
  response: Response,
  kind: 'json' | 'text',
): Promise<string> {
  return (await readAdmin(base, response, kind)).text;
}

/** An admin API answer's JSON body (see adminText). */
export async function adminJson(base: string, response: Response): Promise<unknown> {
  return (await readAdmin(base, response, 'json')).json;
}

/** The answer's text, and its JSON when JSON is expected (parsed once). */
async function readAdmin(
  base: string,
  response: Response,
  kind: 'json' | 'text',
): Promise<{ text: string; json?: unknown }> {
  const type = response.headers.get('content-type') ?? '';
  const mediaType = type.split(';')[0]!.trim().toLowerCase();
  const expected =
    kind === 'json'
      ? mediaType === 'application/json' || mediaType.endsWith('+json')
      : mediaType === 'text/plain';
  const notTheLab = (what: string) =>
    new UsageError(`${base} is not an hma-lab admin API (answered ${what}): check --lab`);
  if (!expected) throw notTheLab(mediaType || 'without a content type');
  const text = await response.text();
  if (kind === 'text') return { text };
  try {
    return { text, json: JSON.parse(text) as unknown };
  } catch {
    throw notTheLab('JSON that does not parse');
  }
}
