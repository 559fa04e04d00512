import net from 'node:net';
import { createLab, type Lab } from '@hma-lab/lab';
import { restoreNockAfterAll } from './helpers.js';

restoreNockAfterAll();

// Code with hard-coded Microsoft URLs, run unchanged inside jest: the lab's nock
// mode intercepts the real host names and answers from in-process services.
describe('nock mode', () => {
  let lab: Lab;
  let connects = 0;
  const original = net.Socket.prototype.connect;

  beforeAll(async () => {
    lab = await createLab({ mode: 'nock' });
    net.Socket.prototype.connect = function countingConnect(this: net.Socket, ...args: unknown[]) {
      connects++;
      return (original as (...a: unknown[]) => net.Socket).apply(this, args);
    } as typeof original;
  });
  afterAll(async () => {
    net.Socket.prototype.connect = original;
    await lab?.close();
  });

  it("a plain fetch to login.microsoftonline.com returns the lab's metadata, and no socket is opened", async () => {
    const response = await fetch(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration',
    );
    expect(response.status).toBe(200);
    const metadata = (await response.json()) as { issuer: string; token_endpoint: string };
    expect(metadata.issuer).toBe(
      `https://login.microsoftonline.com/${lab.scenario.tenant.id}/v2.0`,
    );
    expect(metadata.token_endpoint).toMatch(
      /^https:\/\/login\.microsoftonline\.com\/.+\/oauth2\/v2\.0\/token$/,
    );
    // ActiveSync's challenge answers the same way, to plain fetch.
    const challenge = await fetch('https://mail.contoso.com/Microsoft-Server-ActiveSync', {
      headers: { authorization: 'Bearer' },
    });
    expect(challenge.status).toBe(401);
    expect(challenge.headers.get('www-authenticate')).toContain('authorization_uri=');
    expect(connects).toBe(0);
  });
});

describe('nock mode, one lab at a time', () => {
  it('a second nock-mode lab while one is open is refused (nock would answer both from the first)', async () => {
    const first = await createLab({ mode: 'nock', log: () => undefined });
    try {
      await expect(createLab({ mode: 'nock', log: () => undefined })).rejects.toThrow(
        /^a nock-mode lab is already open in this process/,
      );
      expect((await first.runFlow('alice@contoso.com')).ok).toBe(true);
    } finally {
      await first.close();
    }
    // Once closed, the next one may open.
    const next = await createLab({ mode: 'nock', log: () => undefined });
    await next.close();
  });

  it("a flow still running when its lab closes ends unreachable, as over loopback (not with nock's own error)", async () => {
    const lab = await createLab({ mode: 'nock', log: () => undefined });
    const run = lab.runFlow('alice@contoso.com');
    // Close once the device is at Entra's sign-in (step 7): its next request finds no lab.
    while (!lab.trace.exchanges().some((e) => e.from === 'device' && e.to === 'entra')) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    await lab.close();
    const result = await run;
    expect(result.ok).toBe(false);
    expect(result.error).toMatchObject({
      reason: 'unreachable',
      detail: { code: 'ERR_NOCK_NO_MATCH' },
    });
  });

  it("after a suite's nock.restore() the next lab turns nock on again, and leaves it on", async () => {
    const nock = (await import('nock')).default;
    nock.restore();
    expect(nock.isActive()).toBe(false);
    const lab = await createLab({ mode: 'nock', log: () => undefined });
    try {
      expect(nock.isActive()).toBe(true);
      const run = await lab.runFlow('alice@contoso.com');
      expect(run.ok).toBe(true);
      expect(run.steps.map((s) => s.step)).toContain(20);
    } finally {
      await lab.close();
    }
    // Still on: a flow running at the close meets "no match" for the lab's
    // host names rather than the real services on the network.
    expect(nock.isActive()).toBe(true);
    await expect(
      fetch('https://login.microsoftonline.com/common/discovery/keys'),
    ).rejects.toThrow();
  });
});
