#!/usr/bin/env node
// `npm test`: make sure the system tools the tests use are present (installed
// by scripts/ensure-system-deps.sh, never by hand), then run jest.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const deps = spawnSync('bash', ['scripts/ensure-system-deps.sh'], { stdio: 'inherit' });
if (deps.status !== 0) {
  console.error(
    'warning: system test dependencies could not be installed; tests that need them will fail',
  );
}

const jest = 'node_modules/jest/bin/jest.js';
if (!existsSync(jest)) {
  console.error('jest is not installed: run `npm ci` first');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    jest,
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
