// Regenerates packages/core/scenario.schema.json from the zod schema
// (`npm run schema`); a core test fails when the committed copy is stale.
import { writeFileSync } from 'node:fs';
import { scenarioJsonSchema } from '../packages/core/src/index.js';

writeFileSync(
  new URL('../packages/core/scenario.schema.json', import.meta.url),
  `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`,
);
console.log('wrote packages/core/scenario.schema.json');
