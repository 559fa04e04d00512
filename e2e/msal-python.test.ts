import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  EXO_CLIENT_SECRET,
  LAB_WEB_APP_SECRET,
  WELL_KNOWN_APPS,
  type LabFetch,
} from '@hma-lab/core';
import { createLab, type Lab } from '@hma-lab/lab';
import { approveDeviceCode, signInToRedirect, withMfaUser } from './helpers.js';

/**
 * MSAL for Python (Debian's python3-msal, installed by
 * scripts/ensure-system-deps.sh), unchanged, against the lab over HTTPS on
 * loopback: e2e/msal-python/client.py sends MSAL's requests through its
 * `http_client` hook to the lab's front door (the real host name in SNI and
 * Host, only the lab's CA trusted). MSAL discovers the tenant from the lab's
 * metadata and checks every ID token (issuer, audience, nonce, times) itself.
 */
type CaseResult = { ok?: unknown; exception?: string; trace?: string };

/** What client.py reports of one MSAL answer: the error fields, or the tokens' claims. */
interface Summary {
  error?: string;
  error_codes?: number[];
  suberror?: string;
  claims?: string;
  scope?: string;
  access_token?: string;
  access_claims?: Record<string, unknown>;
  id_token_claims?: Record<string, unknown>;
  has_refresh_token?: boolean;
}

interface AuthCodeCase {
  result: Summary;
  accounts: Array<{ username: string; home_account_id: string; environment: string }>;
  cached_same: boolean;
  cached_calls: number;
  refreshed: Summary;
}

const CLIENT = join(dirname(fileURLToPath(import.meta.url)), 'msal-python', 'client.py');
const REDIRECT = 'http://localhost/callback';

