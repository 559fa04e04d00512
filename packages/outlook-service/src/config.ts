import { parseDuration, type HostMap } from '@hma-lab/core';

/**
 * Settings of the Outlook cloud service's basic-authentication connector
 * (flow C). The seeds give the 3-day flush and the weekly purge; every other
 * default is a lab choice, documented in the README ("Choices").
 */
export interface OutlookServiceConfig {
  /**
   * Inactivity after which the decrypted password is flushed from memory; the
   * ciphertext stays (seeds 000/001: three days). Default `3d`.
   */
  inactivityFlushAfter: string | number;
  /** How often the job that flushes inactive accounts completely runs (seeds: weekly). Default `7d`. */
  purgeInterval: string | number;
  /**
   * How often the service, while it holds a user's password in memory, asks
   * Exchange for changes on its own (GetItemEstimate, then Sync of what
   * changed). The seeds only say the connection is kept alive. Default `1h`.
   */
  exchangeSyncInterval: string | number;
  /**
   * ActiveSync `DeviceType` of the service's connection on the user's behalf.
   * Default `Outlook` (how Outlook for iOS and Android's basic-auth connection
   * shows in `Get-MobileDevice`; not the `OutlookService` of flow A).
   */
  easDeviceType: string;
  /**
   * ActiveSync `DeviceModel` (Provision DeviceInformation). Default
   * `Outlook for iOS and Android`: the value HMA-DOC's block rule matches.
   */
  easDeviceModel: string;
  /** `User-Agent` of the ActiveSync requests. Default `Outlook-iOS-Android/1.0`. */
  easUserAgent: string;
  /** `MS-ASProtocolVersion`. Default `16.1`. */
  easProtocolVersion: string;
  /** Sync FilterType of the Inbox (MS-ASCMD: 5 = one month). Default 5. */
  mailFilterType: number;
  /**
   * ActiveSync URL used when the device names none. Default
   * `https://<onprem-eas host>/Microsoft-Server-ActiveSync` from the host map.
   */
  activeSyncUrl: string | undefined;
  /** Largest request body accepted from a device. Default 64 KiB. */
  bodyLimitBytes: number;
  /**
   * How long (real time, as a network timeout) the service waits for each
   * answer of Exchange before it counts Exchange unreachable. Default `30s`.
   */
  exchangeRequestTimeout: string | number;
}

/** The config with durations in milliseconds, as the service uses it. */
export interface ResolvedOutlookServiceConfig {
  inactivityFlushAfterMs: number;
  purgeIntervalMs: number;
  exchangeSyncIntervalMs: number;
  easDeviceType: string;
  easDeviceModel: string;
  easUserAgent: string;
  easProtocolVersion: string;
  mailFilterType: number;
  activeSyncUrl: string;
  bodyLimitBytes: number;
  exchangeRequestTimeoutMs: number;
}

export const DEFAULT_OUTLOOK_SERVICE_CONFIG: OutlookServiceConfig = {
  inactivityFlushAfter: '3d',
  purgeInterval: '7d',
  exchangeSyncInterval: '1h',
  easDeviceType: 'Outlook',
  easDeviceModel: 'Outlook for iOS and Android',
  easUserAgent: 'Outlook-iOS-Android/1.0',
  easProtocolVersion: '16.1',
  mailFilterType: 5,
  activeSyncUrl: undefined,
  bodyLimitBytes: 65_536,
  exchangeRequestTimeout: '30s',
};

/** Applies defaults and parses durations; throws RangeError on a value that makes no sense. */
export function resolveOutlookServiceConfig(
  hosts: HostMap,
  config: Partial<OutlookServiceConfig> = {},
): ResolvedOutlookServiceConfig {
  const merged = { ...DEFAULT_OUTLOOK_SERVICE_CONFIG, ...config };
  const positive = (name: string, value: string | number): number => {
    const ms = parseDuration(value);
    if (ms <= 0) throw new RangeError(`${name} must be longer than 0`);
    return ms;
  };
  if (!Number.isInteger(merged.mailFilterType) || merged.mailFilterType < 0) {
    throw new RangeError('mailFilterType must be an ActiveSync FilterType (0-8)');
  }
  return {
    inactivityFlushAfterMs: positive('inactivityFlushAfter', merged.inactivityFlushAfter),
    purgeIntervalMs: positive('purgeInterval', merged.purgeInterval),
    exchangeSyncIntervalMs: positive('exchangeSyncInterval', merged.exchangeSyncInterval),
    easDeviceType: merged.easDeviceType,
    easDeviceModel: merged.easDeviceModel,
    easUserAgent: merged.easUserAgent,
    easProtocolVersion: merged.easProtocolVersion,
    mailFilterType: merged.mailFilterType,
    activeSyncUrl: merged.activeSyncUrl ?? hosts.url('onprem-eas', '/Microsoft-Server-ActiveSync'),
    bodyLimitBytes: merged.bodyLimitBytes,
    exchangeRequestTimeoutMs: positive('exchangeRequestTimeout', merged.exchangeRequestTimeout),
  };
}
