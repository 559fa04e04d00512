import { randomUUID } from 'node:crypto';
import type { Clock, LabFetch, Timer, TraceRecorder } from '@hma-lab/core';
import type { DeviceUser } from '../device.js';
import { DeviceFlowError } from '../errors.js';
import {
  INITIAL_CONDITIONS,
  wakesInBackground,
  type BasicDeviceConditions,
} from './device-conditions.js';
import { generateDeviceKey } from './device-key.js';

/**
 * Outlook for iOS and Android on the basic-authentication path (flow C of
 * FLOWS.md, seeds 000/001): the app makes a random AES-128 device key on its
 * first run, keeps it and nothing else secret, and sends it to the Outlook
 * cloud service with every connection. The model also has what makes the
 * account inactive for the service (uninstall; background refresh off plus
 * force-close; no connectivity) and wakes up in the background on the lab's
 * clock when it would.
 */

export interface BasicAuthDeviceOptions {
  /** The lab's fetch, calling as `device`. */
  fetch: LabFetch;
  clock: Clock;
  trace: TraceRecorder;
  /** Stable id of this phone. Default: random, 32 hex digits. */
  deviceId?: string;
  /** Default `https://prod-outlookservice.outlookmobile.com`. */
  serviceOrigin?: string;
  /** The ActiveSync URL the user typed; default: the service's own default. */
  activeSyncUrl?: string;
  /** How often the app wakes up in the background when it may. Default `1h`. */
  backgroundRefreshInterval?: string | number;
  /** Source of the device key's bytes (tests pass a fixed one). Default node:crypto `randomBytes`. */
  randomBytes?: (size: number) => Buffer;
}

/** What the app keeps at rest on the phone. The password is never among it. */
export interface BasicDeviceStorage {
  /** A copy of the device key, when one exists. */
  deviceKey: Buffer | undefined;
  accountId: string | undefined;
  emailAddress: string | undefined;
}

export interface BasicFlowResult {
  flow: 'C';
  runId: string;
  accountId: string;
  /**
   * The service had flushed the account (weekly purge): this start set it up
   * again, steps 2-5, without the user seeing anything (seed FAQ).
   */
  resetUp: boolean;
  account: Record<string, unknown>;
  messages: Array<Record<string, unknown>>;
  events: Array<Record<string, unknown>>;
  contacts: Array<Record<string, unknown>>;
}

export interface BasicAuthDevice {
  readonly deviceId: string;
  conditions(): BasicDeviceConditions;
  /**
   * Adds the account (steps 1-9): the device key on first run, sign-in with
   * user name, password and key, then the first connection that brings the
   * mailbox. Failures are {@link DeviceFlowError}s of flow C.
   */
  connect(user: DeviceUser, options?: { runId?: string }): Promise<BasicFlowResult>;
  /** The user opens the app (steps 6-9; after a purge 12, then 2-9 again). Clears force-close. */
  openApp(options?: { runId?: string }): Promise<BasicFlowResult>;
  /** One background wake-up now, if the conditions allow one (undefined otherwise). */
  backgroundRefresh(): Promise<BasicFlowResult | undefined>;
  /** "Delete account" in the app: the service removes everything at once. */
  deleteAccount(): Promise<void>;
  setBackgroundRefresh(enabled: boolean): void;
  /** The user swipes the app away. */
  forceClose(): void;
  setConnectivity(online: boolean): void;
  /** Removes the app (and its storage: the device key is gone) without "delete account". */
  uninstall(): void;
  /** Installs the app again: empty storage; the next `connect` is a first run. */
  install(): void;
  storage(): BasicDeviceStorage;
  /** When the next background wake-up is due, if one is scheduled. */
  nextWakeUpMs(): number | undefined;
  /** The last background wake-up's failure, if it failed. */
  lastBackgroundError(): DeviceFlowError | undefined;
  /** Cancels the device's timers. */
  close(): void;
}

interface ServiceAnswer {
  status: number;
  body: Record<string, unknown> | undefined;
}

const DEFAULT_SERVICE = 'https://prod-outlookservice.outlookmobile.com';

