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
