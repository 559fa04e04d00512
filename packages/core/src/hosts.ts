import type { Scenario } from './scenario/schema.js';

/**
 * The cast of FLOWS.md and the host names each party answers to. Services emit
 * URLs with these real-looking names (`https://login.microsoftonline.com/...`);
 * the transport behind the lab's fetch decides where a name really goes
 * (a loopback port, an in-process app, a nock interceptor).
 */

/** Every service of the lab, named as in FLOWS.md's cast. */
export const SERVICE_PARTIES = [
  'autodetect',
  'exo',
  'entra',
  'wap',
  'adfs',
  'onprem-autodiscover',
  'onprem-eas',
  'outlook-service',
] as const;

export type ServiceParty = (typeof SERVICE_PARTIES)[number];

/**
 * Anyone who can appear in a trace: the services, the reference `device`, the
 * `lab` itself (admin calls, test harness), and `client` for any caller that did
 * not say who it is (a third-party client pointed at the lab).
 */
export type Party = ServiceParty | 'device' | 'lab' | 'client';

export interface HostMap {
  /** Every host name of a party; the first is its primary name. */
  hostnames(party: ServiceParty): readonly string[];
  /** The party's primary host name, e.g. `login.microsoftonline.com`. */
  primary(party: ServiceParty): string;
  /** `https://<primary>`: the origin a party puts in the URLs it emits. */
  origin(party: ServiceParty): string;
  /** `origin(party) + path`. */
  url(party: ServiceParty, path: string): string;
  /** The party that answers to a host name (case-insensitive), if any. */
  partyFor(hostname: string): ServiceParty | undefined;
  /** Every (party, host names) pair, in cast order. */
  entries(): Array<{ party: ServiceParty; hostnames: readonly string[] }>;
}

export type HostSpec = Record<ServiceParty, readonly string[]>;

/** Builds a host map; fails when a host name is claimed by two parties. */
export function createHostMap(spec: HostSpec): HostMap {
  const byHost = new Map<string, ServiceParty>();
  for (const party of SERVICE_PARTIES) {
    const names = spec[party];
    if (!names || names.length === 0) throw new Error(`host map: no host name for ${party}`);
    for (const name of names) {
      const key = name.toLowerCase();
      const owner = byHost.get(key);
      if (owner && owner !== party) {
        throw new Error(`host map: ${name} is claimed by both ${owner} and ${party}`);
      }
      byHost.set(key, party);
    }
  }
  const map: HostMap = {
    hostnames: (party) => spec[party],
    primary: (party) => spec[party][0]!,
    origin: (party) => `https://${spec[party][0]!}`,
    url: (party, path) => `https://${spec[party][0]!}${path.startsWith('/') ? '' : '/'}${path}`,
    partyFor: (hostname) => byHost.get(hostname.toLowerCase()),
    entries: () => SERVICE_PARTIES.map((party) => ({ party, hostnames: spec[party] })),
  };
  return map;
}

/**
 * The tenant's routing domain, `<tenant>.mail.onmicrosoft.com` for the tenant
 * `<tenant>.onmicrosoft.com`: the domain of the target address hybrid gives a
 * cloud mailbox, where on-premises AutoDiscover redirects its clients.
 */
export function tenantRoutingDomain(tenantName: string): string {
  return `${tenantName.split('.')[0]!.toLowerCase()}.mail.onmicrosoft.com`;
}

/**
 * The host names of a scenario, by party: Microsoft's fixed cloud names, plus
 * the scenario's own federation and on-premises namespaces.
 */
export function hostSpecForScenario(scenario: Scenario): HostSpec {
  const onprem = scenario.exchange.onprem;
  const federated = scenario.domains.filter((d) => d.federation);
  const mailDomains = [
    ...new Set(
      scenario.users
        .filter((u) => u.mailbox?.location === 'onprem')
        .map((u) => u.upn.split('@')[1]!.toLowerCase()),
    ),
  ];
  const autodiscoverHosts =
    onprem.autodiscoverHosts.length > 0
      ? onprem.autodiscoverHosts
      : mailDomains.map((d) => `autodiscover.${d}`);
  const spec: HostSpec = {
    autodetect: ['prod-autodetect.outlookmobile.com'],
    exo: [
      'outlook.office365.com',
      'outlook.office.com',
      // POX AutoDiscover: Exchange Online's, and the tenant's routing domain's,
      // where on-premises Exchange redirects a cloud mailbox's address.
      'autodiscover-s.outlook.com',
      `autodiscover.${tenantRoutingDomain(scenario.tenant.name)}`,
    ],
    entra: ['login.microsoftonline.com', 'login.windows.net', 'login.microsoft.com'],
    wap:
      federated.length > 0
        ? [...new Set(federated.map((d) => d.federation!.wapHost))]
        : ['sts.federation.invalid'],
    adfs:
      federated.length > 0
        ? [...new Set(federated.map((d) => d.federation!.adfsHost))]
        : ['adfs.federation.invalid'],
    'onprem-autodiscover':
      autodiscoverHosts.length > 0 ? autodiscoverHosts : ['autodiscover.onprem.invalid'],
    'onprem-eas': [onprem.easHost],
    'outlook-service': ['prod-outlookservice.outlookmobile.com'],
  };
  return spec;
}
