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
    '^@hma-lab/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  setupFilesAfterEnv: ['<rootDir>/scripts/jest-setup.ts'],
  // Whole-lab tests move the virtual clock through weeks of scheduled work; on a
  // busy 2-core CI machine a few take several seconds. Real waiting is never the reason.
  testTimeout: 30_000,
} satisfies Config;

const packages = readdirSync('packages').filter(
  (name) => existsSync(`packages/${name}/test`) || existsSync(`packages/${name}/src`),
);

const config: Config = {
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
