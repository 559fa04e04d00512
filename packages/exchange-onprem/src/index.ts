/**
 * @hma-lab/exchange-onprem: on-premises Exchange as hybrid modern
 * authentication meets it: AutoDiscover v2 (`onprem-autodiscover`) and the
 * ActiveSync server (`onprem-eas`) with Exchange's OAuth behaviour.
 *
 * @packageDocumentation
 */
export {
  /**
   * The on-prem AutoDiscover v2 party: `GET /autodiscover/autodiscover.json`.
   *
   * @example
   * ```ts
   * const ad = createOnpremAutodiscover(ctx.depsFor('onprem-autodiscover'));
   * ctx.mount('onprem-autodiscover', ad.app);
   * ```
   * @see protocol-facts.md §2 (AutoDiscover v2)
   */
  createOnpremAutodiscover,
  type OnpremAutodiscoverService,
} from './onprem-autodiscover.js';
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
  /**
   * The on-prem ActiveSync party (`mail.contoso.com/Microsoft-Server-ActiveSync`):
   * Exchange's 401 Bearer challenge and OAuth validation (Entra's JWKS through
   * `deps.fetch`), Basic auth with authentication policies, device access rules,
   * and the ActiveSync commands over a mailbox store seeded from the scenario.
   *
   * @example
   * ```ts
   * const eas = createOnpremActiveSync(ctx.depsFor('onprem-eas'));
   * ctx.mount('onprem-eas', eas.app);
   * eas.deliver('alice@contoso.com', { subject: 'Hi', from: 'megan@contoso.com', bodyText: 'Hello' });
   * ```
   * @see protocol-facts.md §1 (challenge, diagnostics), §6 (ActiveSync), §7 (policies); MS-ASHTTP, MS-ASCMD, MS-ASPROV
   */
  createOnpremActiveSync,
  type OnpremActiveSyncService,
  type DeliverInput,
} from './onprem-activesync.js';
export type { AccessLevel, AccessDecision, DeviceFacts } from './protocol/device-access.js';
export { evaluateDeviceAccess } from './protocol/device-access.js';
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
