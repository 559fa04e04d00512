// A user's mistake gets one line and exit code 2, never a stack trace (exit 3
// is a bug), never a hang; SIGINT/SIGTERM always end `hma-lab up`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import dns from 'node:dns';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/main.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, output: { out: (t: string) => out.push(t), err: (t: string) => err.push(t) } };
}

/** Runs `main` and expects exit code 2 with exactly one line on stderr, no stack. */
async function refused(argv: string[]): Promise<string> {
  const { out, err, output } = capture();
  const code = await main(argv, output);
  const text = err.join('\n');
  expect({ code, text }).toEqual({ code: 2, text: expect.not.stringContaining('    at ') });
  expect(text.split('\n')).toHaveLength(1);
  expect(out).toEqual([]);
  return text;
}

async function serve(app: RequestListener): Promise<{ url: string; server: Server }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });

describe('hma-lab refuses bad input in one line, exit 2', () => {
  it('hosts -s <unknown>: names the built-in scenarios', async () => {
    const text = await refused(['hosts', '-s', 'nosuch']);
    expect(text).toMatch(/^hma-lab: --scenario nosuch: not a built-in scenario \(.*contoso.*\)$/);
  });

  it('--services: a file that cannot be read or parsed, in one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-services-'));
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'entra: {multiTenantIssuer: template\n');
    expect(
      await refused(['flow', '-u', 'alice@contoso.com', '--services', join(dir, 'none.yaml')]),
    ).toBe(`hma-lab: --services ${join(dir, 'none.yaml')}: not a readable file (ENOENT)`);
    expect(await refused(['up', '--http', '--services', broken])).toMatch(
      new RegExp(`^hma-lab: --services ${broken}: not valid YAML or JSON at line 2: `),
    );
  });

  it('--services: every unknown option and wrong value, before anything starts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-services-'));
    const file = join(dir, 'services.yaml');
    writeFileSync(file, 'entra:\n  clockSkw: 5m\nadfs:\n  loopDetection: off\n');
    for (const argv of [
      ['flow', '-u', 'alice@contoso.com', '--services', file],
      ['up', '--http', '--front-door-port', '0', '--services', file],
    ]) {
      const { out, err, output } = capture();
      expect(await main(argv, output)).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('\n').split('\n')).toEqual([
        `hma-lab: invalid service options ${file}:`,
        expect.stringMatching(/^ {2}- entra\.clockSkw: no such option \(options: .*clockSkew.*\)$/),
        '  - adfs.loopDetection: expected false (off), or { maxTokens, intervalMs } as whole numbers',
      ]);
    }
  });

  it("--services: a good file's options reach the parties", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-services-'));
    const file = join(dir, 'services.json');
    writeFileSync(file, JSON.stringify({ 'onprem-eas': { serverHeader: 'Lab-IIS/9.9' } }));
    const { out, output } = capture();
    const argv = ['flow', '-u', 'alice@contoso.com', '--json', '-m', 'in-process'];
    expect(await main([...argv, '--services', file], output)).toBe(0);
    // On-premises ActiveSync's answers carry the Server header asked for.
    expect(out.join('\n')).toContain('"server": "Lab-IIS/9.9"');
  });

  it('flow --user that is no user: one line whatever was typed, the users listed at most ten', async () => {
    const text = await refused(['flow', '-u', `a\nb${'x'.repeat(200)}`, '--mode', 'in-process']);
    expect(text).toMatch(/^hma-lab: no user a\\nbx{95}… in scenario contoso \(users: /);
  });

  it("trace export --run '' or --out '': said so, before any lab is asked", async () => {
    expect(await refused(['trace', 'export', '--run', ''])).toBe(
      'hma-lab: --run needs a run id (trace export without --run exports every run)',
    );
    expect(await refused(['trace', 'export', '--out', ''])).toBe(
      'hma-lab: --out needs a file name (without --out the trace goes to stdout)',
    );
  });

  it('hosts --address that is not an IP address', async () => {
    expect(await refused(['hosts', '--address', 'x y'])).toBe(
      'hma-lab: --address "x y": expected an IP address, e.g. 127.0.0.1',
    );
    const { out, output } = capture();
    expect(await main(['hosts', '--address', '::1'], output)).toBe(0);
    expect(out.join('\n')).toMatch(/^::1 login\.microsoftonline\.com$/m);
  });

  it('port numbers are decimal digits only', async () => {
    // --bind to an address that is not this machine's: the old parser's 16 fails later, too.
    for (const value of ['0x10', '', '1e3']) {
      const { out, err, output } = capture();
      expect(
        await main(['up', '--http', '--port-base', value, '--bind', '192.0.2.1'], output),
      ).toBe(2);
      // Commander's own one line, and its pointer to --help.
      expect(err).toEqual([
        `error: option '--port-base <port>' argument '${value}' is invalid. expected a port number (0 = any free port)`,
        '(run hma-lab --help for usage)',
      ]);
      expect(out).toEqual([]);
    }
  });

  it('up while another lab runs from the same HMA_LAB_HOME: refused; a stale state file is not', async () => {
    const home = mkdtempSync(join(tmpdir(), 'hma-lab-home-'));
    const admin = await serve((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/_lab' ? '{"scenario":"contoso","mode":"loopback"}' : '{}');
    });
    // A live process that is not this one: the other lab's.
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    const saved = process.env.HMA_LAB_HOME;
    process.env.HMA_LAB_HOME = home;
    const stateFile = join(home, 'lab.json');
    const { otherRunningLab } = await import('../src/running-lab.js');
    try {
      writeFileSync(stateFile, JSON.stringify({ admin: admin.url, pid: other.pid }));
      expect(await refused(['up', '--http', '--front-door-port', '0'])).toBe(
        `hma-lab: a lab is already running from ${stateFile} (pid ${other.pid}, admin ${admin.url}): stop it first, or set HMA_LAB_HOME to another folder for a second lab`,
      );
      expect(readFileSync(stateFile, 'utf8')).toContain(String(other.pid)); // untouched
      // Stale: the process is gone, or alive but its admin URL is no lab's.
      const exited = new Promise((resolve) => other.once('exit', resolve));
      other.kill('SIGKILL');
      await exited;
      await expect(otherRunningLab()).resolves.toBeUndefined();
      writeFileSync(stateFile, JSON.stringify({ admin: `${admin.url}/nolab`, pid: process.ppid }));
      await expect(otherRunningLab()).resolves.toBeUndefined();
      writeFileSync(stateFile, '{"pid": "1; rm -rf /", "admin": 7}');
      await expect(otherRunningLab()).resolves.toBeUndefined();
    } finally {
      other.kill('SIGKILL');
      if (saved === undefined) delete process.env.HMA_LAB_HOME;
      else process.env.HMA_LAB_HOME = saved;
      await closeServer(admin.server);
    }
  });

  it('up --port-base too high for every party to get a port', async () => {
    const text = await refused(['up', '--http', '--port-base', '65530', '--front-door-port', '0']);
    expect(text).toMatch(
      /^hma-lab: --port-base 65530: the lab listens on \d+ consecutive ports from it, so it must be from 1 to 655\d\d$/,
    );
  });

  it('up --bind an address that is not this machine’s', async () => {
    const text = await refused(['up', '--http', '--bind', '192.0.2.1', '--front-door-port', '0']);
    expect(text).toMatch(/^hma-lab: cannot listen on 192\.0\.2\.1: not an address of this machine/);
  });

  it('up --bind a name that does not resolve (offline: the lookup is faked)', async () => {
    const lookup = dns.lookup;
    (dns as { lookup: unknown }).lookup = (
      hostname: string,
      ...rest: Array<(error: NodeJS.ErrnoException) => void>
    ) => {
      const callback = rest[rest.length - 1]!;
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
        code: 'ENOTFOUND',
        errno: -3008,
        syscall: 'getaddrinfo',
        hostname,
      });
      process.nextTick(() => callback(error));
    };
    try {
      const text = await refused(['up', '--http', '--bind', '999.1.1.1', '--front-door-port', '0']);
      expect(text).toBe(
        'hma-lab: cannot listen on 999.1.1.1: no such address (ENOTFOUND): --bind an IP address of this machine, e.g. 127.0.0.1',
      );
    } finally {
      dns.lookup = lookup;
    }
  });

  describe('commands talking to a running lab', () => {
    let fake: { url: string; server: Server };
    beforeAll(async () => {
      fake = await serve((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ entries: [] }));
      });
    });
    afterAll(() => closeServer(fake.server));

    it('trace export --out into a folder that does not exist, or onto a folder', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'hma-lab-out-'));
      expect(
        await refused(['trace', 'export', '--lab', fake.url, '--out', join(dir, 'no/x.json')]),
      ).toMatch(
        /^hma-lab: --out .*no\/x\.json: cannot write the file \(its folder does not exist, ENOENT\)$/,
      );
      expect(await refused(['trace', 'export', '--lab', fake.url, '--out', dir])).toMatch(
        /cannot write the file \(that is a folder: name a file, EISDIR\)$/,
      );
    });

    it('--lab pointing at a server that is not a lab', async () => {
      const html = await serve((req, res) => {
        res.setHeader('content-type', 'text/html; charset=utf-8');
        res.end('<!doctype html><title>not a lab</title>');
      });
      const notJson = await serve((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end('{"truncated');
      });
      try {
        const commands = [
          ['time', 'now'],
          ['time', 'advance', '2h'],
          ['faults'],
          ['faults', 'on', 'eas-503'],
          ['trace', 'export'],
          ['trace', 'export', '--format', 'mermaid'],
        ];
        for (const command of commands) {
          expect(await refused([...command, '--lab', html.url])).toBe(
            `hma-lab: ${html.url} is not an hma-lab admin API (answered text/html): check --lab`,
          );
        }
        expect(await refused(['time', 'now', '--lab', notJson.url])).toBe(
          `hma-lab: ${notJson.url} is not an hma-lab admin API (answered JSON that does not parse): check --lab`,
        );
      } finally {
        await Promise.all([closeServer(html.server), closeServer(notJson.server)]);
      }
    });

    it('up --tls-dir naming a file: one line before anything starts', async () => {
      const file = join(mkdtempSync(join(tmpdir(), 'hma-lab-tls-')), 'a-file');
      writeFileSync(file, 'not a folder');
      expect(await refused(['up', '--front-door-port', '0', '--tls-dir', file])).toBe(
        `hma-lab: --tls-dir ${file}: not a folder the lab can write its certificates to (ENOTDIR)`,
      );
    });

    (process.platform === 'linux' ? it : it.skip)(
      'up --tls-dir where no folder can be made (under /proc): one line, no hang',
      async () => {
        // Node 20's own recursive mkdir never settles there.
        expect(
          await refused(['up', '--front-door-port', '0', '--tls-dir', '/proc/hma-lab-nope/tls']),
        ).toBe(
          'hma-lab: --tls-dir /proc/hma-lab-nope/tls: not a folder the lab can write its certificates to (ENOENT)',
        );
      },
    );

    it('--lab pointing at a server answering JSON of another shape, or cutting its answer off', async () => {
      const otherShape = await serve((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(req.url === '/_lab/clock' ? '{"iso":null}' : '{"iso":"x","fired":7,"active":"no"}');
      });
      const cutOff = await serve((req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"iso":"2026-');
        setTimeout(() => res.destroy(), 20);
      });
      try {
        for (const command of [['time', 'now'], ['time', 'advance', '1h'], ['faults']]) {
          expect(await refused([...command, '--lab', otherShape.url])).toBe(
            `hma-lab: ${otherShape.url} is not an hma-lab admin API (answered JSON of another shape): check --lab`,
          );
          expect(await refused([...command, '--lab', cutOff.url])).toMatch(
            new RegExp(`^hma-lab: cannot reach the lab at ${cutOff.url} \\(`),
          );
        }
      } finally {
        await Promise.all([closeServer(otherShape.server), closeServer(cutOff.server)]);
      }
    });

    it('an admin call waits a bounded time for a server that never answers', async () => {
      const silent = await serve(() => undefined);
      try {
        const { callAdmin } = await import('../src/running-lab.js');
        await expect(callAdmin(silent.url, 'GET', '/_lab/clock', undefined, 300)).rejects.toThrow(
          `the lab at ${silent.url} did not answer within 300 ms; is it busy or stopped?`,
        );
      } finally {
        await closeServer(silent.server);
      }
    });
  });
});

