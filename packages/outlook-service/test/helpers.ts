import {
  contosoScenario,
  createTestContext,
  parseScenario,
  type ScenarioInput,
  type TestContext,
} from '@hma-lab/core';
import {
  createOnpremActiveSync,
  type OnpremActiveSyncConfig,
  type OnpremActiveSyncService,
} from '@hma-lab/exchange-onprem';
import {
  createBasicAuthDevice,
  type BasicAuthDevice,
  type BasicAuthDeviceOptions,
} from '@hma-lab/outlook-mobile';
import {
  createOutlookService,
  withoutOutlookBlockRule,
  type OutlookService,
  type OutlookServiceConfig,
} from '@hma-lab/outlook-service';

export const SERVICE = 'https://prod-outlookservice.outlookmobile.com';
export const ALICE = { email: 'alice@contoso.com', password: 'Passw0rd!' } as const;
/** A fixed device key, so tests can look for it (and its encodings) everywhere. */
export const FIXED_KEY = Buffer.from('9f1c2e7a4b6d8f00a1b2c3d4e5f60718', 'hex');

/** A JSON answer of the device API. */
export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: {
    error?: { code: string; message: string; step?: number; reason?: string };
    accountId?: string;
    [key: string]: unknown;
  };
}

export interface BasicLab {
  ctx: TestContext;
  eas: OnpremActiveSyncService;
  outlook: OutlookService;
  /** A phone running Outlook, calling as `device`. */
  phone(options?: Partial<BasicAuthDeviceOptions>): BasicAuthDevice;
  /** Raw JSON call to the service as the device. */
  call(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  close(): Promise<void>;
}

/**
 * contoso with on-prem ActiveSync and the Outlook cloud service mounted
 * in-process. By default the HMA pair's DeviceModel block rule is removed, so
 * flow C can succeed; `blockOutlook: true` keeps contoso as shipped.
 */
export function createBasicLab(
  options: {
    blockOutlook?: boolean;
    scenario?: (input: ScenarioInput) => void;
    config?: Partial<OutlookServiceConfig>;
    easConfig?: Partial<OnpremActiveSyncConfig>;
    mountExchange?: boolean;
  } = {},
): BasicLab {
  let input: ScenarioInput = structuredClone(contosoScenario);
  if (!options.blockOutlook) input = withoutOutlookBlockRule(input);
  options.scenario?.(input);
  const ctx = createTestContext({ scenario: parseScenario(input) });
  const eas = createOnpremActiveSync(ctx.depsFor('onprem-eas'), options.easConfig);
  if (options.mountExchange !== false) ctx.mount('onprem-eas', eas.app);
  const outlook = createOutlookService(ctx.depsFor('outlook-service'), options.config);
  ctx.mount('outlook-service', outlook.app);
  const phones: BasicAuthDevice[] = [];
  const deviceFetch = ctx.fetchFor('device');
  return {
    ctx,
    eas,
    outlook,
    phone(phoneOptions = {}) {
      const phone = createBasicAuthDevice({
        fetch: deviceFetch,
        clock: ctx.clock,
        trace: ctx.trace,
        randomBytes: () => Buffer.from(FIXED_KEY),
        ...phoneOptions,
      });
      phones.push(phone);
      return phone;
    },
    async call(method, path, body) {
      const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const res = await deviceFetch(`${SERVICE}${path}`, init);
      const text = await res.text();
      let parsed: ApiAnswer['body'];
      try {
        parsed = text ? (JSON.parse(text) as ApiAnswer['body']) : {};
      } catch {
        parsed = { text };
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      for (const phone of phones) phone.close();
      await outlook.close();
      await eas.close();
    },
  };
}

/** The sign-in body a device sends (step 2). */
export function signInBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    emailAddress: ALICE.email,
    password: ALICE.password,
    deviceKey: FIXED_KEY.toString('base64'),
    deviceId: 'PHONE0001',
    ...overrides,
  };
}

// --- scanning for secrets ----------------------------------------------------

