import { signJwt, epochSeconds } from '@hma-lab/core';
import { basic, createLab, EAS_URL } from './helpers.js';

const TENANT = '3f7a9d1e-2b4c-4e8a-9c6d-5a1b7e2f4c80';
const BEARER =
  'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", ' +
  `trusted_issuers="00000001-0000-0000-c000-000000000000@${TENANT}", ` +
  'token_types="app_asserted_user_v1 service_asserted_app_v1", ' +
  'authorization_uri="https://login.windows.net/common/oauth2/authorize"';

function challenges(res: Response): string[] {
  // undici joins repeated headers with ", "; split on the scheme boundaries.
  const raw = res.headers.get('www-authenticate') ?? '';
  return raw.split(/, (?=Bearer |Basic )/);
}

describe('ActiveSync authentication (Exchange HMA behaviour)', () => {
  it.each(['GET', 'OPTIONS', 'POST'])(
    'answers an empty Bearer %s with the 401 challenge (step 5)',
    async (method) => {
      const lab = createLab();
      const res = await lab.ctx.fetchFor('autodetect')(EAS_URL, {
        method,
        headers: { Authorization: 'Bearer', Accept: 'application/json' },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-length')).toBe('0');
      expect(res.headers.get('server')).toBe('Microsoft-IIS/10.0');
      expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-feserver')).toBe('EX19');
      expect(challenges(res)).toEqual([BEARER, 'Basic realm="mail.contoso.com"']);
      expect(res.headers.get('x-ms-diagnostics')).toBeNull();
    },
  );

  it('answers no Authorization header the same way', async () => {
    const lab = createLab();
    const res = await lab.fetch(EAS_URL);
    expect(res.status).toBe(401);
    expect(challenges(res)).toEqual([BEARER, 'Basic realm="mail.contoso.com"']);
  });

  it.each(['application/json', 'application/x-www-form-urlencoded'])(
    'challenges first whatever the body claims to be (Content-Type %s, a body that is no such thing)',
    async (type) => {
      const lab = createLab();
      const res = await lab.fetch(
        `${EAS_URL}?Cmd=FolderSync&User=alice&DeviceId=X1&DeviceType=Phone`,
        {
          method: 'POST',
          headers: { 'Content-Type': type, Authorization: 'Bearer not-a-token' },
          body: '{',
        },
      );
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ms-diagnostics')).toMatch(/^2000001;/);
      expect(challenges(res)).toEqual([
        `${BEARER}, error="invalid_token"`,
        'Basic realm="mail.contoso.com"',
      ]);
    },
  );

  it('reads a WBXML body labelled as JSON as WBXML once authenticated', async () => {
    const lab = createLab();
    const client = lab.client({
      fetch: (url, init) =>
        lab.fetch(url, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            'Content-Type': 'application/json',
          },
        }),
    });
    await client.provision();
    const { folders } = await client.folderSync();
    expect(folders.some((f) => f.type === 2)).toBe(true);
  });

  it('leaves out authorization_uri when HMA is off (EvoSTS not the default endpoint)', async () => {
    const lab = createLab({
      scenario: (s) => {
        s.exchange.onprem.hma = {
          enabled: false,
          authorizationUri: 'https://login.windows.net/common/oauth2/authorize',
        };
      },
    });
    const res = await lab.fetch(EAS_URL, { headers: { Authorization: 'Bearer' } });
    expect(res.status).toBe(401);
    const [bearer] = challenges(res);
    expect(bearer).toContain('client_id="00000002-0000-0ff1-ce00-000000000000"');
    expect(bearer).not.toContain('authorization_uri');
  });

  it('leaves out the Basic challenge when Basic is disabled on the virtual directory', async () => {
    const lab = createLab({ scenario: (s) => void (s.exchange.onprem.basicAuth = false) });
    const res = await lab.fetch(EAS_URL, { headers: { Authorization: 'Bearer' } });
    expect(challenges(res)).toEqual([BEARER]);
    const basicTry = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: basic('alice@contoso.com', 'Passw0rd!') },
    });
    expect(basicTry.status).toBe(401);
    expect(challenges(basicTry)).toEqual([BEARER]);
  });

  it('accepts AT2 (aud https://mail.contoso.com) and answers OPTIONS', async () => {
    const lab = createLab();
    const res = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ms-asprotocolversions')).toBe('2.5,12.0,12.1,14.0,14.1,16.0,16.1');
  });

  describe('rejected tokens: 401, error="invalid_token" and x-ms-diagnostics', () => {
    async function reject(lab: ReturnType<typeof createLab>, token: string) {
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(401);
      const [bearer, basicChallenge] = challenges(res);
      expect(bearer).toBe(`${BEARER}, error="invalid_token"`);
      expect(basicChallenge).toBe('Basic realm="mail.contoso.com"');
      return res.headers.get('x-ms-diagnostics');
    }

    it('2000001 for a token that cannot be parsed', async () => {
      const lab = createLab();
      expect(await reject(lab, 'not-a-jwt')).toBe(
        '2000001;reason="OAuth token submitted with the request cannot be parsed.";error_category="invalid_token"',
      );
    });

    it('2000000 for a bad signature', async () => {
      const lab = createLab();
      const good = lab.token('alice@contoso.com');
      const [h, p] = good.split('.');
      const forged = `${h}.${p}.${Buffer.from('forged-signature').toString('base64url')}`;
      expect(await reject(lab, forged)).toBe(
        '2000000;reason="The token has an invalid signature.";error_category="invalid_signature"',
      );
    });

    it('2000000 for a token signed by a key Entra does not publish', async () => {
      const lab = createLab();
      const foreign = lab.token('alice@contoso.com', {}, lab.ctx.keys.adfs);
      expect(await reject(lab, foreign)).toMatch(/^2000000;/);
    });

    it('2000003 with Expected/Actual for an http:// audience (HMA-DOC)', async () => {
      const lab = createLab();
      const token = lab.token('alice@contoso.com', { aud: 'http://mail.contoso.com' });
      expect(await reject(lab, token)).toBe(
        '2000003;reason="The hostname component of the audience claim value is invalid. Expected \'http://mail.contoso.com\'. Actual \'https://mail.contoso.com\'.";error_category="invalid_resource"',
      );
    });

    it('2000003 for AT1 (aud Exchange Online) presented on-prem', async () => {
      const lab = createLab();
      const at1 = lab.token('alice@contoso.com', { aud: 'https://outlook.office365.com' });
      expect(await reject(lab, at1)).toMatch(
        /^2000003;reason="The hostname component of the audience claim value is invalid\. Expected 'https:\/\/outlook\.office365\.com'\. Actual 'https:\/\/mail\.contoso\.com'\.";error_category="invalid_resource"$/,
      );
    });

    it('2000003 for an audience that is not a URL', async () => {
      const lab = createLab();
      const token = lab.token('alice@contoso.com', { aud: '00000002-0000-0ff1-ce00-000000000000' });
      expect(await reject(lab, token)).toBe(
        '2000003;reason="The audience claim value is invalid \'00000002-0000-0ff1-ce00-000000000000\'.";error_category="invalid_resource"',
      );
    });

    it('2000004 for another tenant', async () => {
      const lab = createLab();
      const other = '11111111-2222-3333-4444-555555555555';
      const token = lab.token('alice@contoso.com', {
        tid: other,
        iss: `https://sts.windows.net/${other}/`,
      });
      expect(await reject(lab, token)).toBe(
        `2000004;reason="The tenant for tenant guid '${other}' does not exist.";error_category="invalid_tenant"`,
      );
    });

    it('2000004 for an issuer that is not the trusted EvoSTS issuer', async () => {
      const lab = createLab();
      const token = lab.token('alice@contoso.com', {
        iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      });
      expect(await reject(lab, token)).toMatch(/^2000004;reason="The issuer/);
    });

    it('2000005 for a user the directory does not know', async () => {
      const lab = createLab();
      const token = lab.token('ghost@contoso.com', { oid: '99999999-0000-0000-0000-000000000000' });
      expect(await reject(lab, token)).toBe(
        '2000005;reason="The user specified by the user-context in the token does not exist.";error_category="invalid_user"',
      );
    });

    it('2000002 (configurable) for an expired token, checked on the lab clock', async () => {
      const lab = createLab();
      const token = lab.token('alice@contoso.com');
      const ok = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(ok.status).toBe(200);
      await lab.ctx.clock.advance('1h6m'); // past exp + 5 minutes of skew
      expect(await reject(lab, token)).toMatch(
        /^2000002;reason="The token has expired\. Token lifetime: '2026-01-05T09:00:00\.000Z' to '2026-01-05T10:00:00\.000Z'\. Current time: '2026-01-05T10:06:00\.000Z'\.";error_category="invalid_token"$/,
      );
    });

    it('uses the configured expired-token diagnostics', async () => {
      const lab = createLab({
        config: {
          expiredToken: { code: '2000009', reason: 'expired at {exp}', category: 'invalid_token' },
        },
      });
      const now = epochSeconds(lab.ctx.clock);
      const token = lab.token('alice@contoso.com', {
        nbf: now - 7200,
        iat: now - 7200,
        exp: now - 3600,
      });
      expect(await reject(lab, token)).toBe(
        '2000009;reason="expired at 2026-01-05T08:00:00.000Z";error_category="invalid_token"',
      );
    });

    it('refuses a token that is not yet valid (nbf beyond the skew)', async () => {
      const lab = createLab();
      const now = epochSeconds(lab.ctx.clock);
      const token = lab.token('alice@contoso.com', { nbf: now + 3600, exp: now + 7200 });
      expect(await reject(lab, token)).toMatch(/^2000002;/);
    });

    it('2000008 when a required scope is configured and missing', async () => {
      const lab = createLab({ config: { requiredScope: 'EAS.AccessAsUser.All' } });
      const token = lab.token('alice@contoso.com', { scp: 'Mail.Read' });
      expect(await reject(lab, token)).toBe(
        '2000008;reason="The token should have valid permissions or linked account associated with partner application \'00000002-0000-0ff1-ce00-000000000000\'.";error_category="invalid_grant"',
      );
      const ok = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
      });
      expect(ok.status).toBe(200);
    });

    it('refuses OAuth for the Exchange 2010 mailbox; Basic still works for it', async () => {
      const lab = createLab();
      const diagnostics = await reject(lab, lab.token('carol@contoso.com'));
      expect(diagnostics).toBe(
        '2000005;reason="The user specified by the user-context in the token has a mailbox on Exchange 2010, which does not support OAuth.";error_category="invalid_user"',
      );
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: basic('carol@contoso.com', 'Passw0rd!') },
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('ms-server-activesync')).toBe('14.3');
      expect(res.headers.get('ms-asprotocolversions')).toBe('2.5,12.0,12.1,14.0,14.1');
    });
  });

  describe('SSL offload (Exchange sees http://)', () => {
    it('refuses AT2 with the HMA-DOC text and accepts an http:// audience', async () => {
      const lab = createLab({ scenario: (s) => void (s.exchange.onprem.sslOffload = true) });
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ms-diagnostics')).toBe(
        '2000003;reason="The hostname component of the audience claim value is invalid. Expected \'https://mail.contoso.com\'. Actual \'http://mail.contoso.com\'.";error_category="invalid_resource"',
      );
      const http = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: {
          Authorization: `Bearer ${lab.token('alice@contoso.com', { aud: 'http://mail.contoso.com' })}`,
        },
      });
      expect(http.status).toBe(200);
    });
  });

  describe('JWKS', () => {
    it('fetches Entra keys once and verifies a repeated token from cache', async () => {
      const lab = createLab();
      const token = lab.token('alice@contoso.com');
      for (let i = 0; i < 5; i++) {
        const res = await lab.fetch(EAS_URL, {
          method: 'OPTIONS',
          headers: { Authorization: `Bearer ${token}` },
        });
        expect(res.status).toBe(200);
      }
      const other = lab.token('dave@fabrikam.com');
      expect(
        (
          await lab.fetch(EAS_URL, {
            method: 'OPTIONS',
            headers: { Authorization: `Bearer ${other}` },
          })
        ).status,
      ).toBe(200);
      expect(lab.jwksHits()).toBe(1);
    });

    it('refetches once when a token names a new key (rotation at Entra)', async () => {
      const lab = createLab();
      const before = lab.token('alice@contoso.com');
      expect(
        (
          await lab.fetch(EAS_URL, {
            method: 'OPTIONS',
            headers: { Authorization: `Bearer ${before}` },
          })
        ).status,
      ).toBe(200);
      lab.ctx.keys.entra.rotate();
      lab.ctx.keys.entra.rotate(); // the third key was not published at the first fetch
      const after = lab.token('alice@contoso.com');
      expect(
        (
          await lab.fetch(EAS_URL, {
            method: 'OPTIONS',
            headers: { Authorization: `Bearer ${after}` },
          })
        ).status,
      ).toBe(200);
      expect(lab.jwksHits()).toBe(2);
      // A kid Entra never publishes triggers one refetch, not one per request.
      const foreign = lab.token('alice@contoso.com', {}, lab.ctx.keys.testClient);
      for (let i = 0; i < 3; i++) {
        const res = await lab.fetch(EAS_URL, {
          method: 'OPTIONS',
          headers: { Authorization: `Bearer ${foreign}` },
        });
        expect(res.status).toBe(401);
      }
      expect(lab.jwksHits()).toBe(3);
    });

    it('refuses tokens with 2000000 when Entra cannot be reached', async () => {
      const lab = createLab();
      lab.ctx.mount('entra', (_req, res) => {
        res.statusCode = 500;
        res.end();
      });
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
      });
      expect(res.status).toBe(401);
      expect(res.headers.get('x-ms-diagnostics')).toMatch(
        /^2000000;reason="The token has an invalid signature\. The signing keys/,
      );
    });
  });

  describe('Basic', () => {
    it('accepts the directory password by UPN and by DOMAIN\\account', async () => {
      const lab = createLab();
      for (const name of ['alice@contoso.com', 'CONTOSO\\alice']) {
        const res = await lab.fetch(EAS_URL, {
          method: 'OPTIONS',
          headers: { Authorization: basic(name, 'Passw0rd!') },
        });
        expect(res.status).toBe(200);
      }
    });

    it('refuses a wrong password with both challenges', async () => {
      const lab = createLab();
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: basic('alice@contoso.com', 'nope') },
      });
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual([BEARER, 'Basic realm="mail.contoso.com"']);
    });

    it('refuses Basic under BlockLegacyAuthActiveSync (org default) with the Bearer challenge only', async () => {
      const lab = createLab({
        scenario: (s) => {
          s.exchange.onprem.authenticationPolicies = [
            { name: 'Block Legacy Auth', blockLegacyAuthActiveSync: true },
          ];
          s.exchange.onprem.defaultAuthenticationPolicy = 'Block Legacy Auth';
        },
      });
      const res = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: basic('alice@contoso.com', 'Passw0rd!') },
      });
      expect(res.status).toBe(401);
      expect(challenges(res)).toEqual([BEARER]);
      // OAuth is unaffected.
      const bearer = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
      });
      expect(bearer.status).toBe(200);
    });

    it('applies a per-user policy only to that user, and the configured answer', async () => {
      const lab = createLab({
        scenario: (s) => {
          s.exchange.onprem.authenticationPolicies = [
            { name: 'No Basic', blockLegacyAuthActiveSync: true },
          ];
          s.users.find((u) => u.upn === 'dave@fabrikam.com')!.authenticationPolicy = 'No Basic';
        },
        config: { blockedBasic: 'forbidden' },
      });
      const dave = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: basic('dave@fabrikam.com', 'Passw0rd!') },
      });
      expect(dave.status).toBe(403);
      const alice = await lab.fetch(EAS_URL, {
        method: 'OPTIONS',
        headers: { Authorization: basic('alice@contoso.com', 'Passw0rd!') },
      });
      expect(alice.status).toBe(200);
    });
  });

  it('answers 451 with X-MS-Location for a mailbox in Exchange Online', async () => {
    const lab = createLab();
    const client = lab.client({ upn: 'bob@contoso.com' });
    await expect(client.folderSync()).rejects.toMatchObject({ status: 451 });
    const res = await lab.fetch(`${EAS_URL}?Cmd=FolderSync&DeviceId=d1&DeviceType=OutlookService`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${lab.token('bob@contoso.com')}`,
        'MS-ASProtocolVersion': '14.1',
      },
    });
    expect(res.status).toBe(451);
    expect(res.headers.get('x-ms-location')).toBe(
      'https://outlook.office365.com/Microsoft-Server-ActiveSync',
    );
  });

  it('answers 503 with Retry-After while the eas-503 fault is on', async () => {
    const lab = createLab();
    lab.ctx.faults.on('eas-503', { retryAfterS: 120 });
    const res = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('120');
    lab.ctx.faults.off('eas-503');
    const ok = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(ok.status).toBe(200);
  });

  it('answers an authenticated GET with 501, like Exchange in a browser', async () => {
    const lab = createLab();
    const res = await lab.fetch(EAS_URL, {
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(res.status).toBe(501);
  });

  it('records the rejection in the trace', async () => {
    const lab = createLab();
    await lab.fetch(EAS_URL, { headers: { Authorization: 'Bearer not-a-jwt' } });
    const events = lab.ctx.trace.entries().filter((e) => e.kind === 'event');
    expect(events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          action: 'onprem.eas.auth.rejected',
          data: expect.objectContaining({ diagnostics: '2000001' }),
        }),
      ]),
    );
  });

  it('never lets a bad signature through even after the same payload was accepted', async () => {
    const lab = createLab();
    const good = lab.token('alice@contoso.com');
    await lab.fetch(EAS_URL, { method: 'OPTIONS', headers: { Authorization: `Bearer ${good}` } });
    const evil = signJwt(
      lab.ctx.keys.testClient,
      JSON.parse(Buffer.from(good.split('.')[1]!, 'base64url').toString()),
      { kid: lab.ctx.keys.entra.active().kid },
    );
    const res = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${evil}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-diagnostics')).toMatch(/^2000000;/);
  });
});

describe('tokens with claims a header cannot quote, or dates no Date holds', () => {
  it.each([
    ['an audience beginning with U+2028', { aud: '\u2028https://mail.contoso.com' }],
    ['an issuer with a line break', { iss: 'https://sts.windows.net/x/\n' }],
    ['a tenant with U+3000', { tid: '\u3000tenant' }],
    ['a not-before no Date holds', { nbf: 1e20 }],
    ['an expiry no Date holds', { exp: -1e20 }],
  ])('%s: the 401 with its challenge and a readable x-ms-diagnostics', async (_, claims) => {
    const lab = createLab();
    const res = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { Authorization: `Bearer ${lab.token('alice@contoso.com', claims)}` },
    });
    expect(res.status).toBe(401);
    expect(challenges(res)[0]).toMatch(/^Bearer /);
    expect(res.headers.get('x-ms-diagnostics')).toMatch(/^\d+;reason="[^"]*";error_category=/);
    expect(lab.ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
