// Regenerates the catalogue-driven docs (`npm run docs`): docs/faults.md from
// FAULT_CATALOGUE. e2e/docs-drift.test.ts fails when a committed page is stale.
import { writeFileSync } from 'node:fs';
import { renderErrorsDoc, renderFaultsDoc } from './docs-render.js';

writeFileSync(new URL('../docs/faults.md', import.meta.url), renderFaultsDoc());
writeFileSync(new URL('../docs/errors.md', import.meta.url), renderErrorsDoc());
console.log('wrote docs/faults.md and docs/errors.md');
