import { decodeWbxml, toXml, WBXML_CONTENT_TYPE } from '@hma-lab/activesync';
import {
  checkMailInput,
  evaluateDeviceAccess,
  mailAttachmentsFrom,
  createServiceApp,
  type AccessDecision,
  type AccessLevel,
  type Address,
  type EasPolicy,
  type MailRoute,
  type ServiceDeps,
} from '@hma-lab/core';
import type express from 'express';
import { resolveActiveSyncConfig, type OnpremActiveSyncConfig } from './config.js';
import { activeSyncCommand, deliverTo } from './http/activesync-command.js';
import { authenticate } from './http/activesync-auth.js';
import { easAvailability } from './http/activesync-availability.js';
import { activeSyncErrors, activeSyncNotFound } from './http/activesync-errors.js';
import { locateMailbox } from './http/activesync-mailbox.js';
import { activeSyncOptions, activeSyncOtherMethod } from './http/activesync-options.js';
import { createEntraJwks } from './http/entra-jwks.js';
import { exchangeHeaders } from './http/exchange-headers.js';
import { createWaitRegistry } from './protocol/change-waiter.js';
import {
  createDeviceRegistry,
  deviceFacts,
  type DeviceRecord,
  type DeviceRegistry,
} from './protocol/devices.js';
import {
  createMailboxStore,
  type MailboxStore,
  type StoredItem,
} from './protocol/mailbox-store.js';
import type { EasServiceState } from './protocol/server-state.js';
import { createTokenCache } from './protocol/token-cache.js';
import { onpremWithFaults } from './protocol/fault-overlay.js';
import { preauthProxy } from './http/preauth-proxy.js';

/** A message the lab makes arrive (`deliver`). */
export interface DeliverInput {
  subject: string;
  /** An address, or `{ name, email }`. */
  from: string | Address;
  bodyText: string;
  bodyHtml?: string;
  /** Default: the mailbox owner. */
  to?: Address[];
  cc?: Address[];
  /** Files the message carries: text content is taken as UTF-8. */
  attachments?: Array<{ name: string; content: string | Uint8Array; contentType?: string }>;
  importance?: 0 | 1 | 2;
}

/** The on-prem ActiveSync party (`onprem-eas`) and the controls the lab needs. */
export interface OnpremActiveSyncService {
  app: express.Express;
  config: OnpremActiveSyncConfig;
  /** The mailboxes (inspect folders and items; change them as a test needs). */
  store: MailboxStore;
  /** Device partnerships: what each device said, its keys and sync state. */
  devices: DeviceRegistry;
  /** Makes new mail arrive in a user's Inbox (waiting Pings answer). Returns the stored item. */
  deliver(upn: string, message: DeliverInput): StoredItem;
  /** Mail sent to an on-premises mailbox from elsewhere (another Exchange's route): false when there is no such mailbox. */
  acceptMail: MailRoute;
  /**
   * Where SendMail, SmartReply and SmartForward send mail for addresses without
   * an on-premises mailbox (the lab gives Exchange Online's `acceptMail`:
   * hybrid mail flow). Without a route, or when it declines, the recipient is
   * outside the organisation.
   */
  routeMail(route: MailRoute | undefined): void;
  /** Marks a device for remote wipe (`Clear-MobileDevice`): its next command must Provision, which wipes it. */
  remoteWipe(upn: string, deviceId: string): void;
  /** Allows, blocks or quarantines one device (undefined: back to the rules), like approving a quarantined device. */
  setDeviceAccess(upn: string, deviceId: string, level: AccessLevel | undefined): void;
  /** The access decision for a known device now. */
  deviceAccess(upn: string, deviceId: string): AccessDecision;
  /** Changes the ActiveSync mailbox policy; provisioned devices get Status 143 (449) and re-provision. */
  setEasPolicy(change: Partial<EasPolicy>): void;
  /** Answers a user's ActiveSync POSTs with 451 and this `X-MS-Location` (undefined: stop). */
  moveMailbox(upn: string, location: string | undefined): void;
  /** `Set-CASMailbox -ActiveSyncEnabled`: false -> 403. */
  setActiveSyncEnabled(upn: string, enabled: boolean): void;
  /** Forgets a device partnership (`Remove-MobileDevice`). */
  removeDevice(upn: string, deviceId: string): boolean;
  /** How many requests (Ping, hanging Sync) are waiting for changes now. */
  waitingRequests(): number;
  /** How many times Entra's JWKS has been fetched. */
  readonly jwksFetchCount: number;
  /** Ends waiting requests; the app stays usable. */
  close(): Promise<void>;
}

/**
 * The on-prem ActiveSync party (`https://<easHost>/Microsoft-Server-ActiveSync`):
 * Exchange's 401 Bearer challenge and OAuth validation (Entra's JWKS through
 * `deps.fetch`), Basic with authentication policies, device access rules,
 * and the ActiveSync commands over a mailbox store seeded from the scenario.
 *
 * @example
 * ```ts
 * const eas = createOnpremActiveSync(ctx.depsFor('onprem-eas'));
 * ctx.mount('onprem-eas', eas.app);
 * eas.deliver('alice@contoso.com', { subject: 'Hi', from: 'megan@contoso.com', bodyText: 'Hello' });
 * ```
 * @see protocol-facts.md §1 (challenge, x-ms-diagnostics), §6 (ActiveSync), §7 (policies);
 *   MS-ASHTTP, MS-ASCMD, MS-ASPROV; docs/flow-map.md steps A5 and A19
 */
