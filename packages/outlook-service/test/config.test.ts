import { createHostMap, type HostSpec } from '@hma-lab/core';
import { resolveOutlookServiceConfig } from '@hma-lab/outlook-service';
import { ALICE, createBasicLab, type BasicLab } from './helpers.js';

let lab: BasicLab;
afterEach(async () => {
  await lab?.close();
  lab = undefined as unknown as BasicLab;
});

const hosts = () =>
  createHostMap({
    autodetect: ['a.example'],
    exo: ['b.example'],
    entra: ['c.example'],
    wap: ['d.example'],
    adfs: ['e.example'],
    'onprem-autodiscover': ['f.example'],
    'onprem-eas': ['mail.fabrikam.example'],
    'outlook-service': ['g.example'],
  } satisfies HostSpec);

describe('config', () => {
  it('defaults: 3 days, weekly, hourly keep-alive, Outlook for iOS and Android, the host map`s ActiveSync URL', () => {
    expect(resolveOutlookServiceConfig(hosts())).toEqual({
      inactivityFlushAfterMs: 3 * 86_400_000,
      purgeIntervalMs: 7 * 86_400_000,
      exchangeSyncIntervalMs: 3_600_000,
      exchangeRequestTimeoutMs: 30_000,
      easDeviceType: 'Outlook',
      easDeviceModel: 'Outlook for iOS and Android',
      easUserAgent: 'Outlook-iOS-Android/1.0',
      easProtocolVersion: '16.1',
      mailFilterType: 5,
      activeSyncUrl: 'https://mail.fabrikam.example/Microsoft-Server-ActiveSync',
      bodyLimitBytes: 65_536,
    });
  });

  it('refuses durations that make no sense', () => {
    expect(() => resolveOutlookServiceConfig(hosts(), { purgeInterval: '0' })).toThrow(RangeError);
    expect(() => resolveOutlookServiceConfig(hosts(), { inactivityFlushAfter: 'soon' })).toThrow(
      RangeError,
    );
    expect(() => resolveOutlookServiceConfig(hosts(), { mailFilterType: -1 })).toThrow(RangeError);
  });

  it('a shorter flush and purge, on the virtual clock', async () => {
    lab = createBasicLab({ config: { inactivityFlushAfter: '12h', purgeInterval: '1d' } });
    const phone = lab.phone();
    const { accountId } = await phone.connect(ALICE);
    phone.setBackgroundRefresh(false);
    phone.forceClose();
    await lab.ctx.clock.advance('12h');
    expect(lab.outlook.account(accountId)).toMatchObject({
      passwordInMemory: false,
      ciphertextStored: true,
    });
    await lab.ctx.clock.advance('12h');
    expect(lab.outlook.account(accountId)).toBeUndefined();
  });

  it('presenting as DeviceType OutlookService with another model gets past contoso`s HMA pair', async () => {
    lab = createBasicLab({
      blockOutlook: true,
      config: { easDeviceType: 'OutlookService', easDeviceModel: 'Outlook cloud connector' },
    });
    const result = await lab.phone().connect(ALICE);
    expect(result.messages.length).toBeGreaterThan(0);
    const [device] = lab.eas.devices.list('alice@contoso.com');
    expect(device).toMatchObject({ deviceType: 'OutlookService' });
  });
});
