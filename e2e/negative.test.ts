import { stepSequence } from '@hma-lab/core';
import { createLab, type Lab } from '@hma-lab/lab';
import type { FlowResult } from '@hma-lab/outlook-mobile';
import { exchangesOf, header } from './helpers.js';

describe('negative paths of flow A', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ mode: 'loopback' });
  });
  afterAll(() => lab?.close());

  it('AT1 sent straight to on-prem ActiveSync is refused with x-ms-diagnostics 2000003', async () => {
    const run = await lab.runFlow('alice@contoso.com');
    expect(run.ok).toBe(true);
    const at1 = (run.result as FlowResult).tokens.accessToken;
    const response = await lab.fetch('https://mail.contoso.com/Microsoft-Server-ActiveSync', {
      method: 'OPTIONS',
      headers: { authorization: `Bearer ${at1}` },
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('x-ms-diagnostics')).toMatch(
      /^2000003;reason="[^"]+";error_category="invalid_resource"$/,
    );
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('a wrong password shows the sign-in error and no code is issued', async () => {
    const phone = lab.device();
    const runId = 'wrong-password';
    await expect(
      phone.connect({ email: 'dave@fabrikam.com', password: 'not-the-password' }, { runId }),
    ).rejects.toMatchObject({ name: 'DeviceFlowError', step: 7, reason: 'password-refused' });
    const entries = lab.trace.exchanges({ runId });
    const refused = entries.filter(
      (e) => e.to === 'entra' && e.method === 'POST' && /\/login$/.test(new URL(e.url).pathname),
    );
    expect(refused.at(-1)!.status).toBe(200);
    expect(refused.at(-1)!.responseBody?.text).toMatch(/AADSTS50126|password is incorrect/i);
    const codes = entries.flatMap((e) => e.tokens).filter((t) => t.name === 'code');
    expect(codes).toEqual([]);
    expect(entries.some((e) => /\/oauth2\/token$/.test(new URL(e.url).pathname))).toBe(false);
  });

  it('dave@fabrikam.com (managed domain) signs in without steps 8 to 11', async () => {
    // AutoDetect keeps answers for a while, as the real service does; dave was looked up above.
    lab.service<{ clearCache(): void }>('autodetect').clearCache();
    const run = await lab.runFlow('dave@fabrikam.com');
    expect(run.error).toBeUndefined();
    const sequence = stepSequence(run.steps);
    for (const skipped of [8, 9, 10, 11]) expect(sequence).not.toContain(skipped);
    expect(sequence).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5, 6, 7, 12, 15, 16, 17, 18, 19, 20]),
    );
    expect(
      run.entries.some((e) => e.kind === 'exchange' && (e.to === 'wap' || e.to === 'adfs')),
    ).toBe(false);
    const [at2] = exchangesOf(run.steps, 17);
    expect(at2!.tokens.find((t) => t.name === 'access_token')?.claims?.aud).toBe(
      'https://mail.contoso.com',
    );
    expect(header(exchangesOf(run.steps, 3, 'response')[0]!, 'location')).toContain(
      'autodiscover.fabrikam.com',
    );
  });
});
