/** @jest-config-loader esbuild-register */
// One jest, one project per package plus e2e. Sources run as native ESM
// (see docs/decisions/0001-esm-and-jest.md): @swc/jest strips types, and
// workspace imports resolve to each package's src/ so no build is needed.
import type { Config } from 'jest';
import { readdirSync, existsSync } from 'node:fs';

const transform: Config['transform'] = {
  '^.+\\.ts$': [
    '@swc/jest',
    { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, sourceMaps: 'inline' },
  ],
};

const common = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform,
  moduleNameMapper: {
    '^@hma-lab/core/testing$': '<rootDir>/packages/core/src/test-timing.ts',
    '^@hma-lab/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFilesAfterEnv: ['<rootDir>/scripts/jest-setup.ts'],
} satisfies Config;

const packages = readdirSync('packages').filter(
  (name) => existsSync(`packages/${name}/test`) || existsSync(`packages/${name}/src`),
);

const config: Config = {
  // Every test file loads the packages afresh (native ESM: one module registry
  // per file), and a process keeps the registries of the files it ran: run in
  // one process (jest's default on 2 cores), the heap grew past 2 GB over the
  // suite and every later file ran slower (7.5 min against 2 min with two
  // workers on the 2-vCPU machines). Two workers, each replaced when it holds
  // more than 1 GB after a file.
  maxWorkers: 2,
  workerIdleMemoryLimit: '1GB',
  // Whole-lab tests move the virtual clock through weeks of scheduled work, and
  // a TLS lab makes its certificates first; on a busy 2-core CI machine a few
  // take several seconds. Real waiting is never the reason. (A global option:
  // set on the projects, as it was until 2026-12-07, jest ignored it and every
  // test and hook had 5 s.)
  testTimeout: 30_000,
  projects: [
    ...packages.map((name) => ({
      ...common,
      displayName: name,
      rootDir: '.',
      roots: [`<rootDir>/packages/${name}`],
      testMatch: ['**/*.test.ts'],
    })),
    {
      ...common,
      displayName: 'e2e',
      rootDir: '.',
      roots: ['<rootDir>/e2e'],
      testMatch: ['**/*.test.ts'],
    },
  ],
};

export default config;
