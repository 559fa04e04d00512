import { readFile } from 'node:fs/promises';
import {
  builtInScenarioNames,
  parseScenarioText,
  parseYamlText,
  shorten,
  type Scenario,
} from '@hma-lab/core';
import { parseServiceOptions, type LabServiceOptions } from '@hma-lab/lab';

/** `--scenario`: a built-in name (default contoso) or a path to a YAML or JSON scenario file. */
export async function loadScenarioArg(arg: string | undefined): Promise<Scenario | string> {
  if (!arg) return 'contoso';
  if (builtInScenarioNames().includes(arg)) return arg;
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch {
    throw new UsageError(
      `--scenario ${arg}: not a built-in scenario (${builtInScenarioNames().join(', ')}) nor a readable file`,
    );
  }
  // Invalid files throw a ScenarioError naming the file and each bad field's path.
  return parseScenarioText(text, arg);
}

/**
 * `--services <file>`: each party's options as YAML or JSON, e.g.
 * `entra: { multiTenantIssuer: template }`, checked before the lab starts.
 */
export async function loadServicesArg(
  arg: string | undefined,
): Promise<LabServiceOptions | undefined> {
  if (arg === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--services ${arg}: not a readable file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  const read = parseYamlText(text);
  if ('problem' in read) throw new UsageError(`--services ${arg}: ${read.problem}`);
  // An empty file is no options.
  return parseServiceOptions(read.data ?? {}, arg);
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * A value the user typed, as an error line shows it: control characters
 * escaped (the message stays one line) and at most 100 characters.
 */
export function asTyped(value: string): string {
  return shorten(JSON.stringify(value).slice(1, -1), 100);
}

/** The users of a scenario for an error line: the first ten, then how many more. */
export function someUsers(upns: string[]): string {
  return upns.length <= 10
    ? upns.join(', ')
    : `${upns.slice(0, 10).join(', ')}, and ${upns.length - 10} more`;
}
