import {
  builtInScenario,
  contosoScenario,
  createDirectory,
  createVirtualClock,
  parseScenario,
  ScenarioError,
  seedMailbox,
  SEEDED_MAIL_AGES_DAYS,
  WELL_KNOWN_APPS,
} from '@hma-lab/core';

describe('scenario', () => {
  it('the built-in contoso scenario validates with defaults applied', () => {
    const s = builtInScenario('contoso');
    expect(s.tenant.name).toBe('contoso.onmicrosoft.com');
    expect(s.users.map((u) => u.upn)).toEqual([
      'alice@contoso.com',
      'bob@contoso.com',
      'carol@contoso.com',
      'dave@fabrikam.com',
    ]);
    expect(s.tokenLifetimes).toMatchObject({ accessToken: '1h', refreshTokenInactivity: '14d' });
    expect(s.exchange.onprem.hma.enabled).toBe(true);
  });

  it('refuses a bad field with its path and what was expected', () => {
    const bad = structuredClone(contosoScenario) as Record<string, unknown> &
      typeof contosoScenario;
    bad.users[0]!.mfa = { method: 'totp', secret: 'not base32!' };
    try {
      parseScenario(bad, 'bad.yaml');
      throw new Error('expected a ScenarioError');
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      expect((error as ScenarioError).issues[0]).toEqual({
        path: 'users.0.mfa.secret',
        message: 'expected a base32 secret (A-Z, 2-7)',
      });
      expect((error as Error).message).toContain('bad.yaml');
    }
  });

  it('refuses references that do not resolve', () => {
    const bad = structuredClone(contosoScenario);
    bad.users.push({
      ...bad.users[0]!,
      upn: 'eve@unknown.example',
      objectId: 'e7e00000-0000-4000-8000-000000000e7e',
    });
    expect(() => parseScenario(bad)).toThrow(
      /users\.4\.upn: domain unknown\.example is not in "domains"/,
    );
  });

  /** The issues of a changed contoso, as `path: message` lines. */
  function issuesOf(change: (input: typeof contosoScenario) => void): string[] {
    const input = structuredClone(contosoScenario);
    change(input);
    try {
      parseScenario(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      return (error as ScenarioError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  }

  it.each([
    [
      'an on-premises host that is one of Microsoft’s',
      (s: typeof contosoScenario) => {
        s.exchange.onprem.easHost = 'login.microsoftonline.com';
      },
      /^exchange\.onprem: .*login\.microsoftonline\.com is claimed by both entra and onprem-eas/,
    ],
    [
      'a clock start before 1970',
      (s: typeof contosoScenario) => {
        s.clock = { start: '0000-01-01T00:00:00Z' };
      },
      /^clock\.start: must be 1970-01-01T00:00:00Z or later/,
    ],
    [
      'a token lifetime longer than any date can span',
      (s: typeof contosoScenario) => {
        s.tokenLifetimes = { accessToken: `1${'0'.repeat(400)}` };
      },
      /^tokenLifetimes\.accessToken: /,
    ],
    [
      'an authorization URI with a line break',
      (s: typeof contosoScenario) => {
        s.exchange.onprem.hma = {
          enabled: true,
          authorizationUri: 'https://x.example/\r\nX-Evil: 1',
        };
      },
      /^exchange\.onprem\.hma\.authorizationUri: must be an http\(s\) URL/,
    ],
    [
      'an ActiveSync server version a header cannot carry',
      (s: typeof contosoScenario) => {
        s.exchange.onprem.serverVersion = '15.2\r\nX-Evil: 1';
      },
      /^exchange\.onprem\.serverVersion: must be a version such as 15\.2/,
    ],
    [
      'an access token living a second (every AT2 renewed each virtual second)',
      (s: typeof contosoScenario) => {
        s.tokenLifetimes = { accessToken: '1s' };
      },
      /^tokenLifetimes\.accessToken: must be at least 1m/,
    ],
    [
      'a fault parameter that is an object (nested, it broke every answer listing it)',
      (s: typeof contosoScenario) => {
        s.faults = [{ name: 'eas-503', params: { retryAfterS: { deep: { er: 1 } } } }];
      },
      /retryAfterS must be a number, a text or true\/false/,
    ],
    [
      'a fault the catalogue does not have',
      (s: typeof contosoScenario) => {
        s.faults = [{ name: 'no-such-fault' }];
      },
      /^faults\.0\.name: no fault named no-such-fault/,
    ],
    [
      'a fault parameter of the wrong kind',
      (s: typeof contosoScenario) => {
        s.faults = [{ name: 'signing-key-rotation', params: { after: 'bogus' } }];
      },
      /^faults\.0\.params: after must be a duration/,
    ],
    [
      'two users with one objectId',
      (s: typeof contosoScenario) => {
        s.users[1]!.objectId = s.users[0]!.objectId;
      },
      /^users\.1\.objectId: duplicate objectId/,
    ],
    [
      'a domain listed twice',
      (s: typeof contosoScenario) => {
        s.domains.push(structuredClone(s.domains[0]!));
      },
      /^domains\.\d+\.name: duplicate domain contoso\.com/,
    ],
  ])('refuses %s with its path', (_, change, expected) => {
    const issues = issuesOf(change);
    expect(issues.some((line) => expected.test(line))).toBe(true);
  });

  it('refuses an object whose reading throws (a getter) with a ScenarioError', () => {
    const input = structuredClone(contosoScenario) as Record<string, unknown>;
    Object.defineProperty(input, 'users', {
      enumerable: true,
      get() {
        throw new Error('no users today');
      },
    });
    expect(() => parseScenario(input)).toThrow(ScenarioError);
    expect(() => parseScenario(input)).toThrow(/\(root\): cannot be read: no users today/);
  });

  it('seeds mail dated relative to the clock, some beyond four weeks', () => {
    const now = Date.UTC(2026, 5, 1);
    const seed = seedMailbox({ name: 'Alice', email: 'alice@contoso.com' }, now);
    const inbox = seed.folders.find((f) => f.role === 'inbox')!;
    expect(inbox.items).toHaveLength(SEEDED_MAIL_AGES_DAYS.length);
    const ages = inbox.items.map(
      (i) => (now - (i as { receivedMs: number }).receivedMs) / 86_400_000,
    );
    expect(ages.filter((a) => a <= 28).length).toBeGreaterThan(0);
    expect(ages.filter((a) => a > 28).length).toBeGreaterThan(0);
  });
});

describe('directory', () => {
  const make = () => {
    const clock = createVirtualClock({ startMs: Date.UTC(2026, 0, 1) });
    return { clock, directory: createDirectory(builtInScenario('contoso'), clock) };
  };

  it('resolves resources by app id, identifier URI and SPN', () => {
    const { directory } = make();
    for (const id of [
      'https://outlook.office365.com/',
      'https://MAIL.contoso.com',
      WELL_KNOWN_APPS.exchangeOnline,
    ]) {
      expect(directory.resource(id)?.appId).toBe(WELL_KNOWN_APPS.exchangeOnline);
    }
    expect(directory.resource('https://mail.fabrikam.com')).toBeUndefined();
  });

  it('a password change voids earlier grants and is announced', async () => {
    const { clock, directory } = make();
    const changes: string[] = [];
    directory.onChange((c) => changes.push(`${c.type}:${c.upn}`));
    expect(directory.checkPassword('alice@contoso.com', 'Passw0rd!')).toBe(true);
    await clock.advance('1h');
    directory.changePassword('ALICE@contoso.com', 'N3w-Passw0rd!');
    expect(directory.checkPassword('alice@contoso.com', 'Passw0rd!')).toBe(false);
    expect(directory.grantsValidAfter('alice@contoso.com')).toBe(clock.now());
    expect(directory.grantsVoidReason('alice@contoso.com')).toBe('password-changed');
    expect(changes).toEqual(['password-changed:alice@contoso.com']);
  });

  it('two directories of the same scenario do not share state', () => {
    const a = make().directory;
    const b = make().directory;
    a.setDisabled('bob@contoso.com', true);
    expect(a.isDisabled('bob@contoso.com')).toBe(true);
    expect(b.isDisabled('bob@contoso.com')).toBe(false);
  });
});
