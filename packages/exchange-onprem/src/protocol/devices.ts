import type { DeviceInformation as EasDeviceInformation } from '@hma-lab/activesync';
import type { AccessLevel, DeviceFacts } from '@hma-lab/core';
import type { KeyChain } from './sync-keys.js';

/**
 * What the server keeps per user and device (a "mobile device partnership"):
 * what the device said about itself, its policy keys, remote wipe, access
 * override, and the sync state of its hierarchy and collections.
 */

/** Settings/Provision DeviceInformation (MS-ASCMD 2.2.3.45). */
/** What a device says of itself (Settings:DeviceInformation), as activesync reads it. */
export type DeviceInformation = EasDeviceInformation;

/** The filter and body options a collection was last synced with (Exchange remembers them). */
export interface CollectionOptions {
  filterType: number;
  bodyPreferences: Array<{
    type: number;
    truncationSize?: number;
    allOrNone?: boolean;
    preview?: number;
  }>;
  mimeSupport: number;
  conversationMode: boolean;
  deletesAsMoves: boolean;
  windowSize: number;
  className?: string;
}

export interface CollectionState {
  /** Server id -> item version the client holds; states are shared between keys, never changed. */
  chain: KeyChain<ReadonlyMap<string, number>>;
  options?: CollectionOptions;
}

export type RemoteWipeState = 'none' | 'pending' | 'acknowledged';

export interface DeviceRecord {
  readonly upn: string;
  readonly deviceId: string;
  deviceType: string;
  /** The last `User-Agent` header. */
  userAgent?: string;
  info: DeviceInformation;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Provision: the temporary key of phase 1, the final key of phase 2, the policy revision it acknowledged. */
  policy: { pendingKey?: string; key?: string; revision?: number };
  wipe: RemoteWipeState;
  /** The recovery password a device stored with Settings DevicePassword. */
  recoveryPassword?: string | undefined;
  /** The administrator's decision for this device, overriding the rules. */
  accessOverride?: AccessLevel;
  /** Folder server id -> folder version the client holds. */
  hierarchy: KeyChain<Map<string, number>>;
  collections: Map<string, CollectionState>;
  /**
   * The last complete Sync request, for empty and partial Sync requests
   * (MS-ASCMD 2.2.3.165), kept as WBXML: a few hundred bytes where the
   * element tree took ~3.5 KB, on every device, to serve a request most
   * devices never send.
   */
  lastSyncRequest?: Uint8Array;
  /** The last Ping parameters, for an empty Ping. */
  ping?: { heartbeatS: number; folders: Array<{ id: string; className: string }> };
  /** ClientIds of messages already sent (SendMail Status 118 on reuse). */
  sentClientIds: string[];
  /** Counter behind every sync key of this device: keys are never reused. */
  keyCounter: number;
}

export interface DeviceRegistry {
  get(upn: string, deviceId: string): DeviceRecord | undefined;
  /** The record of a device, created on first contact. */
  ensure(upn: string, deviceId: string, deviceType: string, nowMs: number): DeviceRecord;
  /** Every device (of one user, when given). */
  list(upn?: string): DeviceRecord[];
  remove(upn: string, deviceId: string): boolean;
}

const keyOf = (upn: string, deviceId: string): string => `${upn.toLowerCase()}|${deviceId}`;

export function createDeviceRegistry(): DeviceRegistry {
  const devices = new Map<string, DeviceRecord>();
  return {
    get: (upn, deviceId) => devices.get(keyOf(upn, deviceId)),
    ensure(upn, deviceId, deviceType, nowMs) {
      const key = keyOf(upn, deviceId);
      let device = devices.get(key);
      if (!device) {
        device = {
          upn,
          deviceId,
          deviceType,
          info: {},
          firstSeenMs: nowMs,
          lastSeenMs: nowMs,
          policy: {},
          wipe: 'none',
          hierarchy: {},
          collections: new Map(),
          sentClientIds: [],
          keyCounter: 0,
        };
        devices.set(key, device);
      }
      device.lastSeenMs = nowMs;
      if (deviceType) device.deviceType = deviceType;
      return device;
    },
    list: (upn) =>
      [...devices.values()].filter((d) => !upn || d.upn.toLowerCase() === upn.toLowerCase()),
    remove: (upn, deviceId) => devices.delete(keyOf(upn, deviceId)),
  };
}

/** A fresh sync key for a device: a decimal counter, never repeated. */
export function nextSyncKey(device: DeviceRecord): string {
  device.keyCounter += 1;
  return String(device.keyCounter);
}

/** What the access rules look at for a device (DeviceInformation first, then the request). */
export function deviceFacts(device: DeviceRecord): DeviceFacts {
  return {
    deviceType: device.deviceType,
    model: device.info.model,
    os: device.info.os,
    userAgent: device.info.userAgent ?? device.userAgent,
    override: device.accessOverride,
  };
}
