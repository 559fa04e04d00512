import { createVirtualClock, type VirtualClock } from './clock.js';
import { createMemoryLogger, type LogEntry, type ServiceDeps } from './deps.js';
import { createDirectory, type Directory } from './directory.js';
import type { FaultBoard } from './faults.js';
import type { LabFetch } from './fetch.js';
import type { HostMap, Party, ServiceParty } from './hosts.js';
import type { RequestListener } from './app-dispatch.js';
import { createInProcessTransport } from './in-process.js';
import { createFixedKeyStore, type KeyStore } from './keys.js';
import { createServiceDepsFactory, hostsForScenario } from './lab-deps.js';
import { builtInScenario } from './scenario/index.js';
import type { Scenario } from './scenario/schema.js';
import { createTraceRecorder, type TraceRecorder } from './trace.js';

/** Default start of test clocks: a Monday morning, so traces are reproducible. */
export const TEST_START_MS = Date.UTC(2026, 0, 5, 9, 0, 0);

export interface TestContext {
  scenario: Scenario;
  clock: VirtualClock;
  trace: TraceRecorder;
  hosts: HostMap;
  directory: Directory;
  keys: KeyStore;
  faults: FaultBoard;
  log: ((entry: LogEntry) => void) & { entries: LogEntry[] };
  /** Deps for a party, with `fetch` bound to it. */
  depsFor(party: Party): ServiceDeps;
  /** A lab fetch calling as `party` (e.g. `device`). */
  fetchFor(party: Party): LabFetch;
  /** Makes `app` answer for `party` on the in-process transport. */
  mount(party: ServiceParty, app: RequestListener): void;
}

/**
 * Everything a service test needs, wired in-process (no sockets): a frozen
 * virtual clock at {@link TEST_START_MS}, the contoso scenario (or another),
 * fixed keys, a memory logger, and a transport on which tests mount the apps
 * they want to talk to each other.
 */
export function createTestContext(
  options: { scenario?: Scenario; startMs?: number } = {},
): TestContext {
  const scenario = options.scenario ?? builtInScenario('contoso');
  const clock = createVirtualClock({ startMs: options.startMs ?? TEST_START_MS });
  const trace = createTraceRecorder({ clock });
  const hosts = hostsForScenario(scenario);
  const directory = createDirectory(scenario, clock);
  const keys = createFixedKeyStore();
  const log = createMemoryLogger();
  const apps: Partial<Record<ServiceParty, RequestListener>> = {};
  const transport = createInProcessTransport((party) => apps[party]);
  const factory = createServiceDepsFactory({
    clock,
    trace,
    hosts,
    directory,
    keys,
    transport,
    log,
  });
  return {
    scenario,
    clock,
    trace,
    hosts,
    directory,
    keys,
    faults: factory.faults,
    log,
    depsFor: factory.depsFor,
    fetchFor: factory.fetchFor,
    mount(party, app) {
      apps[party] = app;
    },
  };
}