export function createOnpremActiveSync(
  deps: ServiceDeps,
  config: Partial<OnpremActiveSyncConfig> = {},
): OnpremActiveSyncService {
  const resolved = resolveActiveSyncConfig(deps, config);
  // Faults switched on at run time change the configuration Exchange appears to have.
  const scenarioOnprem = resolved.onprem;
  Object.defineProperty(resolved, 'onprem', {
    enumerable: true,
    get: () => onpremWithFaults(scenarioOnprem, deps.faults),
  });
  const state: EasServiceState = {
    config: resolved,
    directory: deps.directory,
    clock: deps.clock,
    hosts: deps.hosts,
    store: createMailboxStore(deps),
    devices: createDeviceRegistry(),
    waits: createWaitRegistry(deps.clock),
    policy: { revision: 1, settings: { ...resolved.onprem.easPolicy } },
    mailboxRedirects: new Map(),
    activeSyncDisabled: new Set(),
    event: (action, summary, data) => deps.trace.event('onprem-eas', action, summary, data),
    faults: deps.faults,
  };
  const jwks = createEntraJwks({
    fetch: deps.fetch,
    url: resolved.jwksUrl,
    clock: deps.clock,
    cacheMs: resolved.jwksCacheMs,
    log: deps.log,
  });
  const tokens = createTokenCache();
  deps.trace.addBodyDecoder(WBXML_CONTENT_TYPE, (body) =>
    toXml(decodeWbxml(body), { pretty: true }),
  );

  // Bodies are WBXML (or MIME) whatever their Content-Type says, and are read
  // only after authentication: never parsed as forms or JSON up front (a body
  // labelled JSON that was not got a bare 400 before the 401 challenge).
  const app = createServiceApp('onprem-eas', deps, {
    bodyLimitBytes: resolved.onprem.maxRequestLengthBytes,
    parseBody: false,
  });
  app.use(
    exchangeHeaders({ server: resolved.serverHeader, frontEndServer: resolved.frontEndServer }),
  );
  const paths = ['/Microsoft-Server-ActiveSync', '/Microsoft-Server-ActiveSync/default.eas'];
  app.all(
    paths,
    easAvailability(deps.faults, resolved.defaultRetryAfterS),
    preauthProxy(deps.faults),
    authenticate(state, { jwks, tokens }),
    locateMailbox(state),
  );
  app.options(paths, activeSyncOptions(state));
  app.post(paths, ...activeSyncCommand(state));
  app.all(paths, activeSyncOtherMethod);
  app.use(activeSyncNotFound);
  app.use(activeSyncErrors(deps, resolved));

  function knownDevice(upn: string, deviceId: string): DeviceRecord {
    const device = state.devices.get(upn, deviceId);
    if (!device) throw new Error(`no device ${deviceId} for ${upn}`);
    return device;
  }

  return {
    app,
    config: resolved,
    store: state.store,
    devices: state.devices,
    deliver(upn, message) {
      checkMailInput(message, ['subject', 'from', 'bodyText']);
      const mailbox = state.store.mailbox(upn);
      if (!mailbox) throw new Error(`no on-premises mailbox for ${upn}`);
      const from =
        typeof message.from === 'string' ? { name: '', email: message.from } : message.from;
      return deliverTo(state, upn, {
        subject: message.subject,
        from,
        to: message.to ?? [mailbox.owner],
        ...(message.cc ? { cc: message.cc } : {}),
        ...(message.attachments ? { attachments: mailAttachmentsFrom(message.attachments) } : {}),
        bodyText: message.bodyText,
        ...(message.bodyHtml ? { bodyHtml: message.bodyHtml } : {}),
        ...(message.importance !== undefined ? { importance: message.importance } : {}),
      })!;
    },
    acceptMail: (upn, mail) => deliverTo(state, upn, mail) !== undefined,
    routeMail(route) {
      state.mailRoute = route;
    },
    remoteWipe(upn, deviceId) {
      knownDevice(upn, deviceId).wipe = 'pending';
      state.event('onprem.eas.wipe.requested', `remote wipe requested for ${deviceId}`, {
        upn,
        deviceId,
      });
    },
    setDeviceAccess(upn, deviceId, level) {
      const device = knownDevice(upn, deviceId);
      if (level) device.accessOverride = level;
      else delete device.accessOverride;
    },
    deviceAccess(upn, deviceId) {
      const device = knownDevice(upn, deviceId);
      return evaluateDeviceAccess(deviceFacts(device), resolved.onprem.deviceAccess);
    },
    setEasPolicy(change) {
      state.policy = {
        revision: state.policy.revision + 1,
        settings: { ...state.policy.settings, ...change },
      };
    },
    moveMailbox(upn, location) {
      if (location) state.mailboxRedirects.set(upn.toLowerCase(), location);
      else state.mailboxRedirects.delete(upn.toLowerCase());
    },
    setActiveSyncEnabled(upn, enabled) {
      if (enabled) state.activeSyncDisabled.delete(upn.toLowerCase());
      else state.activeSyncDisabled.add(upn.toLowerCase());
    },
    removeDevice: (upn, deviceId) => state.devices.remove(upn, deviceId),
    waitingRequests: () => state.waits.active(),
    get jwksFetchCount() {
      return jwks.fetchCount;
    },
    async close() {
      state.waits.closeAll();
    },
  };
}
