import { stepSequence } from '@hma-lab/core';
import { createLab, labMatchers, type Lab, type LabMode } from '@hma-lab/lab';
import { restoreNockAfterAll } from './helpers.js';

expect.extend(labMatchers);

restoreNockAfterAll();

// One behaviour suite, run against each way of wiring a lab: the parties must
// not be able to tell in-process calls, loopback sockets and nock apart.
describe.each<LabMode>(['in-process', 'loopback', 'nock'])('the lab in %s mode', (mode) => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ mode });
  });
  afterAll(() => lab?.close());

  it('runs flow A for alice: 20 steps, AT2 for the on-prem namespace', async () => {
    const run = await lab.runFlow('alice@contoso.com');
    expect(run.ok).toBe(true);
    expect(stepSequence(run.steps)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(run).toHaveStep(3, { status: 302, leg: 'response' });
    expect(run).toHaveToken({
      step: 17,
      name: 'access_token',
      claims: { aud: 'https://mail.contoso.com' },
    });
  });

  it('runs flow B for bob with its own 15-step numbering', async () => {
    const run = await lab.runFlow('bob@contoso.com');
    expect(run.error).toBeUndefined();
    expect(run.flow).toBe('B');
    expect(run).toHaveStepsInOrder([1, 2, 3, 4, 5, 6, 14, 15]);
    expect(run).toHaveStep(4, { status: 401, from: 'exo' });
    expect(run).toHaveToken({
      step: 14,
      name: 'access_token',
      claims: { aud: 'https://outlook.office365.com' },
    });
    expect(Math.max(...stepSequence(run.steps))).toBe(15);
  });

  it('refreshes AT2 with RT2 in the background when the clock moves 2 hours', async () => {
    const before = lab.trace.exchanges().length;
    await lab.clock.advance('2h');
    const later = lab.trace.exchanges().slice(before);
    const refreshes = later.filter(
      (e) =>
        e.from === 'exo' &&
        e.to === 'entra' &&
        /grant_type=refresh_token/.test(e.requestBody?.text ?? ''),
    );
    expect(refreshes.length).toBeGreaterThanOrEqual(1);
    for (const refresh of refreshes) {
      expect(refresh.status).toBe(200);
      expect(refresh.tokens.find((t) => t.name === 'access_token')?.claims?.aud).toBe(
        'https://mail.contoso.com',
      );
    }
    // Each renewed AT2 is accepted on-premises.
    const renewed = new Set(
      refreshes.flatMap((r) => r.tokens.filter((t) => t.name === 'access_token').map((t) => t.raw)),
    );
    const used = later.filter(
      (e) =>
        e.to === 'onprem-eas' && renewed.has(e.tokens.find((t) => t.name === 'bearer')?.raw ?? ''),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(used.every((e) => e.status === 200)).toBe(true);
  });
});
