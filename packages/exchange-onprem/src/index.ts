/**
 * @hma-lab/exchange-onprem: on-premises Exchange as hybrid modern
 * authentication meets it: AutoDiscover v2 (`onprem-autodiscover`) and the
 * ActiveSync server (`onprem-eas`) with Exchange's OAuth behaviour.
 *
 * @packageDocumentation
 */
export { createOnpremAutodiscover, type OnpremAutodiscoverService } from './onprem-autodiscover.js';
export {
  resolveAutodiscoverConfig,
  resolveActiveSyncConfig,
  ALL_PROTOCOL_COMMANDS,
  type OnpremAutodiscoverConfig,
  type OnpremActiveSyncConfig,
  type BlockedBasicAnswer,
} from './config.js';
export {
  AutodiscoverError,
  ExchangeAuthError,
  EasHttpError,
  EasStatusError,
  diagnosticsHeader,
  type Diagnostics,
} from './errors.js';
export {
  createOnpremActiveSync,
  type OnpremActiveSyncService,
  type DeliverInput,
} from './onprem-activesync.js';
// Device access is evaluated in core (both Exchanges use it); re-exported here as before.
export {
  evaluateDeviceAccess,
  type AccessLevel,
  type AccessDecision,
  type DeviceFacts,
} from '@hma-lab/core';
export type {
  DeviceRecord,
  DeviceRegistry,
  DeviceInformation,
  CollectionOptions,
} from './protocol/devices.js';
export type {
  Mailbox,
  MailboxStore,
  MailboxChange,
  StoredItem,
  StoredFolder,
  StoredData,
  StoredMail,
  StoredCalendar,
  StoredContact,
  OofSettings,
  ItemClass,
} from './protocol/mailbox-store.js';
export { bearerChallenge, basicChallenge, EXCHANGE_CLIENT_ID } from './protocol/challenge.js';
export { IMPLEMENTED_COMMANDS } from './protocol/dispatch.js';
