import { type TraceExchange } from '@hma-lab/core';
import { afterTimers } from '@hma-lab/core/testing';
import { federatedPasswordToken } from '@hma-lab/lab';
import { collectTokens } from '../src/protocol/tokens.js';
import { quietLab } from './helpers.js';

describe("the token views' SAML token of a federated password sign-in (WS-Trust)", () => {
  test('minted by AD FS, presented to Entra in the SAML bearer grant, with its lifetime', async () => {
    const lab = await quietLab();
    try {
      // WS-Trust at AD FS through the proxy, then the saml1_1-bearer grant, as MSAL does.
      await federatedPasswordToken(lab, {
        username: 'bob@contoso.com',
        password: 'Passw0rd!',
        scope: 'User.Read',
      });
      const answer = lab.trace
        .exchanges()
        .find((e) => e.from === 'client' && e.url.endsWith('/13/usernamemixed'))!;
      const assertion = answer.tokens.find((t) => t.kind === 'saml')!.raw;

      const views = collectTokens(
        lab.trace.exchanges(),
        'A',
        () => null,
        lab.directory.lifetimes(),
      );
      const saml = views.filter((view) => view.family === 'SAML');
      expect(saml).toHaveLength(1);
      const notOnOrAfter = /NotOnOrAfter="([^"]+)"/.exec(assertion)![1]!;
      expect(saml[0]).toMatchObject({
        mintedBy: 'adfs',
        expiresAtMs: Date.parse(notOnOrAfter),
        lifetimeFrom: 'saml',
        presentedTo: [
          expect.objectContaining({
            party: 'entra',
            where: 'request.body.assertion',
            accepted: true,
          }),
        ],
      });
    } finally {
      await lab.close();
    }
  });
});

describe('a crafted SAML token', () => {
  test('1 MiB of a start tag without its end: its lifetime is looked for in its head only', async () => {
    const raw = `<t:RequestSecurityTokenResponse>${':Created '.repeat(116_000)}`;
    const exchange = {
      kind: 'exchange',
      id: 1,
      atMs: 0,
      from: 'client',
      to: 'entra',
      method: 'POST',
      url: 'https://login.microsoftonline.com/login.srf',
      status: 400,
      requestHeaders: {},
      responseHeaders: {},
      tokens: [{ name: 'wresult', where: 'request.body.wresult', kind: 'saml', raw }],
      secrets: [],
    } as unknown as TraceExchange;
    const lab = await quietLab();
    try {
      // Scanning the whole token took over a minute (quadratic); jest's 5 s timeout would fail it.
      const [view] = collectTokens([exchange], 'A', () => null, lab.directory.lifetimes());
      await afterTimers();
      expect(view).toMatchObject({ family: 'SAML', presentedTo: [{ party: 'entra' }] });
      expect(view!.expiresAtMs).toBeUndefined();
    } finally {
      await lab.close();
    }
  }, 5_000);
});
