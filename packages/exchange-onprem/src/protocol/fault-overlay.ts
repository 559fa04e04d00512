import { faultDefinition, type FaultBoard, type OnpremConfig } from '@hma-lab/core';

const CLOCK_SKEW_FAULT = 'onprem-clock-skew';

/**
 * The on-premises configuration as the faults switched on now make it look
 * (docs/faults.md). Faults change what Exchange is configured to do, not how
 * the lab's code runs: each one is the setting an administrator would have got
 * wrong.
 *
 * | fault | becomes |
 * |---|---|
 * | `missing-authorization-uri` | `hma.enabled` false (EvoSTS not the default authorization endpoint) |
 * | `ssl-offload` | `sslOffload` true |
 * | `device-blocked` | device access: default Block, no rules |
 * | `device-quarantined` | device access: default Quarantine, no rules |
 */
export function onpremWithFaults(onprem: OnpremConfig, faults: FaultBoard): OnpremConfig {
  const missingUri = faults.isOn('missing-authorization-uri');
  const sslOffload = faults.isOn('ssl-offload');
  const blocked = faults.isOn('device-blocked');
  const quarantined = faults.isOn('device-quarantined');
  if (!missingUri && !sslOffload && !blocked && !quarantined) return onprem;
  return {
    ...onprem,
    ...(missingUri ? { hma: { ...onprem.hma, enabled: false } } : {}),
    ...(sslOffload ? { sslOffload: true } : {}),
    ...(blocked || quarantined
      ? { deviceAccess: { defaultAccessLevel: blocked ? 'Block' : 'Quarantine', rules: [] } }
      : {}),
  };
}

/** The Exchange version a mailbox behaves as (`exchange-2010-mailbox` makes every one 2010). */
export function mailboxVersionWithFaults(
  version: string | undefined,
  faults: FaultBoard,
): string | undefined {
  return faults.isOn('exchange-2010-mailbox') && version !== undefined ? '2010' : version;
}

/**
 * The server's own time for checking a token's lifetime: the lab clock, moved
 * by the `offsetMinutes` of `onprem-clock-skew` (its catalogue default when
 * not given) while that fault is on.
 */
export function serverNowWithFaults(labNowMs: number, faults: FaultBoard): number {
  if (!faults.isOn(CLOCK_SKEW_FAULT)) return labNowMs;
  const given = Number(faults.params(CLOCK_SKEW_FAULT)['offsetMinutes']);
  const minutes = Number.isFinite(given)
    ? given
    : Number(faultDefinition(CLOCK_SKEW_FAULT)?.params?.['offsetMinutes']?.default ?? 0);
  return labNowMs + minutes * 60_000;
}
