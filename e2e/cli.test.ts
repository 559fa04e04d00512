import { spawn } from 'node:child_process';
import { main } from '@hma-lab/cli';

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
    expect(text).toMatch(/^\[ 3\] exo -> autodetect .* -> 302 /m);
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

  it('names the failing step and exits non-zero', async () => {
    const { out, err, output } = capture();
    expect(await main(['flow', '--user', 'nobody@contoso.com'], output)).toBe(2);
    expect(err.join('\n')).toContain('no user nobody@contoso.com');
    expect(out).toEqual([]);
  });

  it('refuses unknown flags with a clear message', async () => {
    const { err, output } = capture();
    expect(await main(['flow', '--user', 'alice@contoso.com', '--bogus'], output)).toBe(2);
    expect(err.join('\n')).toMatch(/unknown option '--bogus'/);
  });

  it('up prints the ready line once every service listens, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'packages/cli/src/bin.ts', 'up'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const line = await new Promise<string>((resolve, reject) => {
      let buffer = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const newline = buffer.indexOf('\n');
        if (newline >= 0) resolve(buffer.slice(0, newline));
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    const ready = JSON.parse(line) as { ready: boolean; services: Record<string, string> };
    expect(ready.ready).toBe(true);
    expect(Object.keys(ready.services)).toEqual(
      expect.arrayContaining(['entra', 'exo', 'onprem-eas', 'autodetect']),
    );
    const metadata = await fetch(
      `${ready.services.entra}/common/v2.0/.well-known/openid-configuration`,
    );
    expect(metadata.status).toBe(200);
    const exitCode = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exitCode).toBe(0);
  }, 30_000);
});