export interface Haystack {
  strings: string[];
  buffers: Buffer[];
}

/** Every string and Buffer reachable from a value (objects, arrays, Maps, Sets). */
export function collect(value: unknown, into: Haystack = { strings: [], buffers: [] }): Haystack {
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v === null || v === undefined) return;
    if (typeof v === 'string') {
      into.strings.push(v);
      return;
    }
    if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') {
      into.strings.push(String(v));
      return;
    }
    if (typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (Buffer.isBuffer(v) || v instanceof Uint8Array) {
      into.buffers.push(Buffer.from(v));
      return;
    }
    if (v instanceof Error) {
      into.strings.push(v.message, v.stack ?? '');
      walk((v as { cause?: unknown }).cause);
      return;
    }
    if (v instanceof Map) {
      for (const [k, item] of v) {
        walk(k);
        walk(item);
      }
      return;
    }
    if (v instanceof Set || Array.isArray(v)) {
      for (const item of v) walk(item);
      return;
    }
    for (const [k, item] of Object.entries(v)) {
      into.strings.push(k);
      walk(item);
    }
  };
  walk(value);
  return into;
}

/** The forms a secret could take in text: itself, hex, base64, base64url. */
export function textForms(secret: Buffer): string[] {
  const forms = [
    secret.toString('hex'),
    secret.toString('hex').toUpperCase(),
    secret.toString('base64'),
    secret.toString('base64').replace(/=+$/, ''),
    secret.toString('base64url'),
  ];
  const utf8 = secret.toString('utf8');
  if (/^[\x20-\x7e]+$/.test(utf8)) forms.push(utf8, encodeURIComponent(utf8));
  return forms;
}

/**
 * Where a secret shows up in a haystack: as raw bytes in a Buffer, in any of
 * its text forms in a string, or inside a base64 run of a string once decoded
 * (a `Basic` credential, a base64 blob). Empty when nowhere.
 */
export function findSecret(haystack: Haystack, secret: Buffer): string[] {
  const found: string[] = [];
  const forms = textForms(secret);
  for (const buffer of haystack.buffers) {
    if (buffer.includes(secret)) found.push(`raw bytes in a ${buffer.length}-byte Buffer`);
    const asText = buffer.toString('latin1');
    for (const form of forms) if (asText.includes(form)) found.push(`"${form}" in a Buffer`);
  }
  for (const text of haystack.strings) {
    for (const form of forms)
      if (text.includes(form)) found.push(`"${form}" in "${text.slice(0, 80)}"`);
    for (const run of text.match(/[A-Za-z0-9+/_-]{8,}={0,2}/g) ?? []) {
      for (const encoding of ['base64', 'base64url'] as const) {
        if (Buffer.from(run, encoding).includes(secret)) {
          found.push(`${encoding} run "${run.slice(0, 40)}" decodes to it`);
        }
      }
    }
  }
  return found;
}

/** Everything at rest in the cloud service, every log line and every trace record. */
export function everythingRecorded(lab: BasicLab): Record<string, Haystack> {
  return {
    stores: collect(lab.outlook.stores),
    controls: collect({
      accounts: lab.outlook.accounts(),
      memory: lab.outlook.passwordsInMemory(),
    }),
    log: collect(lab.ctx.log.entries),
    trace: collect(lab.ctx.trace.entries()),
    traceJson: { strings: [JSON.stringify(lab.ctx.trace.entries())], buffers: [] },
  };
}

/** Asserts that neither the password nor the device key is recorded anywhere. */
export function expectNothingLeaked(lab: BasicLab, password: string, deviceKey: Buffer): void {
  const leaks: Record<string, string[]> = {};
  for (const [where, haystack] of Object.entries(everythingRecorded(lab))) {
    const hits = [
      ...findSecret(haystack, Buffer.from(password, 'utf8')).map((h) => `password: ${h}`),
      ...findSecret(haystack, deviceKey).map((h) => `device key: ${h}`),
    ];
    if (hits.length > 0) leaks[where] = hits;
  }
  expect(leaks).toEqual({});
}
