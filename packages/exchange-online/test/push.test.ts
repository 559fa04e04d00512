import type { TraceEvent } from '@hma-lab/core';
import { createOnpremActiveSync } from '@hma-lab/exchange-onprem';
import { ALICE, exchangesBetween, hybridLab } from './support.js';

type Lab = ReturnType<typeof hybridLab>;

const events = (lab: Lab, action: string): TraceEvent[] =>
  lab.ctx.trace.entries().filter((e): e is TraceEvent => e.kind === 'event' && e.action === action);

/** The ActiveSync commands Exchange Online sent on-prem after `sinceMs`, in order. */
const commandsSince = (lab: Lab, sinceMs: number): string[] =>
  exchangesBetween(lab.ctx, 'exo', 'onprem-eas')
    .filter((e) => e.atMs >= sinceMs)
    .map((e) => /[?&]Cmd=(\w+)/.exec(e.url)?.[1] ?? e.method);

const inboxSubjects = async (lab: Lab): Promise<string[]> => {
  const answer = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', lab.at1());
  return answer.body.value.map((m: { subject: string }) => m.subject);
};

describe('background sync by push (syncMode push)', () => {
  let lab: Lab;
  afterEach(() => lab?.close());

  it('holds a Ping on-prem after provisioning; new mail is synced at the next instant and the Ping renewed', async () => {
    lab = hybridLab({ syncMode: 'push' });
    await lab.provision();
    const provisionedAt = lab.ctx.clock.now();
    expect(lab.onprem.waitingRequests()).toBe(1);
    const account = lab.exo.account(ALICE)!;
    expect(account.cloudCache!.pushSinceDateTime).toBe(new Date(provisionedAt).toISOString());
    expect(account.cloudCache!.nextSyncDateTime).toBeUndefined();

    lab.onprem.deliver(ALICE, { subject: 'Pushed', from: 'megan@contoso.com', bodyText: 'x' });
    await lab.ctx.clock.advance(0);

    expect(await inboxSubjects(lab)).toContain('Pushed');
    expect(lab.ctx.clock.now()).toBe(provisionedAt);
    // The Ping answered (Status 2), one pass, and a new Ping held.
    expect(commandsSince(lab, provisionedAt).slice(-4)).toEqual([
      'Ping',
      'FolderSync',
      'Sync',
      'Settings',
    ]);
    expect(events(lab, 'exo.sync.pushed')).toHaveLength(1);
    expect(lab.onprem.waitingRequests()).toBe(1);
    expect(lab.exo.account(ALICE)!.cloudCache!.pushSinceDateTime).toBeDefined();
  });

  it('at the end of a quiet heartbeat reads OOF and pings again, without a Sync', async () => {
    lab = hybridLab({ syncMode: 'push', pingHeartbeat: '20m' });
    await lab.provision();
    const provisionedAt = lab.ctx.clock.now();
    const commandsBefore = commandsSince(lab, 0).length;
    lab.onprem.store.mailbox(ALICE)!.setOof({
      ...lab.onprem.store.mailbox(ALICE)!.oof(),
      state: 1,
      internalReply: 'Back on Monday',
    });

    await lab.ctx.clock.advance('1h');

    // Three heartbeats of 20 min (each read a second after it ends): Ping, Settings each.
    const after = commandsSince(lab, 0).slice(commandsBefore);
    expect(after).toEqual(['Ping', 'Settings', 'Ping', 'Settings']);
    expect(lab.exo.account(ALICE)!.outOfOffice).toMatchObject({
      state: 'enabled',
      internalReply: 'Back on Monday',
    });
    expect(lab.onprem.waitingRequests()).toBe(1);
    expect(lab.exo.account(ALICE)!.cloudCache!.pushSinceDateTime).toBe(
      new Date(provisionedAt + 2 * (20 * 60_000 + 1000)).toISOString(),
    );
    expect(events(lab, 'exo.sync.completed')).toHaveLength(1);
  });

  it('pings with the heartbeat on-prem allows when it answers Status 5', async () => {
    lab = hybridLab({ syncMode: 'push', pingHeartbeat: '59m' });
    const strict = createOnpremActiveSync(lab.ctx.depsFor('onprem-eas'), {
      ping: { minHeartbeatS: 60, maxHeartbeatS: 900, maxFolders: 300 },
    });
    lab.ctx.mount('onprem-eas', strict.app);
    await lab.provision();
    await lab.ctx.clock.advance(0); // the Ping's answer on its way
    const before = commandsSince(lab, 0).length;

    expect(events(lab, 'exo.sync.ping-heartbeat').map((e) => e.data)).toEqual([
      { upn: ALICE, heartbeatS: 900 },
    ]);
    expect(strict.waitingRequests()).toBe(1);
    await lab.ctx.clock.advance('16m');
    // The Ping of 900 s (sent at the provisioning's instant) answered, OOF read, the next Ping held.
    expect(commandsSince(lab, 0).slice(before)).toEqual(['Ping', 'Settings']);
    expect(exchangesBetween(lab.ctx, 'exo', 'onprem-eas').at(-2)!.requestBody!.text).toContain(
      '900',
    );
    void strict.close();
  });

  it("polls every syncInterval when on-prem's OPTIONS does not offer Ping", async () => {
    lab = hybridLab({ syncMode: 'push', syncInterval: '30m' });
    const noPing = createOnpremActiveSync(lab.ctx.depsFor('onprem-eas'), {
      protocolCommands: ['Sync', 'FolderSync', 'Settings', 'Provision', 'Search'],
    });
    lab.ctx.mount('onprem-eas', noPing.app);
    await lab.provision();
    const provisionedAt = lab.ctx.clock.now();
    expect(lab.exo.account(ALICE)!.cloudCache!.nextSyncDateTime).toBe(
      new Date(provisionedAt + 30 * 60_000).toISOString(),
    );
    noPing.deliver(ALICE, { subject: 'Polled', from: 'megan@contoso.com', bodyText: 'x' });
    await lab.ctx.clock.advance('29m');
    expect(await inboxSubjects(lab)).not.toContain('Polled');
    await lab.ctx.clock.advance('1m');
    expect(await inboxSubjects(lab)).toContain('Polled');
    expect(commandsSince(lab, provisionedAt + 1)).toEqual(['FolderSync', 'Sync', 'Settings']);
    expect(noPing.waitingRequests()).toBe(0);
    void noPing.close();
  });

  it('retries with backoff when on-prem is unavailable at the end of a heartbeat, then pings again', async () => {
    lab = hybridLab({ syncMode: 'push' });
    await lab.provision();
    const provisionedAt = lab.ctx.clock.now();
    const before = commandsSince(lab, 0).length;
    lab.ctx.faults.on('eas-503', { retryAfterS: 30 });
    // The held Ping ends at its heartbeat (59 min); the OOF read and the next Ping meet the 503.
    await lab.ctx.clock.advance('60m');
    expect(events(lab, 'exo.sync.retry-scheduled')).toHaveLength(1);
    expect(lab.exo.account(ALICE)!.error).toMatchObject({ code: 'OnPremisesUnavailable' });
    expect(lab.onprem.waitingRequests()).toBe(0);
    lab.ctx.faults.off('eas-503');
    await lab.ctx.clock.advance('1m');
    expect(lab.exo.account(ALICE)).toMatchObject({ state: 'ready' });
    expect(lab.exo.account(ALICE)!.error).toBeUndefined();
    expect(lab.onprem.waitingRequests()).toBe(1);
    // The quiet heartbeat's Ping, the OOF read and Ping refused, the retried pass (and a Ping held).
    expect(commandsSince(lab, 0).slice(before)).toEqual([
      'Ping',
      'Settings',
      'Ping',
      'FolderSync',
      'Sync',
      'Settings',
    ]);
    expect(lab.exo.account(ALICE)!.cloudCache!.pushSinceDateTime).toBe(
      new Date(provisionedAt + 59 * 60_000 + 1000 + 60_000).toISOString(),
    );
  });

  it('stops the Ping when the account is deleted, and nothing answers afterwards', async () => {
    lab = hybridLab({ syncMode: 'push' });
    await lab.provision();
    expect(lab.exo.deleteAccount(ALICE)).toBe(true);
    lab.onprem.deliver(ALICE, {
      subject: 'After deletion',
      from: 'megan@contoso.com',
      bodyText: 'x',
    });
    await lab.ctx.clock.advance('2h');
    expect(events(lab, 'exo.sync.pushed')).toHaveLength(0);
    expect(events(lab, 'exo.sync.completed')).toHaveLength(1);
  });
});
