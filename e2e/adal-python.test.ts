import { LAB_WEB_APP_SECRET, WELL_KNOWN_APPS } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import {
  callsBesideIdentity,
  certificateSettings,
  clientCalls,
  createPythonLab,
  pythonCase,
  runPythonClient,
  type PythonCaseResult,
} from './helpers.js';

/**
 * ADAL for Python (Debian's python3-adal), unchanged, against the lab's v1
 * endpoints (`resource`, string lifetimes, `expires_on`), the protocol of the
 * tokens HMA's steps 15-17 trade: e2e/python/adal_client.py runs it with its own
 * transport, every connection to an emulated name reaching the lab's front door
 * as a hosts file would send it.
 */
interface AdalToken {
  tokenType: string;
  expiresIn: number;
  expiresOn: string;
  resource: string;
  userId?: string;
  tenantId?: string;
  oid?: string;
  access_claims: Record<string, unknown>;
  has_refresh_token: boolean;
}

interface AdalFailure {
  error: string | null;
  error_codes?: number[];
  message?: string;
}

const REDIRECT = 'http://localhost/callback';

describe('ADAL for Python against the lab v1 endpoints over HTTPS', () => {
  let lab: Lab;
  let results: Record<string, PythonCaseResult> = {};
  const ok = <T = AdalToken>(name: string): T => pythonCase<T>(results, name);
  const tid = () => lab.scenario.tenant.id;

  beforeAll(async () => {
    lab = await createPythonLab();
    results = await runPythonClient('adal_client.py', lab, {
      webApp: WELL_KNOWN_APPS.labWebApp,
      webSecret: LAB_WEB_APP_SECRET,
      outlookApp: WELL_KNOWN_APPS.outlookMobile,
      redirectUri: REDIRECT,
      ...certificateSettings(lab),
    });
  }, 60_000);
  afterAll(() => lab?.close());

  it('client credentials with a secret: a v1 answer ADAL reads', () => {
    const token = ok('client_secret');
    expect(token).toMatchObject({
      tokenType: 'Bearer',
      expiresIn: 3600,
      resource: 'https://graph.microsoft.com',
    });
    expect(token.access_claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      appid: WELL_KNOWN_APPS.labWebApp,
      appidacr: '1',
      ver: '1.0',
    });
  });

  it('client credentials with a certificate (x5t as ADAL writes it)', () => {
    expect(ok('client_certificate').access_claims).toMatchObject({ appidacr: '2' });
  });

  it('a password grant after user realm discovery, then a refresh into another resource', () => {
    const { at1, graph } = ok<Record<'at1' | 'graph', AdalToken>>('password_then_refresh');
    const dave = lab.scenario.users.find((u) => u.upn === 'dave@fabrikam.com')!;
    // ADAL read the user from the ID token of the answer.
    expect(at1).toMatchObject({
      resource: 'https://outlook.office365.com',
      userId: 'dave@fabrikam.com',
      tenantId: tid(),
      oid: dave.objectId,
      has_refresh_token: true,
    });
    expect(at1.access_claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      upn: 'dave@fabrikam.com',
    });
    expect(graph.access_claims).toMatchObject({
      aud: 'https://graph.microsoft.com',
      upn: 'dave@fabrikam.com',
    });
    expect(clientCalls(lab)).toContain(
      'GET https://login.microsoftonline.com/common/UserRealm/dave%40fabrikam.com',
    );
  });

  it('an authorization code from the v1 authorize endpoint', () => {
    expect(ok('authorization_code')).toMatchObject({
      resource: 'https://graph.microsoft.com',
      userId: 'dave@fabrikam.com',
    });
  });

  it('device code on the v1 endpoint', () => {
    expect(ok('device_code').access_claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      upn: 'dave@fabrikam.com',
    });
  });

  it('a federated password sign-in: MEX and WS-Trust at AD FS, then the SAML bearer grant (v1)', () => {
    const result = ok<{ bob: AdalToken; wrong_password: AdalFailure }>('federated_password');
    expect(result.bob).toMatchObject({
      resource: 'https://graph.microsoft.com',
      userId: 'bob@contoso.com',
      has_refresh_token: true,
    });
    expect(result.bob.access_claims).toMatchObject({ upn: 'bob@contoso.com', amr: ['fed', 'pwd'] });
    expect(result.wrong_password.message).toContain('ID3242');
    expect(clientCalls(lab)).toContain('GET https://sts.contoso.com/adfs/services/trust/mex');
  });

  it('errors ADAL raises with the server body', () => {
    const errors = ok<Record<string, AdalFailure>>('errors');
    expect(errors.wrong_password).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
    expect(errors.wrong_secret).toMatchObject({ error: 'invalid_client', error_codes: [7000215] });
  });

  it('every request went to the lab over HTTPS, by the real host names', () => {
    const calls = clientCalls(lab);
    expect(calls.length).toBeGreaterThan(8);
    expect(callsBesideIdentity(lab)).toEqual([]);
  });
});
