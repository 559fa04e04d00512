import { flowDefinition, labelFlow, stepSequence } from '@hma-lab/core';
import { ALICE, createBasicLab, type BasicLab } from './helpers.js';

/** `labelFlow(entries, 'C')` numbers a flow C run with the steps of the README. */

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

describe('flow C step numbers', () => {
  it('has a meaning for each of the 12 steps', () => {
    const { title, meanings } = flowDefinition('C');
    expect(title).toBe('Basic authentication through the Outlook cloud service');
    expect(Object.keys(meanings).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('labels a first connection 1, 2, 3, 5, 6, 7, 8, 9', async () => {
    lab = createBasicLab();
    const { runId } = await lab.phone().connect(ALICE, { runId: 'run-c1' });
    const steps = labelFlow(lab.ctx.trace.entries({ runId }), 'C');
    expect(stepSequence(steps)).toEqual([1, 2, 3, 5, 6, 7, 8, 9]);
    const signIn = steps.filter((s) => s.step === 2);
    expect(signIn).toHaveLength(1);
    expect(signIn[0]).toMatchObject({ leg: 'request', from: 'device', to: 'outlook-service' });
    // The Provision pair that checks the password is step 3; the sync after the key came back is 8.
    const exchangeLegs = steps.filter((s) => s.from === 'outlook-service' && s.to === 'onprem-eas');
    expect(new Set(exchangeLegs.map((s) => s.step))).toEqual(new Set([3, 8]));
    expect(steps.at(-1)).toMatchObject({ step: 9, leg: 'response', to: 'device' });
    // No rule of flow A or B claims any of it.
    expect(labelFlow(lab.ctx.trace.entries({ runId }), 'A')).toEqual([]);
  });

  it('labels a refusal 1, 2, 3, 4', async () => {
    lab = createBasicLab({ blockOutlook: true });
    await expect(lab.phone().connect(ALICE, { runId: 'run-c2' })).rejects.toThrow();
    const steps = labelFlow(lab.ctx.trace.entries({ runId: 'run-c2' }), 'C');
    expect(stepSequence(steps)).toEqual([1, 2, 3, 4]);
    expect(steps.filter((s) => s.step === 4).map((s) => s.leg)).toEqual(['event', 'response']);
  });

  it('labels the flush (10), the purge (11) and the set-up after it (12, then 2-9)', async () => {
    lab = createBasicLab();
    const phone = lab.phone();
    await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    await lab.ctx.clock.advance('7d');
    const background = labelFlow(
      lab.ctx.trace.entries().filter((e) => e.runId === undefined),
      'C',
    );
    expect(stepSequence(background)).toEqual([8, 10, 11]);
    await phone.openApp({ runId: 'run-c3' });
    const again = labelFlow(lab.ctx.trace.entries({ runId: 'run-c3' }), 'C');
    expect(stepSequence(again)).toEqual([6, 12, 2, 3, 5, 7, 8, 9]);
  });
});
