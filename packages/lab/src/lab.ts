import { randomUUID } from 'node:crypto';
import {
  builtInScenario,
  createConsoleLogger,
  createDirectory,
  createFaultBoard,
  createFixedKeyStore,
  createInProcessTransport,
  createLoopbackTransport,
  createServiceDepsFactory,
  createTraceRecorder,
  createVirtualClock,
  hostsForScenario,
  labelFlow,
  neverThrowing,
  parseScenario,
  ScenarioError,
  shorten,
  SERVICE_PARTIES,
  type Directory,
  type FaultBoard,
  type FlowStep,
  type HostMap,
  type KeyStore,
  type LabFetch,
  type Logger,
  type Party,
  type RequestListener,
  type Scenario,
  type ScenarioInput,
  type ServiceParty,
  type TraceEntry,
  type TraceRecorder,
  type VirtualClock,
} from '@hma-lab/core';
import { decodeWbxml, toXml, WBXML_CONTENT_TYPE } from '@hma-lab/activesync';
import { parseServiceOptions, type LabServiceOptions } from './service-options.js';
import { createEntra } from '@hma-lab/entra';
import { createAdfs, createWap } from '@hma-lab/adfs';
import { createOnpremActiveSync, createOnpremAutodiscover } from '@hma-lab/exchange-onprem';
import { createExchangeOnline } from '@hma-lab/exchange-online';
import { createAutodetect } from '@hma-lab/autodetect';
import { createOutlookService } from '@hma-lab/outlook-service';
import {
  createBasicAuthDevice,
  createDevice,
  DeviceFlowError,
  type BasicAuthDevice,
  type BasicFlowResult,
  type Device,
  type DeviceUser,
  type FlowResult,
} from '@hma-lab/outlook-mobile';
import { createSecureContext, type SecureContext } from 'node:tls';
import { listen, type Listener } from './listen.js';
import { loadOrCreateCa, type LocalCa } from './tls.js';
import { createAdminApp } from './admin.js';
import { checkLabOptions, checkRunOptions, LabUsageError } from './lab-options.js';
import express from 'express';
import type * as Undici from 'undici';
import { createTrainerUi } from '@hma-lab/web';
import {
  createGlobalFetchTransport,
  interceptWithNock,
  type NockInterception,
} from './nock-mode.js';

export type LabMode = 'in-process' | 'loopback' | 'nock';

export interface LabOptions {
  /** A scenario, a scenario file's content, or a built-in scenario's name. Default `contoso`. */
  scenario?: Scenario | ScenarioInput | string;
  /**
   * `in-process` (default): services answer through function calls, no sockets.
   * `loopback`: every service listens on its own 127.0.0.1 port.
   * `nock`: the real host names are intercepted with nock (inside jest), so code
   * with hard-coded Microsoft URLs reaches the lab through the global `fetch`.
   */
  mode?: LabMode;
  /** Virtual clock start (ms since epoch). Default: the scenario's `clock.start`, else now. */
  startMs?: number;
  /** `frozen` (default): time moves only with `clock.advance()`. `running`: it also follows the wall clock. */
  clockMode?: 'frozen' | 'running';
  /** Loopback mode: fixed ports per party (default: any free port). */
  ports?: Partial<Record<ServiceParty, number>>;
  /** Loopback mode: address to bind. Default `127.0.0.1`. */
  bindHost?: string;
  /**
   * Loopback mode: serve HTTPS with certificates from the lab's local CA
   * (created on first use in `dir`, default `~/.hma-lab/tls`, and reused).
   */
  tls?: boolean | { dir?: string };
  /**
   * Loopback mode: one more listener that answers for every emulated host name,
   * routing by `Host` (and TLS SNI): what a client reaching the lab through a
   * hosts file or a proxy talks to. `port` 0 picks a free port.
   */
  frontDoor?: { port: number };
  /** Loopback mode: serve the admin API (clock, faults, trace, flows) on this port (0 = free port). */
  admin?: { port: number };
  log?: Logger;
  /** Record the trace (default true). Load tests switch it off. */
  trace?: boolean;
  maxTraceEntries?: number;
  /**
   * Each party's own options (its package's config, documented in its README),
   * over the defaults and what the scenario sets, e.g.
   * `{ entra: { multiTenantIssuer: 'template' } }`.
   */
  services?: LabServiceOptions;
}

/** How long the parties wait for an answer's headers over loopback: an hour and a minute. */
const HELD_ANSWER_TIMEOUT_MS = 61 * 60_000;

/** One service of the lab: its express app and whatever controls it offers. */
export interface LabService {
  app: RequestListener;
  close(): Promise<void>;
}

