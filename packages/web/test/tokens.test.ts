import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { collectTokens } from '../src/protocol/tokens.js';
import { quietLab } from './helpers.js';

/** A WS-Trust 1.3 Issue request with a UsernameToken, as MSAL for Python builds it. */
function usernameMixedRequest(userName: string, password: string): string {
  return (
    `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing">` +
    `<s:Header><wsa:MessageID>urn:uuid:1</wsa:MessageID>` +
    `<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">` +
    `<wsse:UsernameToken><wsse:Username>${userName}</wsse:Username><wsse:Password>${password}</wsse:Password></wsse:UsernameToken>` +
    `</wsse:Security></s:Header><s:Body>` +
    `<wst:RequestSecurityToken xmlns:wst="http://docs.oasis-open.org/ws-sx/ws-trust/200512">` +
    `<wsp:AppliesTo xmlns:wsp="http://schemas.xmlsoap.org/ws/2004/09/policy"><wsa:EndpointReference><wsa:Address>urn:federation:MicrosoftOnline</wsa:Address></wsa:EndpointReference></wsp:AppliesTo>` +
    `<wst:KeyType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Bearer</wst:KeyType>` +
    `<wst:RequestType>http://docs.oasis-open.org/ws-sx/ws-trust/200512/Issue</wst:RequestType>` +
    `</wst:RequestSecurityToken></s:Body></s:Envelope>`
  );
}

describe("the token views' SAML token of a federated password sign-in (WS-Trust)", () => {
  test('minted by AD FS, presented to Entra in the SAML bearer grant, with its lifetime', async () => {
    const lab = await quietLab();
    try {
      const client = lab.fetchAs('client');
      const answer = await client('https://sts.contoso.com/adfs/services/trust/13/usernamemixed', {
        method: 'POST',
        headers: { 'content-type': 'application/soap+xml; charset=utf-8' },
        body: usernameMixedRequest('bob@contoso.com', 'Passw0rd!'),
      });
      expect(answer.status).toBe(200);
      // What MSAL cuts out of the answer and forwards byte for byte.
      const assertion = /<trust:RequestedSecurityToken>(.*)<\/trust:RequestedSecurityToken>/s.exec(
        await answer.text(),
      )![1]!;
      const redeemed = await client(
        `https://login.microsoftonline.com/${lab.scenario.tenant.id}/oauth2/v2.0/token`,
        {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'urn:ietf:params:oauth:grant-type:saml1_1-bearer',
            client_id: WELL_KNOWN_APPS.outlookMobile,
            scope: 'User.Read',
            assertion: Buffer.from(assertion).toString('base64url'),
          }),
        },
      );
      expect(redeemed.status).toBe(200);

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
