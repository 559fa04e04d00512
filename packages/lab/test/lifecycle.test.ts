// What a regression suite does many times a process: make a lab, use it,
// close it. A closed lab holds nothing and answers nothing; options it cannot
// use are one clear error before anything starts.
import { executionAsyncResource } from 'node:async_hooks';
import { ScenarioError } from '@hma-lab/core';
import { createLab } from '@hma-lab/lab';

const quiet = { log: () => undefined };

/** How many AsyncLocalStorage stores the process carries onto every async resource. */
async function storesOnPromises(): Promise<number> {
  let resource: object = {};
  await Promise.resolve().then(() => {
    resource = executionAsyncResource();
  });
  return Object.getOwnPropertySymbols(resource).length;
}

describe('createLab checks its options before anything starts', () => {
  it.each([
    [null, 'createLab: createLab takes an options object, got null'],
    [
      { mode: 'INPROCESS' },
      "createLab: mode must be 'in-process' or 'loopback' or 'nock', got \"INPROCESS\"",
    ],
    [{ mode: 5 }, "createLab: mode must be 'in-process' or 'loopback' or 'nock', got 5"],
    [
      { startMs: -1 },
      'createLab: startMs must be whole milliseconds since 1970-01-01 (0 to 253402214400000, 9999-12-31), got -1',
    ],
    [
      { startMs: '2024-01-01' },
      'createLab: startMs must be whole milliseconds since 1970-01-01 (0 to 253402214400000, 9999-12-31), got "2024-01-01"',
    ],
    [{ maxTraceEntries: -1 }, 'createLab: maxTraceEntries must be a whole number above 0, got -1'],
    [{ clockMode: 'bogus' }, "createLab: clockMode must be 'frozen' or 'running', got \"bogus\""],
    [{ trace: 'yes' }, 'createLab: trace must be a boolean, got "yes"'],
    [{ log: 'x' }, 'createLab: log must be a function, got "x"'],
    [
      { mode: 'loopback', ports: { entra: 'abc' } },
      'createLab: ports.entra must be a port number from 0 to 65535, got "abc"',
    ],
    [{ ports: { nobody: 1 } }, 'createLab: ports: "nobody" is no party (known: '],
    [
      { admin: { port: 'x' } },
      'createLab: admin.port must be a port number from 0 to 65535, got "x"',
    ],
    [{ clock: 'running' }, 'createLab: unknown option "clock" (known: scenario, mode, startMs'],
  ])('%j', async (options, message) => {
    const error = await createLab(options as never).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(error?.message).toContain(message);
    expect(error?.code).toBe('invalid_lab_options');
  });

  it("a built-in scenario is one of its own names ('constructor' is none)", async () => {
    await expect(createLab({ scenario: 'constructor', ...quiet })).rejects.toBeInstanceOf(
      ScenarioError,
    );
    await expect(createLab({ scenario: 'toString', ...quiet })).rejects.toThrow(
      'no built-in scenario "toString"',
    );
  });

  it('runFlow names its user and run id in words', async () => {
    const lab = await createLab({ ...quiet, trace: false });
    try {
      await expect(lab.runFlow(42 as never)).rejects.toThrow(
        'a user is named by its UPN (a text), got number',
      );
      const long = 'x'.repeat(100_000);
      const unknown = await lab.runFlow(long).catch((e: Error) => e);
      expect((unknown as Error).message).toMatch(/^no user "x+…" in scenario contoso$/);
      expect((unknown as Error).message.length).toBeLessThan(150);
      // '' labelled the whole trace as the run; a line break cannot travel in its header.
      for (const runId of ['', 'a\nb', ' lead', 'é', 42]) {
        await expect(lab.runFlow('alice@contoso.com', { runId: runId as never })).rejects.toThrow(
          /^runId must be 1 to 200 printable ASCII characters/,
        );
      }
      for (const [options, message] of [
        [null, 'runFlow options must be an object, got null'],
        [{ path: 'bogus' }, "runFlow: path must be 'hma' or 'basic', got \"bogus\""],
        [
          { pathh: 'basic' },
          'runFlow: unknown option "pathh" (known: runId, device, path, basicDevice)',
        ],
      ] as const) {
        await expect(lab.runFlow('alice@contoso.com', options as never)).rejects.toThrow(message);
      }
      expect((await lab.runFlow('alice@contoso.com', { runId: 'run one' })).ok).toBe(true);
    } finally {
      await lab.close();
    }
  });
});

describe('a closed lab', () => {
  it('answers nothing more, and every close() waits for the same closing', async () => {
    const lab = await createLab({ ...quiet, trace: false });
    const first = lab.close();
    expect(lab.close()).toBe(first);
    await first;
    await expect(lab.runFlow('alice@contoso.com')).rejects.toThrow(
      'this lab is closed: create a new one',
    );
    await expect(async () => lab.fetch('https://login.microsoftonline.com/')).rejects.toThrow(
      /this lab is closed/,
    );
    await expect(lab.clock.advance('1h')).rejects.toThrow(
      'the clock was disposed (its lab is closed): create a new lab',
    );
  });

  it('an advance under way stops at its next instant when the lab closes', async () => {
    const lab = await createLab({ ...quiet, trace: false });
    let fired = 0;
    const tick = (): void => {
      fired++;
      lab.clock.after('1h', tick, 'hourly');
    };
    lab.clock.after('1h', async () => {
      fired++;
      await lab.close();
      lab.clock.after('1h', tick, 'hourly');
    });
    await lab.clock.advance('30d');
    expect(fired).toBe(1);
  });

  it('lets go of its trace context: the process carries no store of it on every promise', async () => {
    const before = await storesOnPromises();
    for (let i = 0; i < 3; i++) {
      const lab = await createLab({ ...quiet });
      await lab.runFlow('alice@contoso.com');
      await lab.close();
    }
    expect(await storesOnPromises()).toBe(before);
  });

  it('a flow still running when its lab closes, or a device asked for after, does not switch the context back on', async () => {
    const before = await storesOnPromises();
    for (let i = 0; i < 2; i++) {
      const lab = await createLab({ ...quiet });
      const running = lab.runFlow('alice@contoso.com');
      await lab.close();
      await running;
      expect(() => lab.device()).toThrow('this lab is closed: create a new one');
      expect(() => lab.basicDevice()).toThrow('this lab is closed: create a new one');
    }
    expect(await storesOnPromises()).toBe(before);
  });

  it("a loopback lab's calls go through its own agent, not the process's global fetch", async () => {
    // The global fetch's agent keeps every origin it reached, and each lab's
    // fresh ports are new origins: ~160 KB a lab, for good.
    const globalFetch = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = (...args: Parameters<typeof fetch>) => {
      calls++;
      return globalFetch(...args);
    };
    try {
      const lab = await createLab({ ...quiet, mode: 'loopback', trace: false });
      try {
        expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
      } finally {
        await lab.close();
      }
      expect(calls).toBe(0);
    } finally {
      globalThis.fetch = globalFetch;
    }
  });
});
