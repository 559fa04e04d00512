import type { FaultBoard } from './faults.js';
import type { Party, ServiceParty } from './hosts.js';

/** The parties behind the organisation's perimeter firewall. */
const ON_PREMISES: ReadonlySet<ServiceParty> = new Set(['onprem-autodiscover', 'onprem-eas']);

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

/**
 * Why the perimeter drops a connection from `from` to `to`, or undefined when
 * it lets it in: the name of the fault that closes it. Only connections from
 * a cloud party to an on-premises one are filtered.
 */
export function perimeterDrops(
  faults: FaultBoard,
  from: Party,
  to: ServiceParty,
): string | undefined {
  if (!ON_PREMISES.has(to)) return undefined;
  const fault = CLOSED_TO[from];
  return fault && faults.isOn(fault) ? fault : undefined;
}
