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
  it('drops only the cloud party they name, and only on its way to on-premises', () => {
    const faults = createFaultBoard();
    expect(perimeterDrops(faults, 'exo', 'onprem-eas')).toBeUndefined();
    faults.on('firewall-blocks-exchange-online');
    expect(perimeterDrops(faults, 'exo', 'onprem-eas')).toBe('firewall-blocks-exchange-online');
    expect(perimeterDrops(faults, 'exo', 'onprem-autodiscover')).toBe(
      'firewall-blocks-exchange-online',
    );
    expect(perimeterDrops(faults, 'exo', 'entra')).toBeUndefined();
    expect(perimeterDrops(faults, 'autodetect', 'onprem-eas')).toBeUndefined();
    expect(perimeterDrops(faults, 'device', 'onprem-eas')).toBeUndefined();
    expect(perimeterDrops(faults, 'outlook-service', 'onprem-eas')).toBeUndefined();
    faults.off('firewall-blocks-exchange-online');
    faults.on('firewall-blocks-autodetect');
    expect(perimeterDrops(faults, 'autodetect', 'onprem-autodiscover')).toBe(
      'firewall-blocks-autodetect',
    );
    expect(perimeterDrops(faults, 'autodetect', 'exo')).toBeUndefined();
    expect(perimeterDrops(faults, 'exo', 'onprem-eas')).toBeUndefined();
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
