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
