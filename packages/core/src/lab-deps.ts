import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import { createConsoleLogger, type Logger, type ServiceDeps } from './deps.js';
import { createFaultBoard, type FaultBoard } from './faults.js';
import { createLabFetch, type LabFetch, type Transport } from './fetch.js';
import { createHostMap, type HostMap, type HostSpec, type Party } from './hosts.js';
import type { KeyStore } from './keys.js';
import type { Scenario } from './scenario/schema.js';
import type { TraceRecorder } from './trace.js';

/**
 * The host names of a scenario: Microsoft's fixed cloud names, plus the
 * scenario's own federation and on-premises namespaces.
 */
export function hostsForScenario(scenario: Scenario): HostMap {
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
    exo: ['outlook.office365.com', 'outlook.office.com'],
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
  return createHostMap(spec);
}

export interface SharedLabDeps {
  clock: Clock;
  trace: TraceRecorder;
  hosts: HostMap;
  directory: Directory;
  keys: KeyStore;
  transport: Transport;
  faults?: FaultBoard;
  log?: Logger;
}

/**
 * Deps for each party of one lab: everything shared, except `fetch`, which is
 * bound to the party so the trace knows who called.
 */
export function createServiceDepsFactory(shared: SharedLabDeps): {
  depsFor(party: Party): ServiceDeps;
  fetchFor(party: Party): LabFetch;
  faults: FaultBoard;
} {
  const faults = shared.faults ?? createFaultBoard();
  const log = shared.log ?? createConsoleLogger();
  const fetchFor = (party: Party): LabFetch =>
    createLabFetch({
      from: party,
      hosts: shared.hosts,
      transport: shared.transport,
      trace: shared.trace,
    });
  return {
    faults,
    fetchFor,
    depsFor: (party) => ({
      clock: shared.clock,
      trace: shared.trace,
      hosts: shared.hosts,
      directory: shared.directory,
      keys: shared.keys,
      faults,
      log,
      fetch: fetchFor(party),
    }),
  };
}
