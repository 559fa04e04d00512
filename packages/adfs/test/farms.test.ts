import { builtInScenario, createTestContext } from '@hma-lab/core';
import { createAdfs, createWap, verifySamlAssertion } from '@hma-lab/adfs';
import { formOf, TestBrowser } from './browser.js';

/** contoso, with fabrikam.com federated too, through its own proxy and farm. */
function twoFarms() {
  const scenario = builtInScenario('contoso');
  scenario.domains = scenario.domains.map((d) =>
    d.name === 'fabrikam.com'
      ? {
          name: 'fabrikam.com',
          authentication: 'federated' as const,
          federation: {
            wapHost: 'sts.fabrikam.com',
            adfsHost: 'adfs.fabrikam.local',
            issuer: 'http://sts.fabrikam.com/adfs/services/trust',
            brandName: 'Fabrikam',
          },
        }
      : d,
  );
  const ctx = createTestContext({ scenario });
  ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
  ctx.mount('adfs', createAdfs(ctx.depsFor('adfs')).app);
  return { ctx, browser: new TestBrowser(ctx.fetchFor('device')) };
}

const url = (wapHost: string, user: string): string =>
  `https://${wapHost}/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx=x&username=${encodeURIComponent(user)}`;

describe('several federated domains, each with its own farm', () => {
  it('routes each public host to its own farm, which signs with its own issuer', async () => {
    const { ctx, browser } = twoFarms();
    const page = await browser.get(url('sts.fabrikam.com', 'dave@fabrikam.com'));
    expect(page.text).toContain('Fabrikam');
    const form = formOf(page.text);
    const answer = await browser.post(`https://sts.fabrikam.com${form.action}`, {
      ...form.fields,
      Password: 'Passw0rd!',
    });
    const claims = verifySamlAssertion(
      formOf(answer.text).fields.wresult!,
      ctx.keys.adfs.certificatePem,
      { issuer: 'http://sts.fabrikam.com/adfs/services/trust' },
    );
    expect(claims.upn).toBe('dave@fabrikam.com');
    // dave has no scenario ImmutableID: derived from the object id (objectGUID byte order).
    expect(claims.immutableId).toBe(
      Buffer.from('00007eda7a5e1c4b9d2e00000000da7e', 'hex').toString('base64'),
    );
    expect(
      ctx.trace
        .exchanges()
        .filter((e) => e.to === 'adfs')
        .map((e) => new URL(e.url).host),
    ).toEqual(['adfs.fabrikam.local', 'adfs.fabrikam.local']);
    // The session cookie belongs to the fabrikam proxy only.
    expect(browser.cookies('sts.fabrikam.com').MSISAuth).toBeDefined();
    expect(browser.cookies('sts.contoso.com').MSISAuth).toBeUndefined();
  });

  it("refuses a user whose domain is another farm's", async () => {
    const { browser } = twoFarms();
    const form = formOf((await browser.get(url('sts.fabrikam.com', 'alice@contoso.com'))).text);
    const answer = await browser.post(`https://sts.fabrikam.com${form.action}`, {
      ...form.fields,
      Password: 'Passw0rd!',
    });
    expect(answer.text).toContain('Incorrect user ID or password.');
    expect(answer.text).not.toContain('wresult');
  });
});
