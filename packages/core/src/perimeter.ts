import type { FaultBoard } from './faults.js';
import type { Party, ServiceParty } from './hosts.js';

/** The parties behind the organisation's perimeter firewall. */
const ON_PREMISES: ReadonlySet<Party> = new Set(['onprem-autodiscover', 'onprem-eas']);

/**
 * The catalogue faults that close the perimeter to a cloud party's address
 * ranges: Exchange Online's own ranges, and Azure's datacenter ranges for
 * AutoDetect (the ranges Microsoft asks an organisation that filters inbound
 * connections to allow).
 */
const CLOSED_TO: Partial<Record<Party, string>> = {
  exo: 'firewall-blocks-exchange-online',
  autodetect: 'firewall-blocks-autodetect',
};

/** The catalogue fault that leaves on-premises Exchange without a way out to the internet. */
const NO_OUTBOUND = 'onprem-outbound-blocked';

/** A connection the perimeter drops: the fault that closes it, and the on-premises party it guards. */
export interface DroppedConnection {
  reason: string;
  at: Party;
}

/**
 * Whether the perimeter drops a connection from `from` to `to` (undefined
 * when it lets it through). Inbound, only a cloud party's connections to
 * on-premises are filtered; outbound, only on-premises Exchange's to the cloud.
 */
export function perimeterDrops(
  faults: FaultBoard,
  from: Party,
  to: ServiceParty,
): DroppedConnection | undefined {
  if (ON_PREMISES.has(to)) {
    const fault = CLOSED_TO[from];
    return fault && faults.isOn(fault) ? { reason: fault, at: to } : undefined;
  }
  return ON_PREMISES.has(from) && faults.isOn(NO_OUTBOUND)
    ? { reason: NO_OUTBOUND, at: from }
    : undefined;
}
