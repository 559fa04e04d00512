import { BUILT_IN_SCENARIOS } from './builtins.js';
import { parseScenario, ScenarioError, type Scenario } from './schema.js';

export * from './schema.js';
export * from './seed.js';
export { loadScenarioFile, parseScenarioText, parseYamlText, scenarioJsonSchema } from './load.js';
export { BUILT_IN_SCENARIOS } from './builtins.js';
export {
  contosoScenario,
  WELL_KNOWN_APPS,
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
} from './contoso.js';

const BUILT_IN = BUILT_IN_SCENARIOS;

/** Names of the built-in scenarios. */
export function builtInScenarioNames(): string[] {
  return Object.keys(BUILT_IN);
}

/** A built-in scenario, validated, with defaults applied. */
export function builtInScenario(name: string): Scenario {
  // Own names only: 'constructor' or 'toString' are no scenario.
  const input = Object.hasOwn(BUILT_IN, name) ? BUILT_IN[name] : undefined;
  if (!input) {
    throw new ScenarioError([
      {
        path: '',
        message: `no built-in scenario "${name.slice(0, 100)}" (known: ${builtInScenarioNames().join(', ')})`,
      },
    ]);
  }
  return parseScenario(structuredClone(input), `"${name}"`);
}
