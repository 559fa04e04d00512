import { builtInScenario, builtInScenarioNames, stepSequence } from '@hma-lab/core';
import { createLab } from '@hma-lab/lab';

/** What each built-in scenario does to alice's flow, as its description says. */
const EXPECTED: Record<
  string,
  { path?: 'hma' | 'basic'; ok: boolean; step?: number; without?: number[] }
> = {
  contoso: { ok: true },
  'managed-phs': { ok: true, without: [8, 9, 10, 11] },
  pta: { ok: true, without: [8, 9, 10, 11] },
  'mfa-off': { ok: true, without: [13, 14] },
  'ca-block': { ok: false, step: 13 },
  'hma-off': { ok: false, step: 5 },
  'basic-auth-blocked': { ok: true },
  'exchange-2010': { ok: false, step: 16 },
  'ssl-offload': { ok: false, step: 19 },
  'basic-auth': { path: 'basic', ok: true },
};

describe('built-in scenarios', () => {
  it('every built-in scenario has an expectation here', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(builtInScenarioNames().sort());
  });

  it.each(Object.entries(EXPECTED))('%s', async (name, expected) => {
    const lab = await createLab({ scenario: name, mode: 'in-process', log: () => {} });
    try {
      const run = await lab.runFlow('alice@contoso.com', { path: expected.path ?? 'hma' });
      expect({ ok: run.ok, step: run.error?.step }).toEqual({
        ok: expected.ok,
        step: expected.step,
      });
      const sequence = stepSequence(run.steps);
      for (const skipped of expected.without ?? []) expect(sequence).not.toContain(skipped);
      if (expected.step)
        expect(builtInScenario(name).description).toContain(`step ${expected.step}`);
    } finally {
      await lab.close();
    }
  });
});