describe('hma-lab up as a process', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  /** Starts the CLI from its sources (as e2e/cli.test.ts does). */
  function start(args: string[], env: NodeJS.ProcessEnv) {
    child = spawn(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args],
      { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } },
    );
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | string | null>((resolve) =>
      child!.on('exit', (code, signal) => resolve(code ?? signal)),
    );
    return { child, output, exited };
  }

  /** The exit code, or 'still running' after `ms`. */
  const within = (exited: Promise<number | string | null>, ms: number) => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      exited,
      new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still running'), ms))),
    ]).finally(() => clearTimeout(timer));
  };

  it('a state file that cannot be written: the lab is closed, one line, exit 2', async () => {
    const home = join(mkdtempSync(join(tmpdir(), 'hma-lab-home-')), 'a-file');
    writeFileSync(home, 'x\n');
    const { output, exited } = start(['up', '--http', '--front-door-port', '0'], {
      HMA_LAB_HOME: home,
    });
    const code = await within(exited, 15_000);
    expect({ code, stderr: output.stderr }).toEqual({
      code: 2,
      stderr: `hma-lab: cannot write the lab's state file ${join(home, 'lab.json')} (ENOTDIR): set HMA_LAB_HOME to a folder you can write to\n`,
    });
    // No ready line: nothing was announced that is not running.
    expect(output.stdout).toBe('');
  }, 20_000);

  it('SIGTERM during a startup that does not finish within its grace ends the process', async () => {
    // The startup first asks whether another lab runs from its HMA_LAB_HOME:
    // it asks the admin URL the state file names, once the command's signal
    // handlers are in place. The test's server hears the question and holds
    // it (the startup waits up to 2 s for an answer, longer than the 1 s a
    // signal gives a startup to finish).
    let probed!: () => void;
    const asked = new Promise<void>((resolve) => (probed = resolve));
    const held: ServerResponse[] = [];
    const silent = await serve((_req, res) => {
      held.push(res);
      probed();
    });
    const home = mkdtempSync(join(tmpdir(), 'hma-lab-home-'));
    writeFileSync(join(home, 'lab.json'), JSON.stringify({ admin: silent.url, pid: process.pid }));
    try {
      const {
        child: running,
        output,
        exited,
      } = start(['up', '--http', '--front-door-port', '0'], { HMA_LAB_HOME: home });
      expect(await Promise.race([asked.then(() => 'asked'), within(exited, 20_000)])).toBe('asked');
      running.kill('SIGTERM');
      const code = await within(exited, 8_000);
      expect({ code, stderr: output.stderr }).toEqual({
        code: 143,
        stderr:
          'hma-lab: SIGTERM before the lab was ready: stopping\n' +
          'hma-lab: the lab did not finish starting; exiting without it\n',
      });
      // No ready line: nothing was announced.
      expect(output.stdout).toBe('');
    } finally {
      for (const res of held) res.destroy();
      await closeServer(silent.server);
    }
  }, 40_000);
});
