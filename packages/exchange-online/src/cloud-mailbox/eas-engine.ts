import {
  el,
  COMMAND_SHAPES,
  type BodyPreference,
  type GalPerson,
  isComposeCommand,
  type PingParameters,
  type ComposeQuery,
  type EasElement,
  type CertificateTrust,
  deviceInformationOf,
  type DeviceInformation,
} from '@hma-lab/activesync';
import {
  evaluateDeviceAccess,
  type AccessDecision,
  type AccessLevel,
  type DeviceAccessPolicy,
  type MailRoute,
} from '@hma-lab/core';
import type { CloudMailbox } from './cloud-store.js';
import { cloudCompose } from './compose.js';
import {
  folderCreate,
  folderDelete,
  folderSync,
  folderUpdate,
  newHierarchyState,
  type HierarchyState,
} from './folders.js';
import { getItemEstimate } from './get-item-estimate.js';
import { getAttachment, itemOperations } from './item-operations.js';
import { answerMeetings } from './meeting-response.js';
import { moveItems } from './move-items.js';
import { ping } from './ping.js';
import { provision } from './provision.js';
import { find, resolveRecipientsOf, search } from './search.js';
import { settings } from './settings.js';
import { sync } from './sync.js';
import { validateCert } from './validate-cert.js';

/**
 * The ActiveSync command engine of Exchange Online's own mailboxes (flow B):
 * the device state it keeps and the dispatch of each command to its file
 * (provision, folders, sync, get-item-estimate, item-operations, move-items,
 * ping, search (Search, Find, ResolveRecipients), meeting-response, compose,
 * settings). The commands are read and answered with @hma-lab/activesync's
 * shared readers, as on-premises answers them, over the cloud store's simpler
 * mailbox model (README, "Flow B").
 */

export interface EasDeviceState {
  tempPolicyKey?: string;
  policyKey?: string;
  /** What the device holds of the folder hierarchy (FolderSync). */
  hierarchy: HierarchyState;
  collections: Map<string, CollectionState>;
  /** The last Sync request with collections, which an empty request (12.1+) stands for. */
  lastSyncRequest?: EasElement;
  /** The last Ping's parameters, which an empty Ping stands for. */
  ping?: PingParameters;
  /** ClientIds of the mail the device sent, newest last (SendMail Status 118 on reuse). */
  sentClientIds: string[];
  /** What the device said of itself (Settings:DeviceInformation), for the device access rules. */
  info: DeviceInformation;
  /** The request line's DeviceType and the User-Agent header of its last request. */
  deviceType?: string;
  userAgent?: string;
  /** The administrator's decision for this device (the lab's `setDeviceAccess`), before any rule. */
  accessOverride?: AccessLevel;
}

/**
 * What the device holds of one collection: the items sent under its current
 * key, and under the key before it. A device that never saw an answer sends
 * the previous key again and gets the changes again (MS-ASCMD 3.1.5.3), as
 * on-premises does; any older key is Status 3.
 */
export interface CollectionState {
  syncKey: number;
  /** Server id -> the version of the item the device holds. */
  sent: Map<string, number>;
  previous?: { syncKey: number; sent: Map<string, number> };
  /** The BodyPreferences of the collection's last Options: kept until Options come again (MS-ASCMD 2.2.3.115.5). */
  bodyPreferences?: BodyPreference[];
}

export interface EasCommandContext {
  mailbox: CloudMailbox;
  device: EasDeviceState;
  /** The request's X-MS-PolicyKey (plain) or policy key field (base64). */
  policyKey: string | undefined;
  protocolVersion: number;
  nowMs: number;
  /** The mailbox owner, as the mail they send shows them. */
  owner: { name: string; email: string };
  /** The request's body as sent: before 14.0 the mail commands' MIME message. */
  rawBody: Buffer;
  /** The request line's parameters of the mail commands before 14.0. */
  query: ComposeQuery & { attachmentName?: string | undefined };
  /** Sends a message to one recipient: false when neither Exchange Online nor the route it was given holds the address. */
  deliver: MailRoute;
  /** The directory's people, as the GAL shows them (Search, ResolveRecipients). */
  people(): readonly GalPerson[];
  /** What ValidateCert trusts now (the endpoint's settings at the lab's time). */
  certificateTrust(): CertificateTrust;
  /** Exchange Online's ActiveSync device access (scenario `exchange.online.deviceAccess`). */
  deviceAccess: DeviceAccessPolicy;
  /** Records a trace event of Exchange Online's. */
  event(action: string, summary: string, data: Record<string, unknown>): void;
}

/**
 * What a command answers: a WBXML body, an HTTP status alone (449 Retry after
 * Provision), or (Ping) a wait the endpoint holds until `changed()` turns true
 * after a change of the mailbox, or the heartbeat elapses on the lab clock,
 * and then answers `answer()`.
 */
export type EasCommandResult =
  | { body: EasElement }
  | { status: number }
  | { wait: PingWait }
  /** A file answered as it is (GetAttachment). */
  | { file: { contentType: string; bytes: Uint8Array } };

