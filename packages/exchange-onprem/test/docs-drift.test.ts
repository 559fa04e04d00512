import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IMPLEMENTED_COMMANDS } from '@hma-lab/exchange-onprem';

const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('README stays in step with the code', () => {
  it('lists every x-ms-diagnostics code the server can send', () => {
    const codes = new Set<string>();
    for (const file of sources(join(root, 'src'))) {
      for (const match of readFileSync(file, 'utf8').matchAll(/'(2000\d{3})'/g))
        codes.add(match[1]!);
    }
    expect(codes.size).toBeGreaterThanOrEqual(7);
    for (const code of codes) expect(readme).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
  });

  it('describes every implemented command', () => {
    for (const command of IMPLEMENTED_COMMANDS) expect(readme).toContain(command);
  });
});