export function createBasicAuthDevice(options: BasicAuthDeviceOptions): BasicAuthDevice {
  const { fetch, clock, trace } = options;
  const deviceId = options.deviceId ?? randomUUID().replace(/-/g, '').toUpperCase();
  const origin = options.serviceOrigin ?? DEFAULT_SERVICE;
  const interval = options.backgroundRefreshInterval ?? '1h';
  const conditions: BasicDeviceConditions = { ...INITIAL_CONDITIONS };
  let key: Buffer | undefined;
  let accountId: string | undefined;
  let emailAddress: string | undefined;
  /** The person holding the phone: what they know, not what the app stores. */
  let person: DeviceUser | undefined;
  let wakeUp: Timer | undefined;
  let backgroundError: DeviceFlowError | undefined;
  let closed = false;

  function fail(step: number, reason: string, message: string, detail?: Record<string, unknown>) {
    return new DeviceFlowError('C', step, reason, message, detail);
  }

  function requireUsable(step: number): void {
    if (!conditions.installed) throw fail(step, 'app-not-installed', 'Outlook is not installed');
    if (!conditions.online) {
      throw fail(step, 'offline', 'the device has no internet connection');
    }
  }

  async function call(method: string, path: string, body: object): Promise<ServiceAnswer> {
    let response: Response;
    try {
      response = await fetch(`${origin}${path}`, {
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw new DeviceFlowError(
        'C',
        path.endsWith('/connect') ? 6 : 2,
        'service-unreachable',
        'the Outlook cloud service could not be reached',
        undefined,
        { cause: error },
      );
    }
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }

  function serviceError(answer: ServiceAnswer, fallbackStep: number): DeviceFlowError {
    const error = (answer.body?.['error'] ?? {}) as {
      code?: string;
      message?: string;
      step?: number;
      reason?: string;
    };
    const reason = (error.code ?? 'service-error')
      .replace(/([a-z])([A-Z])/g, '$1-$2')
      .toLowerCase();
    return fail(
      error.step ?? fallbackStep,
      reason,
      error.message ?? `the Outlook cloud service answered ${answer.status}`,
      {
        status: answer.status,
        ...(error.code ? { code: error.code } : {}),
        ...(error.reason ? { reason: error.reason } : {}),
      },
    );
  }

  /** Step 1: the device key, made once per installation. */
  function ensureKey(): Buffer {
    if (!key) {
      key = generateDeviceKey(options.randomBytes);
      trace.event(
        'device',
        'outlook.device.key.generated',
        'first run against on-premises Exchange: a random AES-128 device key, kept only on the device',
        { deviceId, bits: key.length * 8 },
      );
    }
    return key;
  }

  /** Steps 2-5. */
  async function signIn(user: DeviceUser): Promise<void> {
    const deviceKey = ensureKey();
    const answer = await call('POST', '/api/basic/v1/accounts', {
      emailAddress: user.email,
      password: user.password,
      deviceKey: deviceKey.toString('base64'),
      deviceId,
      ...(options.activeSyncUrl ? { activeSyncUrl: options.activeSyncUrl } : {}),
    });
    if (answer.status !== 201 || typeof answer.body?.['accountId'] !== 'string') {
      throw serviceError(answer, 2);
    }
    accountId = answer.body['accountId'];
    emailAddress = user.email;
  }

  /** Steps 6-9 (12 when the account is gone). */
  async function connectOnce(reason: 'foreground' | 'background'): Promise<ServiceAnswer> {
    const answer = await call('POST', `/api/basic/v1/accounts/${accountId}/connect`, {
      deviceKey: ensureKey().toString('base64'),
      reason,
    });
    const code = (answer.body?.['error'] as { code?: string } | undefined)?.code;
    if (code === 'InvalidCredentials' || code === 'ExchangeRefused') {
      // Exchange refused the stored password: the service dropped the account.
      accountId = undefined;
    }
    return answer;
  }

  function result(runId: string, answer: ServiceAnswer, resetUp: boolean): BasicFlowResult {
    const body = answer.body ?? {};
    const list = (name: string) =>
      (Array.isArray(body[name]) ? body[name] : []) as Array<Record<string, unknown>>;
    return {
      flow: 'C',
      runId,
      accountId: accountId!,
      resetUp,
      account: (body['account'] ?? {}) as Record<string, unknown>,
      messages: list('messages'),
      events: list('events'),
      contacts: list('contacts'),
    };
  }

  async function foreground(runId: string, resetUp: boolean): Promise<BasicFlowResult> {
    if (!accountId) throw fail(6, 'no-account', 'no account on this device: connect() first');
    let answer = await connectOnce('foreground');
    if (answer.status === 404) {
      // Step 12: the weekly job flushed the account; set everything up again.
      trace.event(
        'device',
        'outlook.device.account.resetup',
        'the service no longer has the account: encryption and caching start over',
        { deviceId, previousAccountId: accountId },
      );
      accountId = undefined;
      if (!person) {
        throw fail(12, 'sign-in-required', 'the account must be set up again');
      }
      await signIn(person);
      resetUp = true;
      answer = await connectOnce('foreground');
    }
    if (answer.status !== 200) throw serviceError(answer, 6);
    return result(runId, answer, resetUp);
  }

  function inRun<T>(runId: string, fn: () => Promise<T>): Promise<T> {
    return trace.runWith({ runId, party: 'device' }, fn);
  }

  function reschedule(): void {
    wakeUp?.cancel();
    wakeUp = undefined;
    if (closed || !accountId || !wakesInBackground(conditions)) return;
    wakeUp = clock.after(
      interval,
      () => trace.runWith({ party: 'device' }, () => wake()),
      `device ${deviceId} background refresh`,
    );
  }

  async function wake(): Promise<BasicFlowResult | undefined> {
    wakeUp = undefined;
    if (!accountId || !wakesInBackground(conditions)) return undefined;
    try {
      const answer = await connectOnce('background');
      if (answer.status !== 200) throw serviceError(answer, 6);
      backgroundError = undefined;
      return result('', answer, false);
    } catch (error) {
      // A background wake-up has nobody to tell; the next app start deals with it.
      backgroundError = error instanceof DeviceFlowError ? error : undefined;
      return undefined;
    } finally {
      reschedule();
    }
  }

  return {
    deviceId,
    conditions: () => ({ ...conditions }),
    connect(user, connectOptions = {}) {
      const runId = connectOptions.runId ?? randomUUID();
      return inRun(runId, async () => {
        requireUsable(2);
        conditions.forceClosed = false;
        person = user;
        await signIn(user);
        try {
          return await foreground(runId, false);
        } finally {
          reschedule();
        }
      });
    },
    openApp(openOptions = {}) {
      const runId = openOptions.runId ?? randomUUID();
      return inRun(runId, async () => {
        requireUsable(6);
        conditions.forceClosed = false;
        try {
          return await foreground(runId, false);
        } finally {
          reschedule();
        }
      });
    },
    async backgroundRefresh() {
      wakeUp?.cancel();
      return trace.runWith({ party: 'device' }, () => wake());
    },
    async deleteAccount() {
      requireUsable(6);
      if (!accountId) return;
      const answer = await call('DELETE', `/api/basic/v1/accounts/${accountId}`, {
        deviceKey: ensureKey().toString('base64'),
      });
      if (answer.status !== 204 && answer.status !== 404) throw serviceError(answer, 6);
      accountId = undefined;
      emailAddress = undefined;
      person = undefined;
      reschedule();
    },
    setBackgroundRefresh(enabled) {
      conditions.backgroundRefresh = enabled;
      reschedule();
    },
    forceClose() {
      conditions.forceClosed = true;
      reschedule();
    },
    setConnectivity(online) {
      conditions.online = online;
      reschedule();
    },
    uninstall() {
      conditions.installed = false;
      key?.fill(0);
      key = undefined;
      accountId = undefined;
      emailAddress = undefined;
      person = undefined;
      reschedule();
    },
    install() {
      conditions.installed = true;
      conditions.forceClosed = false;
      reschedule();
    },
    storage: () => ({
      deviceKey: key ? Buffer.from(key) : undefined,
      accountId,
      emailAddress,
    }),
    nextWakeUpMs: () => wakeUp?.atMs,
    lastBackgroundError: () => backgroundError,
    close() {
      closed = true;
      wakeUp?.cancel();
      wakeUp = undefined;
    },
  };
}
