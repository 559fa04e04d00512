import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '@hma-lab/cli';
import { builtInScenario, createRealClock, createTraceRecorder } from '@hma-lab/core';
import { stringify as stringifyYaml } from 'yaml';
import { createFrontDoorFetch } from '@hma-lab/lab';
import { createDevice } from '@hma-lab/outlook-mobile';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

describe('hma-lab CLI', () => {
  it('flow --user alice prints the 20 numbered steps and exits 0', async () => {
    const { out, output } = capture();
    const code = await main(['flow', '--user', 'alice@contoso.com'], output);
    const text = out.join('\n');
    expect(code).toBe(0);
    for (let step = 1; step <= 20; step++)
      expect(text).toMatch(new RegExp(`^\\[\\s?${step}\\] `, 'm'));
    expect(text).toMatch(/^\[ 3\] exo -> autodetect +302 /m);
    expect(text).toContain('completed');
  });

  it('flow --json prints the trace with raw and decoded tokens', async () => {
    const { out, output } = capture();
    const code = await main(
      ['flow', '--user', 'dave@fabrikam.com', '--json', '--mode', 'in-process'],
      output,
    );
    expect(code).toBe(0);
    const trace = JSON.parse(out.join('\n')) as {
      ok: boolean;
      steps: Array<{ step: number }>;
      entries: Array<{
        steps: number[];
        kind: string;
        from?: string;
        to?: string;
        tokens?: Array<{ raw: string; claims?: Record<string, unknown> }>;
      }>;
    };
    expect(trace.ok).toBe(true);
    const tokenExchange = trace.entries.find((e) => e.steps.includes(17));
    expect(tokenExchange).toMatchObject({ kind: 'exchange', from: 'exo', to: 'entra' });
    const at2 = tokenExchange!.tokens!.find((t) => t.claims?.aud === 'https://mail.contoso.com');
    expect(at2?.raw.split('.')).toHaveLength(3);
  });

  it('flow --path basic runs flow C and shows which secret crossed which boundary', async () => {
    const { out, output } = capture();
    const code = await main(
      [
        'flow',
        '--user',
        'alice@contoso.com',
        '--path',
        'basic',
        '--scenario',
        'basic-auth',
        '--mode',
        'in-process',
      ],
      output,
    );
    const text = out.join('\n');
    expect(code).toBe(0);
    expect(text).toContain('flow C for alice@contoso.com: completed');
    expect(text).toMatch(/^ {2}\[ 2\] deviceKey +device -> outlook-service/m);
    expect(text).toMatch(/^ {2}\[ 3\] password +outlook-service -> onprem-eas/m);
    expect(text).not.toContain('Passw0rd!');
  });

  it('flow --path basic on contoso stops at step 4: the HMA block rule refuses basic authentication', async () => {
    const { out, output } = capture();
    const code = await main(
      ['flow', '--user', 'alice@contoso.com', '--path', 'basic', '--mode', 'in-process'],
      output,
    );
    expect(code).toBe(1);
    expect(out.join('\n')).toMatch(/FAILED at step 4/);
  });

  it('compare sets flow C beside flow A', async () => {
    const { out, output } = capture();
    expect(await main(['compare'], output)).toBe(0);
    expect(out.join('\n')).toMatch(/What the cloud keeps at rest +HMA \(A\):/);
  });

  it('names the failing step and exits non-zero', async () => {
    const { out, err, output } = capture();
    expect(await main(['flow', '--user', 'nobody@contoso.com'], output)).toBe(2);
    expect(err.join('\n')).toContain('no user nobody@contoso.com');
    expect(out).toEqual([]);
  });

  it('runs a YAML scenario file, and refuses a bad one with the file and the field path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-scenario-'));
    const good = join(dir, 'no-mfa.yaml');
    const contoso = JSON.parse(JSON.stringify(builtInScenario('mfa-off'))) as Record<
      string,
      unknown
    >;
    writeFileSync(good, stringifyYaml({ ...contoso, name: 'from-a-file' }));
    const { out, output } = capture();
    expect(
      await main(
        ['flow', '--user', 'alice@contoso.com', '--scenario', good, '--mode', 'in-process'],
        output,
      ),
    ).toBe(0);
    expect(out.join('\n')).toContain('scenario from-a-file');
    expect(out.join('\n')).not.toMatch(/^\[14\]/m); // no MFA without the policy

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, stringifyYaml({ ...contoso, tokenLifetimes: { accessToken: 'soon' } }));
    const failed = capture();
    expect(
      await main(['flow', '--user', 'alice@contoso.com', '--scenario', bad], failed.output),
    ).toBe(2);
    expect(failed.err.join('\n')).toMatch(
      /bad\.yaml[\s\S]*tokenLifetimes\.accessToken: expected a duration/,
    );
  });

  it('refuses unknown flags with a clear message', async () => {
    const { err, output } = capture();
    expect(await main(['flow', '--user', 'alice@contoso.com', '--bogus'], output)).toBe(2);
    expect(err.join('\n')).toMatch(/unknown option '--bogus'/);
  });

  it('up names a port already in use in one line and exits 2, leaving nothing listening', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const { err, output } = capture();
      const code = await main(
        ['up', '--http', '--admin-port', String(port), '--front-door-port', '0'],
        output,
      );
      expect(code).toBe(2);
      expect(err).toEqual([
        `hma-lab: 127.0.0.1:${port} is already in use: choose another port (or 0 for any free one)`,
      ]);
    } finally {
      taken.close();
    }
  });

  it('up prints the ready line once every service listens, and exits 0 on SIGTERM', async () => {
    const { child, ready } = await startUp(['--http']);
    expect(ready.ready).toBe(true);
    expect(Object.keys(ready.services)).toEqual(
      expect.arrayContaining(['entra', 'exo', 'onprem-eas', 'autodetect']),
    );
    const metadata = await fetch(
      `${ready.services.entra}/common/v2.0/.well-known/openid-configuration`,
    );
    expect(metadata.status).toBe(200);
    // The trainer UI is served beside the admin API.
    expect(ready.ui).toBe(`${ready.admin}/ui/`);
    const page = await fetch(ready.ui!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    // The admin API moves the clock of the running lab.
    const { out, output } = capture();
    expect(await main(['time', 'advance', '2h', '--lab', ready.admin!], output)).toBe(0);
    expect(out.join('\n')).toMatch(/^lab time is now /);
    expect(await stop(child)).toBe(0);
  }, 30_000);

  (process.platform === 'linux' ? it : it.skip)(
    "up gives every helper thread (thread pool, V8 workers) a lower priority than its event loop's",
    async () => {
      const { child, ready } = await startUp(['--http'], { HMA_LAB_HELPER_NICE: undefined });
      try {
        expect(ready.ready).toBe(true);
        const nice = threadNiceValues(child.pid!);
        expect(nice.get(child.pid!)).toBe(0);
        const helpers = [...nice].filter(([tid]) => tid !== child.pid).map(([, value]) => value);
        // At least the thread pool (2 threads on a small machine) and V8's workers.
        expect(helpers.length).toBeGreaterThanOrEqual(2);
        expect(new Set(helpers)).toEqual(new Set([10]));
      } finally {
        expect(await stop(child)).toBe(0);
      }
    },
    30_000,
  );

  it('up refuses a helper priority that is not 0–19, before starting anything', async () => {
    const saved = process.env.HMA_LAB_HELPER_NICE;
    process.env.HMA_LAB_HELPER_NICE = 'low';
    try {
      const { out, err, output } = capture();
      expect(await main(['up', '--http', '--front-door-port', '0'], output)).toBe(2);
      expect(out).toEqual([]);
      expect(err).toEqual([
        'hma-lab: HMA_LAB_HELPER_NICE must be a whole number from 0 to 19 (0 leaves the threads alone), not "low"',
      ]);
    } finally {
      if (saved === undefined) delete process.env.HMA_LAB_HELPER_NICE;
      else process.env.HMA_LAB_HELPER_NICE = saved;
    }
  });

  it('up serves HTTPS with a local CA: a Node client trusting the printed CA completes flow A', async () => {
    const tlsDir = mkdtempSync(join(tmpdir(), 'hma-lab-tls-'));
    const { child, ready } = await startUp(['--tls-dir', tlsDir]);
    try {
      expect(ready.ca).toBe(join(tlsDir, 'ca.pem'));
      expect(ready.frontDoor).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const ca = readFileSync(ready.ca!, 'utf8');
      const door = createFrontDoorFetch({ frontDoor: ready.frontDoor!, ca });
      const phone = createDevice({
        fetch: door.fetch,
        clock: createRealClock(),
        trace: createTraceRecorder({ clock: createRealClock() }),
      });
      const result = await phone.connect({
        email: 'alice@contoso.com',
        password: 'Passw0rd!',
        totpSecret: 'JBSWY3DPEHPK3PXP',
      });
      expect(result.flow).toBe('A');
      expect(result.messages.length).toBeGreaterThan(0);
      // Without trusting the CA, the same client is refused.
      const untrusted = createFrontDoorFetch({ frontDoor: ready.frontDoor! });
      await expect(
        untrusted.fetch('https://login.microsoftonline.com/common/discovery/keys'),
      ).rejects.toThrow();
      await Promise.all([door.close(), untrusted.close()]);
    } finally {
      expect(await stop(child)).toBe(0);
    }
  }, 60_000);
});

interface Ready {
  ready: boolean;
  services: Record<string, string>;
  frontDoor?: string;
  admin?: string;
  ui?: string;
  ca?: string;
}

async function startUp(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcessWithoutNullStreams; ready: Ready }> {
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      'packages/cli/src/bin.ts',
      'up',
      '--front-door-port',
      '0',
      ...args,
    ],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: {
        ...process.env,
        HMA_LAB_HOME: mkdtempSync(join(tmpdir(), 'hma-lab-home-')),
        ...env,
      },
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    let buffer = '';
    let errors = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const newline = buffer.indexOf('\n');
      if (newline >= 0) resolve(buffer.slice(0, newline));
    });
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`exited early with ${code}: ${errors}`)));
  });
  return { child, ready: JSON.parse(line) as Ready };
}

/** Each thread's nice value (Linux /proc; the 19th field of a task's stat line). */
function threadNiceValues(pid: number): Map<number, number> {
  const values = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    values.set(Number(tid), Number(fields[16]));
  }
  return values;
}

function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}
