import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateCa } from '@hma-lab/lab';

describe('the local CA of hma-lab up', () => {
  it('is made once, reused from its folder, and issues new host certificates after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hma-lab-ca-'));
    const first = await loadOrCreateCa(dir);
    const login = await first.certificateFor(['login.microsoftonline.com']);

    // A second start reads the saved CA and certificate (node-forge is not even loaded for that).
    const again = await loadOrCreateCa(dir);
    expect(again.caPem).toBe(first.caPem);
    expect((await again.certificateFor(['login.microsoftonline.com'])).cert).toBe(login.cert);

    // A host it has not seen yet gets a certificate signed by the same CA.
    const fresh = await again.certificateFor(['mail.contoso.com', 'autodiscover.contoso.com']);
    const ca = new X509Certificate(again.caPem);
    const cert = new X509Certificate(fresh.cert);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toContain('DNS:autodiscover.contoso.com');
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
  });
});
