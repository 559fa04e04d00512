import { createLab, parseServiceOptions, ServiceOptionsError } from '@hma-lab/lab';

/** createLab's `services`: each party's own options reach its factory. */
describe('createLab({ services })', () => {
  const issuerOf = async (lab: Awaited<ReturnType<typeof createLab>>) => {
    const response = await lab.fetch(
      'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
    );
    return ((await response.json()) as { issuer: string }).issuer;
  };

  it("passes Entra's options (the real multi-tenant issuer template)", async () => {
    const plain = await createLab();
    const template = await createLab({ services: { entra: { multiTenantIssuer: 'template' } } });
    try {
      expect(await issuerOf(plain)).toBe(
        `https://login.microsoftonline.com/${plain.scenario.tenant.id}/v2.0`,
      );
      expect(await issuerOf(template)).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
    } finally {
      await plain.close();
      await template.close();
    }
  });

  it("passes Exchange Online's sync mode: push holds a Ping on-premises after the flow", async () => {
    const lab = await createLab({ services: { exo: { syncMode: 'push', pingHeartbeat: '10m' } } });
    try {
      expect((await lab.runFlow('alice@contoso.com')).ok).toBe(true);
      await lab.clock.advance(0);
      const onprem = lab.service<{ waitingRequests(): number }>('onprem-eas');
      expect(onprem.waitingRequests()).toBe(1);
    } finally {
      await lab.close();
    }
  });

  it("passes on-premises ActiveSync's options (its Server header)", async () => {
    const lab = await createLab({ services: { 'onprem-eas': { serverHeader: 'Lab-IIS/1.0' } } });
    try {
      const response = await lab.fetch('https://mail.contoso.com/Microsoft-Server-ActiveSync', {
        method: 'OPTIONS',
      });
      expect(response.headers.get('server')).toBe('Lab-IIS/1.0');
    } finally {
      await lab.close();
    }
  });
});

/** Every party and option is checked before the lab starts (a typo was silently ignored). */
describe('service options are checked', () => {
  const problems = (input: unknown): string[] => {
    try {
      parseServiceOptions(input);
    } catch (error) {
      expect(error).toBeInstanceOf(ServiceOptionsError);
      return (error as ServiceOptionsError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };

  it('accepts the options each package documents, durations as text or milliseconds', () => {
    const options = {
      entra: { clockSkew: '2m', deviceCodeIntervalS: 1, clientClock: 'lab' },
      adfs: { loopDetection: false, tokenLifetimeMs: 600_000 },
      'onprem-eas': { ping: { minHeartbeatS: 60, maxHeartbeatS: 3540, maxFolders: 300 } },
      exo: { syncInterval: '30m', clockSkew: 300_000 },
      'outlook-service': { activeSyncUrl: 'https://mail.contoso.com/Microsoft-Server-ActiveSync' },
    };
    expect(parseServiceOptions(options)).toEqual(options);
    expect(problems({})).toEqual([]);
  });

  it('names an unknown service, an unknown option (with the known ones) and the scenario-only one', () => {
    expect(problems({ nosuch: {} })).toEqual([
      'nosuch: no such service (services: entra, wap, adfs, onprem-autodiscover, onprem-eas, exo, autodetect, outlook-service)',
    ]);
    const [typo] = problems({ entra: { clockSkw: '5m' } });
    expect(typo).toMatch(
      /^entra\.clockSkw: no such option \(options: multiTenantIssuer, .*clockSkew.*\)$/,
    );
    expect(problems({ 'onprem-eas': { onprem: {} } })).toEqual([
      'onprem-eas.onprem: set by the scenario (exchange.onprem), not here',
    ]);
  });

  it('names every value of the wrong kind, with its path', () => {
    expect(
      problems({
        entra: { clockSkew: 5, multiTenantIssuer: 'templat' },
        adfs: { loopDetection: 'off' },
        'onprem-eas': { ping: { maxFolders: 3 }, oversizeStatus: 500 },
        exo: { syncInterval: 'soon' },
        autodetect: { maxRedirects: -1 },
      }).map((problem) => problem.split(':')[0]),
    ).toEqual([
      'entra.multiTenantIssuer',
      'entra.clockSkew',
      'adfs.loopDetection',
      'onprem-eas.oversizeStatus',
      'onprem-eas.ping.minHeartbeatS',
      'onprem-eas.ping.maxHeartbeatS',
      'exo.syncInterval',
      'autodetect.maxRedirects',
    ]);
    expect(problems({ exo: { syncInterval: 'soon' } })).toEqual([
      'exo.syncInterval: expected a duration such as 90s, 15m, 1h or 14d',
    ]);
    expect(problems('entra')).toHaveLength(1);
    expect(problems({ exo: { syncMode: 'ping', pingHeartbeat: '2h' } })).toEqual([
      'exo.syncMode: Invalid option: expected one of "push"|"poll"',
      'exo.pingHeartbeat: expected whole seconds from 1m to 59m',
    ]);
    expect(problems({ exo: { syncMode: 'push', pingHeartbeat: '59m' } })).toEqual([]);
  });

  it("checks ValidateCert's trust: each root must be a PEM certificate, each serial hex; left-out fields keep their defaults", () => {
    expect(
      problems({
        'onprem-eas': { validateCert: { trustedCertificates: ['not a certificate'] } },
        exo: { validateCert: { revokedSerialNumbers: ['zz'], systemRoots: 'yes' } },
      }),
    ).toEqual([
      'onprem-eas.validateCert.trustedCertificates.0: expected one X.509 certificate in PEM',
      'exo.validateCert.systemRoots: Invalid input: expected boolean, received string',
      'exo.validateCert.revokedSerialNumbers.0: expected a serial number in hex (colons allowed)',
    ]);
    expect(
      parseServiceOptions({ exo: { validateCert: { revokedSerialNumbers: ['0A:1B'] } } }),
    ).toEqual({
      exo: {
        validateCert: {
          systemRoots: true,
          trustedCertificates: [],
          revokedSerialNumbers: ['0A:1B'],
        },
      },
    });
  });

  it('createLab refuses them before any party starts', async () => {
    await expect(createLab({ services: { entra: { clockSkw: '5m' } } as never })).rejects.toThrow(
      /invalid service options:\n {2}- entra\.clockSkw: no such option/,
    );
  });
});
