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

export async function writeStateFile(ready: Record<string, unknown>): Promise<string> {
  const path = stateFilePath();
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify({ ...ready, pid: process.pid })}\n`);
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
