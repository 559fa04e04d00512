import { contosoScenario } from './contoso.js';
import { parseScenario, type Scenario, type ScenarioInput } from './schema.js';

export * from './schema.js';
export * from './seed.js';
export {
  contosoScenario,
  WELL_KNOWN_APPS,
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
} from './contoso.js';

const BUILT_IN: Readonly<Record<string, ScenarioInput>> = { contoso: contosoScenario };

/** Names of the built-in scenarios. */
export function builtInScenarioNames(): string[] {
  return Object.keys(BUILT_IN);
}

/** A built-in scenario, validated, with defaults applied. */
export function builtInScenario(name: string): Scenario {
  const input = BUILT_IN[name];
  if (!input) {
    throw new Error(`no built-in scenario "${name}" (known: ${builtInScenarioNames().join(', ')})`);
  }
  return parseScenario(structuredClone(input), `"${name}"`);
}