export interface PingWait {
  heartbeatMs: number;
  changed(): boolean;
  answer(): EasElement;
}

export function newDeviceState(): EasDeviceState {
  return { hierarchy: newHierarchyState(), collections: new Map(), sentClientIds: [], info: {} };
}

/** Commands the engine implements. */
export const CLOUD_EAS_COMMANDS = [
  'Provision',
  'FolderSync',
  'FolderCreate',
  'FolderUpdate',
  'FolderDelete',
  'Sync',
  'GetItemEstimate',
  'ItemOperations',
  'MoveItems',
  'Ping',
  'Settings',
  'SendMail',
  'SmartReply',
  'SmartForward',
  'Search',
  'ResolveRecipients',
  'MeetingResponse',
  'Find',
  'GetAttachment',
  'ValidateCert',
] as const;
const IMPLEMENTED: ReadonlySet<string> = new Set(CLOUD_EAS_COMMANDS);

/** A device's access decision under `policy` (its own override first, as on-premises). */
export function deviceAccessOf(device: EasDeviceState, policy: DeviceAccessPolicy): AccessDecision {
  return evaluateDeviceAccess(
    {
      deviceType: device.deviceType ?? '',
      model: device.info.model,
      os: device.info.os,
      userAgent: device.info.userAgent ?? device.userAgent,
      override: device.accessOverride,
    },
    policy,
  );
}

/** The device's access decision when it is not Allow (traced once per request); undefined when allowed. */
function refusedAccess(ctx: EasCommandContext): AccessDecision | undefined {
  const decision = deviceAccessOf(ctx.device, ctx.deviceAccess);
  if (decision.level === 'Allow') return undefined;
  ctx.event(
    'exo.eas.device.refused',
    `device ${decision.level} (${decision.reason}${decision.rule ? `: ${decision.rule.characteristic} ${decision.rule.queryString}` : ''})`,
    { level: decision.level, reason: decision.reason },
  );
  return decision;
}

export function runCloudCommand(
  cmd: string,
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasCommandResult | undefined {
  if (cmd === 'Provision' || cmd === 'Settings') {
    // They record the device's DeviceInformation first, then decide (as on-premises).
    const info = request && deviceInformationOf(request);
    if (info) Object.assign(ctx.device.info, info);
    const blocked = refusedAccess(ctx);
    if (blocked) {
      const shape = COMMAND_SHAPES[cmd]!;
      return { body: el(shape.root, el(shape.status, 129)) };
    }
    return { body: cmd === 'Provision' ? provision(request, ctx) : settings(request, ctx) };
  }
  const provisioned = ctx.device.policyKey !== undefined && ctx.policyKey === ctx.device.policyKey;
  if (!provisioned) {
    // Before 14.0 the answer is HTTP 449; from 14.0 a Status 142 in the command (MS-ASPROV 3.1.5.1).
    if (ctx.protocolVersion < 14) return { status: 449 };
    const shape = COMMAND_SHAPES[cmd];
    if (shape && IMPLEMENTED.has(cmd)) return { body: el(shape.root, el(shape.status, 142)) };
  }
  // Device access (Allow / Block / Quarantine), after the policy key as
  // on-premises checks it: a device not allowed gets Status 129, or HTTP 403
  // before 14.0; a quarantined one is refused as a blocked one (on-premises'
  // `quarantine: 'block'`).
  if (IMPLEMENTED.has(cmd) && refusedAccess(ctx)) {
    const shape = COMMAND_SHAPES[cmd];
    if (ctx.protocolVersion < 14 || !shape) return { status: 403 };
    return { body: el(shape.root, el(shape.status, 129)) };
  }
  if (cmd === 'FolderSync') return { body: folderSync(request, ctx) };
  if (cmd === 'FolderCreate') return { body: folderCreate(request, ctx) };
  if (cmd === 'FolderUpdate') return { body: folderUpdate(request, ctx) };
  if (cmd === 'FolderDelete') return { body: folderDelete(request, ctx) };
  if (cmd === 'Sync') return sync(request, ctx);
  if (cmd === 'Ping') return ping(request, ctx);
  if (cmd === 'GetItemEstimate') return { body: getItemEstimate(request, ctx) };
  if (cmd === 'ItemOperations') return { body: itemOperations(request, ctx) };
  if (cmd === 'MoveItems') return { body: moveItems(request, ctx) };
  if (cmd === 'Search') return { body: search(request, ctx) };
  if (cmd === 'ResolveRecipients') return { body: resolveRecipientsOf(request, ctx) };
  if (cmd === 'MeetingResponse') return { body: answerMeetings(request, ctx) };
  if (cmd === 'Find') return { body: find(request, ctx) };
  if (cmd === 'GetAttachment') return getAttachment(ctx);
  if (cmd === 'ValidateCert') return { body: validateCert(request, ctx) };
  if (isComposeCommand(cmd)) return cloudCompose(cmd, request, ctx);
  return undefined;
}
