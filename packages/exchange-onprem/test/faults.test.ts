import { faultDefinition } from '@hma-lab/core';
import { createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import { createLab, EAS_URL } from './helpers.js';

// Faults of the catalogue that on-premises Exchange plays (docs/faults.md).
describe('on-premises faults', () => {
  it('missing-authorization-uri: the challenge loses authorization_uri, and gets it back when switched off', async () => {
    const lab = createLab();
    expect(faultDefinition('missing-authorization-uri')?.step).toBe(5);
    const probe = () => lab.fetch(EAS_URL, { headers: { authorization: 'Bearer' } });
    lab.ctx.faults.on('missing-authorization-uri');
    const off = await probe();
    expect(off.status).toBe(401);
    expect(off.headers.get('www-authenticate')).toMatch(/^Bearer client_id=/);
    expect(off.headers.get('www-authenticate')).not.toContain('authorization_uri');
    lab.ctx.faults.off('missing-authorization-uri');
    expect((await probe()).headers.get('www-authenticate')).toContain(
      'authorization_uri="https://login.windows.net/common/oauth2/authorize"',
    );
  });

  it('ssl-offload: an https audience is refused with 2000003 Expected/Actual', async () => {
    const lab = createLab();
    lab.ctx.faults.on('ssl-offload');
    const response = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ms-diagnostics')).toBe(
      '2000003;reason="The hostname component of the audience claim value is invalid. Expected \'https://mail.contoso.com\'. Actual \'http://mail.contoso.com\'.";error_category="invalid_resource"',
    );
  });

  it('preauth-proxy: the Authorization header never reaches Exchange', async () => {
    const lab = createLab();
    lab.ctx.faults.on('preauth-proxy');
    const response = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).not.toContain('invalid_token');
    expect(response.headers.get('x-ms-diagnostics')).toBeNull();
  });

  it('exchange-2010-mailbox: AT2 is refused because the mailbox cannot do OAuth', async () => {
    const lab = createLab();
    lab.ctx.faults.on('exchange-2010-mailbox');
    const response = await lab.fetch(EAS_URL, {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${lab.token('alice@contoso.com')}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ms-diagnostics')).toMatch(/^2000005;.*2010/);
  });

  it('device-blocked and device-quarantined: the sync connection is blocked (129) or quarantined', async () => {
    const blocked = createLab();
    blocked.ctx.faults.on('device-blocked');
    await expect(blocked.client().folderSync()).rejects.toMatchObject({ status: 129 });
    const quarantined = createLab();
    quarantined.ctx.faults.on('device-quarantined');
    const client = quarantined.client();
    await client.provision();
    const { folders } = await client.folderSync();
    const inbox = folders.find((f) => f.type === 2)!;
    const synced = await client.syncAll(inbox.serverId);
    expect(synced.added.length).toBe(1); // only the quarantine notice
  });

  it('autodiscover-redirect-loop: on-prem AutoDiscover sends on-prem users back to Exchange Online', async () => {
    const lab = createLab();
    const autodiscover = createOnpremAutodiscover(lab.ctx.depsFor('onprem-autodiscover'));
    lab.ctx.mount('onprem-autodiscover', autodiscover.app);
    lab.ctx.faults.on('autodiscover-redirect-loop');
    const response = await lab.fetch(
      'https://autodiscover.contoso.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=1',
      { redirect: 'manual' },
    );
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(
      'https://outlook.office365.com/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync&RedirectCount=2',
    );
  });
});
