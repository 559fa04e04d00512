import {
  createFaultBoard,
  createTestContext,
  perimeterDrops,
  type Party,
  type ServiceParty,
  type TraceExchange,
} from '@hma-lab/core';

/** A test context whose on-premises ActiveSync and Entra answer 200 to anything that reaches them. */
function network() {
  const ctx = createTestContext();
  const delivered: ServiceParty[] = [];
  for (const party of ['onprem-eas', 'entra'] as const) {
    ctx.mount(party, (_req, res) => {
      delivered.push(party);
      res.end('ok');
    });
  }
  return {
    trace: ctx.trace,
    faults: ctx.faults,
    delivered,
    fetchAs: (party: Party) => ctx.fetchFor(party),
  };
}

describe('the perimeter firewall faults', () => {
  // fault, from, to, and the party guarded when the fault drops that connection.
  const CASES: Array<[string, Party, ServiceParty, Party | undefined]> = [
    ['firewall-blocks-exchange-online', 'exo', 'onprem-eas', 'onprem-eas'],
    ['firewall-blocks-exchange-online', 'exo', 'onprem-autodiscover', 'onprem-autodiscover'],
    ['firewall-blocks-exchange-online', 'exo', 'entra', undefined],
    ['firewall-blocks-exchange-online', 'autodetect', 'onprem-eas', undefined],
    ['firewall-blocks-exchange-online', 'device', 'onprem-eas', undefined],
    ['firewall-blocks-exchange-online', 'outlook-service', 'onprem-eas', undefined],
    ['firewall-blocks-autodetect', 'autodetect', 'onprem-autodiscover', 'onprem-autodiscover'],
    ['firewall-blocks-autodetect', 'autodetect', 'exo', undefined],
    ['firewall-blocks-autodetect', 'exo', 'onprem-eas', undefined],
    ['onprem-outbound-blocked', 'onprem-eas', 'entra', 'onprem-eas'],
    ['onprem-outbound-blocked', 'onprem-autodiscover', 'exo', 'onprem-autodiscover'],
    ['onprem-outbound-blocked', 'onprem-autodiscover', 'onprem-eas', undefined],
    ['onprem-outbound-blocked', 'exo', 'entra', undefined],
    ['onprem-outbound-blocked', 'device', 'entra', undefined],
  ];
  it.each(CASES)('%s: %s -> %s', (fault, from, to, at) => {
    const faults = createFaultBoard();
    expect(perimeterDrops(faults, from, to)).toBeUndefined();
    faults.on(fault);
    expect(perimeterDrops(faults, from, to)).toEqual(at ? { reason: fault, at } : undefined);
  });

  it('fails a dropped connection as a connect timeout, never handing it to the transport, and records it', async () => {
    const { trace, faults, delivered, fetchAs } = network();
    faults.on('firewall-blocks-exchange-online');
    const attempt = fetchAs('exo')('https://mail.contoso.com/Microsoft-Server-ActiveSync', {
      method: 'OPTIONS',
    });
    await expect(attempt).rejects.toThrow(TypeError);
    await attempt.catch((error: Error & { cause?: { code?: string; message?: string } }) => {
      expect(error.message).toBe('fetch failed');
      expect(error.cause?.code).toBe('UND_ERR_CONNECT_TIMEOUT');
      expect(error.cause?.message).toContain('mail.contoso.com');
    });
    expect(delivered).toEqual([]);
    const failed = trace.entries().find((e): e is TraceExchange => e.kind === 'exchange')!;
    expect(failed).toMatchObject({ from: 'exo', to: 'onprem-eas', method: 'OPTIONS', status: 0 });
    expect(failed.error).toMatch(/UND_ERR_CONNECT_TIMEOUT/);
    const event = trace.entries().find((e) => e.kind === 'event');
    expect(event).toMatchObject({
      party: 'onprem-eas',
      action: 'network.connection.dropped',
      data: { from: 'exo', host: 'mail.contoso.com', reason: 'firewall-blocks-exchange-online' },
    });

    // Everyone else still gets through, and so does Exchange Online once the firewall opens.
    expect(
      (await fetchAs('device')('https://mail.contoso.com/Microsoft-Server-ActiveSync')).status,
    ).toBe(200);
    expect(
      (await fetchAs('exo')('https://login.microsoftonline.com/common/discovery/keys')).status,
    ).toBe(200);
    faults.off('firewall-blocks-exchange-online');
    expect(
      (await fetchAs('exo')('https://mail.contoso.com/Microsoft-Server-ActiveSync')).status,
    ).toBe(200);
    expect(delivered).toEqual(['onprem-eas', 'entra', 'onprem-eas']);
  });
});
