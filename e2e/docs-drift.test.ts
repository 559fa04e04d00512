import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { renderErrorsDoc, renderFaultsDoc } from '../scripts/docs-render.js';
import { ERROR_SECTIONS } from '../scripts/error-catalogue.js';

const root = new URL('..', import.meta.url).pathname;
const read = (path: string) => readFileSync(join(root, path), 'utf8');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Codes a package throws: `new XxxError(400, 'Code'` and `super(400, 'Code'`, across line breaks. */
function thrownCodes(pkg: string): Set<string> {
  const codes = new Set<string>();
  // The status (a number, or a condition choosing one) and the code: a name,
  // or a condition choosing between names (`kind === 'x' ? 'A' : 'B'`).
  const pattern = /(?:new\s+\w+Error|super)\(\s*([^,()\n]*\d{3}[^,()\n]*),\s*([^,)\n]+)[,)]/g;
  for (const file of sources(join(root, 'packages', pkg, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(pattern)) {
      const code = match[2]!.trim();
      const literal = /^['"]([A-Za-z_]+)['"]$/.exec(code);
      if (literal) codes.add(literal[1]!);
      for (const choice of code.matchAll(
        /(?<!\?)\?\s*['"]([A-Za-z_]+)['"]\s*:\s*['"]([A-Za-z_]+)['"]/g,
      )) {
        codes.add(choice[1]!).add(choice[2]!);
      }
    }
  }
  return codes;
}

describe('docs generated from the code are up to date (npm run docs regenerates them)', () => {
  it('docs/faults.md matches the fault catalogue', () => {
    expect(read('docs/faults.md')).toBe(renderFaultsDoc());
  });

  it('docs/errors.md matches ENTRA_ERRORS and the error catalogue', () => {
    expect(read('docs/errors.md')).toBe(renderErrorsDoc());
  });

  it.each(['exchange-onprem', 'exchange-online', 'autodetect', 'outlook-service', 'adfs', 'lab'])(
    'every error code %s throws is documented in docs/errors.md',
    (pkg) => {
      const documented = new Set(
        ERROR_SECTIONS.filter((s) => s.packages.includes(pkg)).flatMap((s) =>
          s.rows.map((r) => r.code),
        ),
      );
      const thrown = [...thrownCodes(pkg)];
      expect(thrown.length).toBeGreaterThan(0);
      expect(thrown.filter((code) => !documented.has(code))).toEqual([]);
    },
  );

  it('every x-ms-diagnostics code Exchange sends is documented', () => {
    const codes = new Set<string>();
    for (const pkg of ['exchange-onprem', 'exchange-online']) {
      for (const file of sources(join(root, 'packages', pkg, 'src'))) {
        for (const match of readFileSync(file, 'utf8').matchAll(/'(2000\d{3})'/g))
          codes.add(match[1]!);
      }
    }
    const documented = ERROR_SECTIONS[0]!.rows.map((r) => r.code);
    expect([...codes].filter((code) => !documented.includes(code))).toEqual([]);
  });
});
