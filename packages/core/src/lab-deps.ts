import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import { createConsoleLogger, type Logger, type ServiceDeps } from './deps.js';
import { createFaultBoard, type FaultBoard } from './faults.js';
import { createLabFetch, type LabFetch, type Transport } from './fetch.js';
import { createHostMap, hostSpecForScenario, type HostMap, type Party } from './hosts.js';
import { perimeterDrops } from './perimeter.js';
import type { KeyStore } from './keys.js';
import type { Scenario } from './scenario/schema.js';
import type { TraceRecorder } from './trace.js';

/**
 * The host names of a scenario: Microsoft's fixed cloud names, plus the
 * scenario's own federation and on-premises namespaces.
 */
export function hostsForScenario(scenario: Scenario): HostMap {
  return createHostMap(hostSpecForScenario(scenario));
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
      drops: (to) => perimeterDrops(faults, party, to),
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
