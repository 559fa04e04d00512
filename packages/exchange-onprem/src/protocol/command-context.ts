import type { EasElement, EasRequestLine } from '@hma-lab/activesync';
import type {
  AccessDecision,
  Clock,
  Directory,
  EasPolicy,
  MailRoute,
  RoutedMail,
  User,
} from '@hma-lab/core';
import type { OnpremActiveSyncConfig } from '../config.js';
import type { DeviceRecord } from './devices.js';
import type { Mailbox, MailboxStore } from './mailbox-store.js';

/**
 * Everything a command handler sees: who is asking (user, mailbox, device),
 * in which protocol version, and the server's shared state. Built per request
 * by the HTTP adapter; handlers are pure apart from the state they change.
 */
export interface CommandContext {
  clock: Clock;
  directory: Directory;
  config: OnpremActiveSyncConfig;
  store: MailboxStore;
  user: User;
  mailbox: Mailbox;
  device: DeviceRecord;
  line: EasRequestLine;
  /** The negotiated `MS-ASProtocolVersion`. */
  protocolVersion: string;
  /** The device's access level now (re-evaluated after DeviceInformation arrives). */
  access(): AccessDecision;
  /** The ActiveSync mailbox policy and its revision (bumped when the lab changes it). */
  policy(): { revision: number; settings: EasPolicy };
  /** Waits for mailbox changes (Ping, hanging Sync); see `change-waiter.ts`. */
  waitForChange(options: {
    timeoutMs: number;
    changed: () => boolean;
  }): Promise<'changed' | 'timeout' | 'closed'>;
  /** Records a party-internal event in the trace. */
  event(action: string, summary: string, data?: Record<string, unknown>): void;
  /** Delivers a message to another on-prem mailbox, or through the mail route to a cloud one (SendMail). */
  deliver: MailRoute;
}

/** A message SendMail hands to a mailbox: the shape both Exchanges route (core's RoutedMail). */
export type DeliveredMessage = RoutedMail;

/** What a command answers: a WBXML body (or none), and extra headers. */
export interface CommandResult {
  body?: EasElement;
  /** A file answered as it is (GetAttachment), instead of WBXML. */
  file?: { contentType: string; bytes: Buffer };
  headers?: Record<string, string>;
}