describe('MSAL for Python against the lab over HTTPS on loopback', () => {
  let lab: Lab;
  let clientFetch: LabFetch;
  const results: Record<string, CaseResult> = {};
  let calls: string[] = [];

  beforeAll(async () => {
    lab = await createLab({
      mode: 'loopback',
      scenario: withMfaUser(),
      tls: { dir: mkdtempSync(join(tmpdir(), 'hma-lab-tls-')) },
      frontDoor: { port: 0 },
    });
    clientFetch = lab.fetchAs('client');
    const key = lab.keys.testClient;
    const settings = {
      frontDoorPort: Number(new URL(lab.frontDoor!).port),
      caPath: lab.ca!.path,
      tenantId: lab.scenario.tenant.id,
      webApp: WELL_KNOWN_APPS.labWebApp,
      webSecret: LAB_WEB_APP_SECRET,
      outlookApp: WELL_KNOWN_APPS.outlookMobile,
      exoApp: WELL_KNOWN_APPS.exchangeOnline,
      exoSecret: EXO_CLIENT_SECRET,
      redirectUri: REDIRECT,
      certificateKeyPem: key.privateKey.export({ format: 'pem', type: 'pkcs8' }),
      certificateSha1Hex: createHash('sha1')
        .update(Buffer.from(key.certificateBase64, 'base64'))
        .digest('hex'),
    };
    await runClient(settings);
  }, 60_000);
  afterAll(() => lab?.close());

  /** Runs client.py to the end, answering what it asks of a person at a browser. */
  async function runClient(settings: object): Promise<void> {
    const child = spawn('/usr/bin/python3', [CLIENT], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdin.write(`${JSON.stringify(settings)}\n`);
    for await (const line of createInterface({ input: child.stdout })) {
      const message = JSON.parse(line) as {
        ask?: {
          signIn?: string;
          redirectUri?: string;
          approve?: { verification_uri: string; user_code: string };
        };
        case?: string;
        result?: CaseResult;
        calls?: string[];
      };
      if (message.case) results[message.case] = message.result!;
      if (message.calls) calls = message.calls;
      if (message.ask?.signIn) {
        const reached = await signInToRedirect(clientFetch, message.ask.signIn, {
          upn: 'dave@fabrikam.com',
          redirectUri: message.ask.redirectUri!,
        });
        const query = Object.fromEntries(reached.searchParams);
        child.stdin.write(`${JSON.stringify({ query })}\n`);
      }
      if (message.ask?.approve) {
        const { verification_uri, user_code } = message.ask.approve;
        await approveDeviceCode(clientFetch, verification_uri, user_code);
        child.stdin.write('{}\n');
      }
    }
    const code = await exited;
    if (code !== 0) throw new Error(`client.py exited ${code}: ${stderr}`);
  }

  /** A case's answer; a Python exception fails the test with its traceback. */
  function ok<T = Summary>(name: string): T {
    const result = results[name];
    if (!result) throw new Error(`case ${name} did not run`);
    if (result.exception) throw new Error(`${result.exception}\n${result.trace}`);
    return result.ok as T;
  }

  const tid = () => lab.scenario.tenant.id;

  it("discovers the tenant from the lab's OpenID metadata", () => {
    expect(ok<Record<string, string>>('discovery')).toEqual({
      authorization_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/authorize`,
      token_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/token`,
      device_authorization_endpoint: `https://login.microsoftonline.com/${tid()}/oauth2/v2.0/devicecode`,
      tenant: tid(),
    });
    expect(calls).toContain(
      `GET https://login.microsoftonline.com/${tid()}/v2.0/.well-known/openid-configuration`,
    );
  });

  it('client credentials with a secret', () => {
    expect(ok('client_secret')).toMatchObject({
      access_claims: {
        aud: 'https://graph.microsoft.com',
        appid: WELL_KNOWN_APPS.labWebApp,
        appidacr: '1',
      },
    });
  });

  it('client credentials with a certificate (RS256, x5t as padded base64url)', () => {
    expect(ok('client_certificate')).toMatchObject({ access_claims: { appidacr: '2' } });
  });

  it('authorization code with PKCE, state and nonce; its cache; a refresh', () => {
    const result = ok<AuthCodeCase>('auth_code');
    const dave = lab.scenario.users.find((u) => u.upn === 'dave@fabrikam.com')!;
    // MSAL checked the ID token's issuer against the discovered one, its audience and nonce.
    expect(result.result.id_token_claims).toMatchObject({
      iss: `https://login.microsoftonline.com/${tid()}/v2.0`,
      aud: WELL_KNOWN_APPS.labWebApp,
      oid: dave.objectId,
      ver: '2.0',
    });
    expect(result.accounts).toEqual([
      {
        username: 'dave@fabrikam.com',
        home_account_id: `${dave.objectId}.${tid()}`,
        environment: 'login.microsoftonline.com',
      },
    ]);
    expect(result).toMatchObject({ cached_same: true, cached_calls: 0 });
    expect(result.refreshed.access_token).not.toBe(result.result.access_token);
    expect(result.refreshed.has_refresh_token).toBe(true);
  });

  it('a password sign-in (ROPC), then on-behalf-of as Exchange Online does at step 17', () => {
    const { at1, at2 } = ok<Record<'at1' | 'at2', Summary>>('password_then_obo');
    expect(at1.access_claims).toMatchObject({
      aud: 'https://outlook.office.com',
      appid: WELL_KNOWN_APPS.outlookMobile,
      upn: 'dave@fabrikam.com',
    });
    expect(at2.access_claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
      upn: 'dave@fabrikam.com',
    });
    expect(at2.scope).toContain('https://mail.contoso.com/.default');
    expect(calls).toContain(
      'GET https://login.microsoftonline.com/common/userrealm/dave@fabrikam.com',
    );
  });

  it('errors in the shape MSAL hands to the application', () => {
    const errors = ok<Record<string, Summary>>('password_errors');
    expect(errors.wrong_password).toMatchObject({ error: 'invalid_grant', error_codes: [50126] });
    expect(errors.mfa_required).toMatchObject({
      error: 'invalid_grant',
      error_codes: [50076],
      suberror: 'basic_action',
    });
    expect(JSON.parse(errors.mfa_required!.claims!)).toMatchObject({
      access_token: { capolids: { essential: true } },
    });
    expect(errors.unknown_user).toMatchObject({ error: 'invalid_grant', error_codes: [50034] });
  });

  it('device code, approved at the lab pages while MSAL polls', () => {
    expect(ok('device_code').access_claims).toMatchObject({
      aud: 'https://outlook.office.com',
      upn: 'dave@fabrikam.com',
    });
  });

  it('every request went to the lab over HTTPS, by the real host names', () => {
    expect(calls.length).toBeGreaterThan(10);
    expect(
      calls.filter((c) => !/^(GET|POST) https:\/\/login\.microsoftonline\.com\//.test(c)),
    ).toEqual([]);
  });
});
