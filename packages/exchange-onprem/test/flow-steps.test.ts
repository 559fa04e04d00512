import { labelFlow, stepSequence } from '@hma-lab/core';
import { createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import { createLab, EAS_URL } from './helpers.js';

describe('flow A steps played by the on-prem parties', () => {
  it('labels AutoDiscover (4), the Bearer probe (5) and the AT2 sync (19)', async () => {
    const lab = createLab();
    lab.ctx.mount(
      'onprem-autodiscover',
      createOnpremAutodiscover(lab.ctx.depsFor('onprem-autodiscover')).app,
    );
    const autodetect = lab.ctx.fetchFor('autodetect');
    const discovered = await autodetect(
      'https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
    );
    const { Url } = (await discovered.json()) as { Url: string };
    expect(Url).toBe(EAS_URL);
    const probe = await autodetect(Url, { headers: { Authorization: 'Bearer' } });
    expect(probe.status).toBe(401);
    const client = lab.client();
    await client.provision();
    await client.folderSync();
    const steps = labelFlow(lab.ctx.trace.entries(), 'A');
    expect(stepSequence(steps)).toEqual([4, 5, 19]);
    const five = steps.find((s) => s.step === 5 && s.leg === 'response')!;
    expect(
      five.entry.kind === 'exchange' && five.entry.responseHeaders['www-authenticate'],
    ).toBeTruthy();
  });
});
