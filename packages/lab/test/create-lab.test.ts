import { createServer, type AddressInfo } from 'node:net';
import { request } from 'node:http';
import { contosoScenario, ScenarioError } from '@hma-lab/core';
import { createLab } from '@hma-lab/lab';

describe('createLab refuses a scenario it cannot read with a ScenarioError', () => {
  test.each([
    ['a function among the values', { ...contosoScenario, extra: () => 1 }],
    ['a symbol among the values', { ...contosoScenario, extra: Symbol('x') }],
    [
      'a getter that throws',
      Object.defineProperty({ ...contosoScenario }, 'tenant', {
        enumerable: true,
        get() {
          throw new Error('boom');
        },
      }),
    ],
  ])('%s', async (_name, scenario) => {
    await expect(createLab({ scenario: scenario as never })).rejects.toBeInstanceOf(ScenarioError);
  });

  test('a built-in name the lab does not have', async () => {
    const refusal = createLab({ scenario: 'no-such-scenario' });
    await expect(refusal).rejects.toBeInstanceOf(ScenarioError);
    await expect(refusal).rejects.toThrow(/no built-in scenario "no-such-scenario" \(known: /);
  });
});

/** A loopback port nothing listens on (one just given up). */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('a flow whose Entra authority answers nothing', () => {
  test.each([
    ['a host the lab does not emulate', 'https://login.example.org/common/oauth2/authorize'],
    ['a loopback port where nothing listens', 'http://127.0.0.1:{closed}/common/oauth2/authorize'],
  ])(
    '%s: the flow fails at step 7, unreachable, not with an exception',
    async (_name, template) => {
      const uri = template.replace('{closed}', String(await closedPort()));
      const scenario = structuredClone(contosoScenario);
      scenario.exchange.onprem.hma = { enabled: true, authorizationUri: uri };
      const lab = await createLab({ scenario });
      try {
        const run = await lab.runFlow('alice@contoso.com');
        expect(run.ok).toBe(false);
        expect(run.error).toMatchObject({ step: 7, reason: 'unreachable' });
        expect(run.error!.message).toMatch(
          /^https?:\/\/.* could not be reached: (ENOTFOUND|ECONNREFUSED)$/,
        );
      } finally {
        await lab.close();
      }
    },
  );
});

describe('the front door', () => {
  test('a Host no emulated service answers for: 421, naming at most 255 characters of it', async () => {
    const lab = await createLab({ mode: 'loopback', frontDoor: { port: 0 } });
    try {
      const door = new URL(lab.frontDoor!);
      const host = `${'x'.repeat(8_000)}.example`;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(
          { host: door.hostname, port: door.port, path: '/', headers: { host } },
          (res) => {
            let body = '';
            res.on('data', (chunk) => (body += String(chunk)));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(421);
      expect(answer.body).toBe(`no emulated service answers for ${'x'.repeat(254)}…\n`);
    } finally {
      await lab.close();
    }
  });
});
