import type { Clock, Directory, EasPolicy, FaultBoard, HostMap, MailRoute } from '@hma-lab/core';
import type { OnpremActiveSyncConfig } from '../config.js';
import type { WaitRegistry } from './change-waiter.js';
import type { DeviceRegistry } from './devices.js';
import type { MailboxStore } from './mailbox-store.js';

/**
 * Everything one ActiveSync server instance keeps: no module-level state, so
 * two labs can run in one process.
 */
export interface EasServiceState {
  config: OnpremActiveSyncConfig;
  directory: Directory;
  clock: Clock;
  hosts: HostMap;
  store: MailboxStore;
  devices: DeviceRegistry;
  waits: WaitRegistry;
  /** The ActiveSync mailbox policy; `revision` moves when the lab changes it (devices then get 143). */
  policy: { revision: number; settings: EasPolicy };
  /** Mailboxes answered with 451 and this `X-MS-Location` (a move the lab simulates), by lower-case UPN. */
  mailboxRedirects: Map<string, string>;
  /** Users whose ActiveSync is disabled (`Set-CASMailbox -ActiveSyncEnabled $false`): 403. */
  activeSyncDisabled: Set<string>;
  /** Faults switched on at run time (docs/faults.md). */
  faults: FaultBoard;
  /** Records a party-internal trace event. */
  event(action: string, summary: string, data?: Record<string, unknown>): void;
  /** Where SendMail sends mail for an address without an on-premises mailbox (`routeMail`). */
  mailRoute?: MailRoute;
}
