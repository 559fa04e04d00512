import { readFileSync } from 'node:fs';
import { renderFaultsDoc } from '../scripts/docs-render.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('docs generated from the code are up to date (npm run docs regenerates them)', () => {
  it('docs/faults.md matches the fault catalogue', () => {
    expect(read('docs/faults.md')).toBe(renderFaultsDoc());
  });
});
