import { readFile } from 'node:fs/promises';
import { builtInScenarioNames, parseScenarioText, type Scenario } from '@hma-lab/core';

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

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}
