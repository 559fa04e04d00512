import { createLab } from '@hma-lab/lab';

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