export interface FlowRun {
  ok: boolean;
  /** A or B for hybrid modern authentication (`path: 'hma'`), C for basic authentication. */
  flow: 'A' | 'B' | 'C';
  runId: string;
  user: string;
  result?: FlowResult | BasicFlowResult;
  error?: DeviceFlowError;
  /** The run's trace entries labelled with FLOWS.md step numbers, in order. */
  steps: FlowStep[];
  /** The run's raw trace entries. */
  entries: TraceEntry[];
}

export interface Lab {
  readonly mode: LabMode;
  readonly scenario: Scenario;
  readonly clock: VirtualClock;
  readonly trace: TraceRecorder;
  readonly hosts: HostMap;
  readonly directory: Directory;
  readonly keys: KeyStore;
  readonly faults: FaultBoard;
  /** Loopback mode: each party's base URL (`http://127.0.0.1:<port>`). Empty in-process. */
  readonly services: Partial<Record<ServiceParty, string>>;
  /** Loopback mode with `frontDoor`: its base URL. */
  readonly frontDoor?: string;
  /** Loopback mode with `admin`: the admin API's base URL (see admin.ts). */
  readonly admin?: string;
  /** Loopback mode with `admin`: the trainer UI (`<admin>/ui/`). */
  readonly ui?: string;
  /** With `tls`: the path of the CA certificate clients must trust, and its PEM. */
  readonly ca?: { path: string; pem: string };
  /** The lab's fetch as an outside client: real host names are routed to the lab. */
  readonly fetch: LabFetch;
  /** The lab's fetch calling as a given party. */
  fetchAs(party: Party): LabFetch;
  /** The running services, for their controls (e.g. `service('entra').rotateSigningKey()`). */
  service<T = LabService>(party: ServiceParty): T;
  /** What the user types on the phone, from the scenario (password, authenticator secret). */
  credentials(upn: string): DeviceUser;
  /** A reference device bound to this lab. */
  device(options?: { deviceId?: string }): Device;
  /** Runs flow A (or B, for a cloud mailbox) for a user with a fresh device, and labels the trace. */
  runFlow(
    upn: string,
    options?: {
      runId?: string;
      device?: Device;
      path?: 'hma' | 'basic';
      basicDevice?: BasicAuthDevice;
    },
  ): Promise<FlowRun>;
  /** A flow C device (basic authentication through the Outlook cloud service) bound to this lab. */
  basicDevice(options?: { deviceId?: string }): BasicAuthDevice;
  close(): Promise<void>;
}

function resolveScenario(input: LabOptions['scenario']): Scenario {
  if (input === undefined) return builtInScenario('contoso');
  if (typeof input === 'string') return builtInScenario(input);
  let copy: unknown;
  try {
    copy = structuredClone(input);
  } catch (error) {
    // A function, a symbol, a proxy or a getter that throws: nothing a scenario holds.
    throw new ScenarioError([
      { path: '', message: `cannot be read as data (${(error as Error).message})` },
    ]);
  }
  return parseScenario(copy);
}

