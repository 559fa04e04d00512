import { readFile } from 'node:fs/promises';
import type * as Yaml from 'yaml';
import { z } from 'zod';
import { lazyModule } from '../lazy-module.js';
import { parseScenario, ScenarioError, scenarioSchema, type Scenario } from './schema.js';

/**
 * Reads a scenario file (YAML or JSON: YAML is a superset, so one parser reads
 * both), validates it and applies defaults. Every problem is a
 * {@link ScenarioError} naming the file and the path of the bad field.
 */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(
      [
        {
          path: '',
          message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? error})`,
        },
      ],
      path,
    );
  }
  return parseScenarioText(text, path);
}

/**
 * The YAML parser, loaded on first use: labs started from a built-in scenario
 * never read YAML, and loading it is ~30 ms of every start.
 */
const yamlParser = lazyModule<typeof Yaml>(import.meta.url, 'yaml');

/** Parses scenario text (YAML or JSON). */
export function parseScenarioText(text: string, source = 'scenario'): Scenario {
  const read = parseYamlText(text);
  if ('problem' in read) throw new ScenarioError([{ path: '', message: read.problem }], source);
  return parseScenario(read.data, source);
}

/**
 * YAML text (JSON is YAML too) as data, or what is wrong with it, with its
 * line when the parser says: `not valid YAML or JSON at line 3: …`.
 */
export function parseYamlText(text: string): { data: unknown } | { problem: string } {
  const { parse: parseYaml, YAMLParseError } = yamlParser();
  try {
    return { data: parseYaml(text, { prettyErrors: true }) as unknown };
  } catch (error) {
    // The parser recurses per level: nesting deep enough runs out of stack
    // (thrown as is, or wrapped in the parser's own error).
    if (
      (error as Error)?.name === 'RangeError' ||
      String((error as Error)?.message).includes('Maximum call stack size exceeded')
    ) {
      return { problem: 'not valid YAML or JSON: it nests too deeply to read' };
    }
    const where =
      error instanceof YAMLParseError && error.linePos ? ` at line ${error.linePos[0].line}` : '';
    return {
      problem: `not valid YAML or JSON${where}: ${(error as Error).message.split('\n')[0]}`,
    };
  }
}

/**
 * The JSON Schema of scenario files (draft 2020-12), for editor completion:
 * reference it from a file with `$schema`, or in VS Code's `yaml.schemas`.
 * The published copy is `packages/core/scenario.schema.json`.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(scenarioSchema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return {
    $id: 'https://hma-lab.dev/scenario.schema.json',
    title: 'hma-lab scenario',
    description:
      'A lab: tenant, domains, users, apps, policies, Exchange organisations and faults.',
    ...schema,
  };
}
