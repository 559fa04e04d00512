import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The command as shipped: scripts/bundle-cli.mjs builds the one-file bundle
 * and its V8 code cache into a temp folder, and packages/cli/bin/hma-lab.cjs
 * (the package's `bin`) runs it, as `npm run build` and `npx hma-lab` do.
 */
const LOADER = 'packages/cli/bin/hma-lab.cjs';
const outDir = mkdtempSync(join(tmpdir(), 'hma-lab-bundle-'));
const bundle = join(outDir, 'hma-lab.bundle.cjs');
const cache = `${bundle}.cache`;
const home = mkdtempSync(join(tmpdir(), 'hma-lab-home-'));
const env = { ...process.env, HMA_LAB_BUNDLE: bundle, HMA_LAB_HOME: home, NO_COLOR: '1' };

function hmaLab(args: string[]) {
  return spawnSync(process.execPath, [LOADER, ...args], { env, encoding: 'utf8' });
}

beforeAll(() => {
  const build = spawnSync(process.execPath, ['scripts/bundle-cli.mjs', '--out', outDir], {
    encoding: 'utf8',
  });
  expect(build.stderr).toBe('');
  expect(build.status).toBe(0);
}, 60_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
  rmSync(home, { recursive: true, force: true });
});

describe('the bundled hma-lab command', () => {
  it('is built with a code cache written by a start of `hma-lab up`', () => {
    expect(statSync(bundle).size).toBeGreaterThan(100_000);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
  });

  it('runs the 20-step flow and exits 0', () => {
    const run = hmaLab(['flow', '--user', 'alice@contoso.com']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^\[20\] /m);
    expect(run.stdout).toContain('flow A for alice@contoso.com: completed (20 steps)');
  });

  it('loads the dependencies left outside the bundle when a command needs them', () => {
    const scenario = join(home, 'scenario.yaml');
    writeFileSync(scenario, 'name: [not, a, string]\n');
    const yaml = hmaLab(['flow', '--user', 'alice@contoso.com', '--scenario', scenario]);
    expect(yaml.status).toBe(2);
    expect(yaml.stderr).toContain(`invalid scenario ${scenario}`);
    const inProcess = hmaLab(['flow', '--user', 'bob@contoso.com', '--mode', 'in-process']);
    expect(inProcess.stdout).toContain('flow B for bob@contoso.com: completed');
  });

  it('answers a mistake with one line and exit code 2, not a stack trace', () => {
    const run = hmaLab(['flow', '--user', 'nobody@example.com']);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).not.toMatch(/\bat .*\.cjs:\d+/);
  });

  it('serves every party over HTTPS with the local CA, and the trainer UI', async () => {
    const child = spawn(process.execPath, [LOADER, 'up', '--front-door-port', '0'], { env });
    try {
      const ready = await new Promise<{
        services: Record<string, string>;
        ui: string;
        ca: string;
      }>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
        });
        child.on('exit', (code) => reject(new Error(`up exited with ${code}`)));
      });
      const ca = readFileSync(ready.ca);
      const discovery = await new Promise<{ status?: number; body: string }>((resolve, reject) => {
        request(
          `${ready.services.entra}/common/v2.0/.well-known/openid-configuration`,
          { ca },
          (res) => {
            let body = '';
            res.on('data', (chunk: Buffer) => (body += chunk.toString()));
            res.on('end', () => resolve({ status: res.statusCode, body }));
          },
        )
          .on('error', reject)
          .end();
      });
      expect(discovery.status).toBe(200);
      expect(JSON.parse(discovery.body)).toHaveProperty('token_endpoint');
      const ui = await fetch(`${ready.ui}app.js`);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    } finally {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 30_000);

  it('runs from source when the cache does not fit, and writes a new one', () => {
    writeFileSync(cache, 'not a code cache');
    const run = hmaLab(['hosts']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('127.0.0.1 login.microsoftonline.com');
    expect(existsSync(cache)).toBe(true);
    expect(statSync(cache).size).toBeGreaterThan(100_000);
  });
});