/**
 * Starts a lab: every party of the scenario, wired together through one
 * transport, sharing one virtual clock and one trace.
 *
 * @example
 * ```ts
 * const lab = await createLab({ mode: 'loopback' });
 * const run = await lab.runFlow('alice@contoso.com');
 * expect(run.steps.map((s) => s.step)).toContain(17);
 * await lab.close();
 * ```
 */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  checkLabOptions(options);
  const scenario = resolveScenario(options.scenario);
  const mode = options.mode ?? 'in-process';
  const log = options.log ? neverThrowing(options.log) : createConsoleLogger();
  const startMs =
    options.startMs ?? (scenario.clock.start ? Date.parse(scenario.clock.start) : undefined);
  const clock = createVirtualClock({
    ...(startMs !== undefined ? { startMs } : {}),
    mode: options.clockMode ?? 'frozen',
    onTimerError: (label, error) =>
      log({ level: 'error', party: 'lab', message: `timer ${label} failed`, error }),
  });
  const trace = createTraceRecorder({
    clock,
    enabled: options.trace ?? true,
    ...(options.maxTraceEntries ? { maxEntries: options.maxTraceEntries } : {}),
  });
  trace.addBodyDecoder(WBXML_CONTENT_TYPE, (body) => toXml(decodeWbxml(body), { pretty: true }));
  const hosts = hostsForScenario(scenario);
  const directory = createDirectory(scenario, clock);
  const keys = createFixedKeyStore();
  const faults = createFaultBoard(scenario.faults);

  const apps = new Map<ServiceParty, RequestListener>();
  const listeners = new Map<ServiceParty, Listener>();
  const tlsOption = mode === 'loopback' ? options.tls : undefined;
  const ca: LocalCa | undefined = tlsOption
    ? await loadOrCreateCa(typeof tlsOption === 'object' ? tlsOption.dir : undefined)
    : undefined;
  // The parties' loopback calls go through the lab's own agent, closed with
  // the lab: the process's global one keeps every origin it ever reached, and
  // each lab's fresh ports are new origins (~160 KB each, for good). Over TLS
  // the agent trusts the lab's CA, like every client must. Made at the first
  // call, so a lab's start does not wait for undici. Its answers may take an
  // hour: a Ping held through its longest heartbeat (59 min; undici gives up
  // on headers after 5 min by default).
  let ownAgent: Promise<{ undici: typeof Undici; agent: Undici.Agent }> | undefined;
  const loopbackFetch = async (url: string, init: RequestInit): Promise<Response> => {
    ownAgent ??= import('undici').then((undici) => ({
      undici,
      agent: new undici.Agent({
        headersTimeout: HELD_ANSWER_TIMEOUT_MS,
        ...(ca ? { connect: { ca: ca.caPem } } : {}),
      }),
    }));
    const { undici, agent } = await ownAgent;
    return undici.fetch(url, {
      ...(init as object),
      dispatcher: agent,
    }) as unknown as Promise<Response>;
  };
  const transport =
    mode === 'in-process'
      ? createInProcessTransport((party) => apps.get(party))
      : mode === 'nock'
        ? createGlobalFetchTransport()
        : createLoopbackTransport((party) => {
            const listener = listeners.get(party);
            if (!listener) {
              throw new TypeError('fetch failed', {
                cause: Object.assign(new Error(`connect ECONNREFUSED (${party})`), {
                  code: 'ECONNREFUSED',
                }),
              });
            }
            return listener.url;
          }, loopbackFetch);
  const factory = createServiceDepsFactory({
    clock,
    trace,
    hosts,
    directory,
    keys,
    transport,
    faults,
    log,
  });
  const deps = (party: ServiceParty) => factory.depsFor(party);

  const services = new Map<ServiceParty, LabService>();
  const add = (
    party: ServiceParty,
    service: { app: RequestListener; close(): Promise<void> },
  ): void => {
    services.set(party, service);
    apps.set(party, service.app);
  };
  const configs = options.services ? parseServiceOptions(options.services) : {};
  add('entra', createEntra(deps('entra'), configs.entra));
  add('wap', createWap(deps('wap'), configs.wap));
  add('adfs', createAdfs(deps('adfs'), configs.adfs));
  add(
    'onprem-autodiscover',
    createOnpremAutodiscover(deps('onprem-autodiscover'), configs['onprem-autodiscover']),
  );
  const onpremEas = createOnpremActiveSync(deps('onprem-eas'), configs['onprem-eas']);
  const exo = createExchangeOnline(deps('exo'), configs.exo);
  // Hybrid mail flow: mail either Exchange sends to a mailbox the other holds arrives there.
  onpremEas.routeMail(exo.acceptMail);
  exo.routeMail(onpremEas.acceptMail);
  add('onprem-eas', onpremEas);
  add('exo', exo);
  add('autodetect', createAutodetect(deps('autodetect'), configs.autodetect));
  add('outlook-service', createOutlookService(deps('outlook-service'), configs['outlook-service']));

  const urls: Partial<Record<ServiceParty, string>> = {};
  let frontDoor: Listener | undefined;
  let adminListener: Listener | undefined;
  let nockInterception: NockInterception | undefined;
  /** Lets go of everything the lab holds: timers, services, sockets, its agent, the trace's context. */
  const release = async (): Promise<void> => {
    clock.dispose();
    nockInterception?.remove();
    await Promise.all([...services.values()].map((s) => s.close()));
    const opened = [
      ...listeners.values(),
      ...(frontDoor ? [frontDoor] : []),
      ...(adminListener ? [adminListener] : []),
    ];
    await Promise.all(opened.map((l) => l.close()));
    if (ownAgent) await (await ownAgent).agent.close();
    trace.dispose();
  };
  try {
    if (mode === 'nock')
      nockInterception = await interceptWithNock(hosts, (party) => apps.get(party));
    if (mode === 'loopback') await listenAll();
  } catch (error) {
    // Nothing of a lab that did not start is left behind.
    await release();
    throw error;
  }
  async function listenAll(): Promise<void> {
    const bindHost = options.bindHost ?? '127.0.0.1';
    const contexts = new Map<ServiceParty, SecureContext>();
    for (const party of SERVICE_PARTIES) {
      const app = apps.get(party);
      if (!app) continue;
      const material = ca ? await ca.certificateFor(hosts.hostnames(party)) : undefined;
      if (material) contexts.set(party, createSecureContext(material));
      const listener = await listen(app, options.ports?.[party] ?? 0, bindHost, material);
      listeners.set(party, listener);
      urls[party] = listener.url;
    }
    if (options.frontDoor) {
      frontDoor = await listen(
        routeByHost(hosts, apps),
        options.frontDoor.port,
        bindHost,
        ca
          ? {
              // One certificate per party, chosen by the name the client asked for (SNI).
              ...(await ca.certificateFor(hosts.hostnames('entra'))),
              SNICallback: (servername, done) => {
                const party = hosts.partyFor(servername);
                done(null, party ? contexts.get(party) : undefined);
              },
            }
          : undefined,
      );
    }
  }

  const credentials = (upn: string): DeviceUser => {
    if (typeof upn !== 'string') {
      throw new LabUsageError(
        'invalid_argument',
        `a user is named by its UPN (a text), got ${upn === null ? 'null' : typeof upn}`,
      );
    }
    const user = directory.user(upn);
    if (!user) {
      throw new LabUsageError(
        'invalid_argument',
        `no user ${JSON.stringify(shorten(upn, 100))} in scenario ${scenario.name}`,
      );
    }
    return {
      email: user.upn,
      password: user.password,
      ...(user.mfa ? { totpSecret: user.mfa.secret } : {}),
    };
  };
  const device = (deviceOptions: { deviceId?: string } = {}): Device =>
    createDevice({ fetch: factory.fetchFor('device'), clock, trace, ...deviceOptions });

  let closing: Promise<void> | undefined;
  const assertOpen = (): void => {
    if (closing) throw new LabUsageError('lab_closed', 'this lab is closed: create a new one');
  };
  const clientFetch = factory.fetchFor('client');
  const lab: { -readonly [K in keyof Lab]: Lab[K] } = {
    mode,
    scenario,
    clock,
    trace,
    hosts,
    directory,
    keys,
    faults,
    services: urls,
    ...(frontDoor ? { frontDoor: frontDoor.url } : {}),
    ...(ca ? { ca: { path: ca.caPath, pem: ca.caPem } } : {}),
    fetch: (input, init) => {
      assertOpen();
      return clientFetch(input, init);
    },
    fetchAs: (party) => {
      const partyFetch = factory.fetchFor(party);
      return (input, init) => {
        assertOpen();
        return partyFetch(input, init);
      };
    },
    service<T>(party: ServiceParty): T {
      const service = services.get(party);
      if (!service) throw new Error(`${party} is not running in this lab`);
      return service as T;
    },
    credentials,
    device: (deviceOptions) => {
      assertOpen();
      return device(deviceOptions);
    },
    basicDevice: (deviceOptions = {}) => {
      assertOpen();
      return createBasicAuthDevice({
        fetch: factory.fetchFor('device'),
        clock,
        trace,
        ...deviceOptions,
      });
    },
    async runFlow(upn, runOptions = {}) {
      assertOpen();
      checkRunOptions(runOptions);
      const runId = runOptions.runId ?? randomUUID();
      const user = credentials(upn);
      const basic = runOptions.path === 'basic';
      // A flow C device made here lives only for the run (its background wake-ups stop with it).
      const ownBasic = basic && !runOptions.basicDevice ? lab.basicDevice() : undefined;
      const phone = basic ? (runOptions.basicDevice ?? ownBasic!) : (runOptions.device ?? device());
      try {
        const result = await phone.connect(user, { runId });
        const entries = trace.entries({ runId });
        return {
          ok: true,
          flow: result.flow,
          runId,
          user: user.email,
          result,
          entries,
          steps: labelFlow(entries, result.flow),
        };
      } catch (error) {
        if (!(error instanceof DeviceFlowError)) throw error;
        const flow = error.flow;
        const entries = trace.entries({ runId });
        return {
          ok: false,
          flow,
          runId,
          user: user.email,
          error,
          entries,
          steps: labelFlow(entries, flow),
        };
      } finally {
        ownBasic?.close();
      }
    },
    close() {
      // Every call waits for the same closing.
      return (closing ??= release());
    },
  };
  if (mode === 'loopback' && options.admin) {
    try {
      // The trainer UI and the admin API share one listener (same origin for the page's calls).
      const control = express();
      control.disable('x-powered-by');
      control.use('/ui', createTrainerUi({ lab: () => lab }));
      control.use(createAdminApp(lab));
      adminListener = await listen(control, options.admin.port, options.bindHost ?? '127.0.0.1');
    } catch (error) {
      await lab.close();
      throw error;
    }
    lab.admin = adminListener.url;
    lab.ui = `${adminListener.url}/ui/`;
  }
  return lab;
}

/** The front door: hands each request to the party that owns its `Host`. */
function routeByHost(hosts: HostMap, apps: Map<ServiceParty, RequestListener>): RequestListener {
  return function frontDoorRoute(req, res) {
    const hostname = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const party = hosts.partyFor(hostname);
    const app = party ? apps.get(party) : undefined;
    if (!app) {
      res
        .writeHead(421, { 'content-type': 'text/plain' })
        .end(
          `no emulated service answers for ${hostname ? shorten(hostname, 255) : 'this host'}\n`,
        );
      return;
    }
    app(req, res);
  };
}
