/**
 * @hma-lab/outlook-service: the Outlook cloud service
 * (`prod-outlookservice.outlookmobile.com`) on the legacy path HMA replaces,
 * flow C of FLOWS.md: the device sends user name, password and a device key;
 * the service checks the password against on-premises ActiveSync with Basic,
 * keeps only the password sealed with the device key, decrypts it in memory
 * when the device sends the key again, and forgets it after inactivity.
 *
 * @example
 * ```ts
 * import { createOutlookService } from '@hma-lab/outlook-service';
 * const outlook = createOutlookService(ctx.depsFor('outlook-service'));
 * ctx.mount('outlook-service', outlook.app);
 * await ctx.clock.advance('7d'); // the weekly purge runs
 * ```
 * @see seeds 000/001 (Outlook for iOS and Android: passwords and security with basic authentication)
 */

/**
 * Creates the service: the device API (`/api/basic/v1/...`, see {@link BASIC_API}),
 * its timers on `deps.clock` (3-day flush, weekly purge, keep-alive sync) and
 * the controls the lab needs (stores, purge now, ...).
 *
 * @example
 * ```ts
 * const outlook = createOutlookService(deps, { exchangeSyncInterval: '15m' });
 * outlook.accounts(); // [{ accountId, passwordInMemory, ciphertextStored, cachedItems, ... }]
 * await outlook.runPurge();
 * ```
 * @see README.md (endpoints, choices, deviations)
 */
export {
  createOutlookService,
  type OutlookService,
  type BasicAccountSummary,
} from './create-outlook-service.js';
/** Settings and their defaults (3-day flush, weekly purge; the rest are lab choices). */
export {
  DEFAULT_OUTLOOK_SERVICE_CONFIG,
  resolveOutlookServiceConfig,
  type OutlookServiceConfig,
  type ResolvedOutlookServiceConfig,
} from './config.js';
/** The error family of the device API (`{"error":{"code","message","step"?,"reason"?}}`). */
export {
  OutlookServiceError,
  InvalidRequestError,
  AccountNotFoundError,
  DeviceKeyRejectedError,
  ExchangeRefusedError,
  ExchangeUnavailableError,
} from './errors.js';
/**
 * The device-key encryption (AES-128-GCM), exported so tests and trainers can
 * show that a stored ciphertext opens with the device's key and with no other.
 *
 * @example
 * ```ts
 * const { sealed } = outlook.stores.credentials.get(accountId)!;
 * openSealedPassword(sealed, deviceKey, sealContext(outlook.stores.accounts.get(accountId)!));
 * ```
 */
export {
  sealPassword,
  openSealedPassword,
  SealOpenError,
  wipe,
  DEVICE_KEY_BYTES,
  type SealedPassword,
} from './protocol/device-key-crypto.js';
/** What the service keeps at rest. */
export {
  sealContext,
  type BasicAccount,
  type CredentialRecord,
  type CachedMailbox,
  type OutlookServiceStores,
  type ActivityKind,
} from './protocol/stores.js';
/** The device API's paths and bodies. */
export { BASIC_API, type AccountBody, type ConnectBody, type ErrorBody } from './protocol/wire.js';
export type {
  MailboxViewBody,
  MessageBody,
  EventBody,
  ContactBody,
  AddressBody,
} from './protocol/mailbox-view.js';
export type { PurgeReport } from './connector/basic-connector.js';
export type { SyncSummary } from './connector/exchange-connection.js';
/**
 * A copy of a scenario in which on-premises Exchange lets Outlook's basic-auth
 * connection through: the HMA pair's DeviceModel block rule is removed.
 */
export { withoutOutlookBlockRule } from './scenario-variants.js';
/**
 * Flow C beside flow A (what the cloud holds, what the device holds, what an
 * attacker needs), as rows for `hma-lab` to print; docs/basic-vs-hma.md is the prose.
 *
 * @example
 * ```ts
 * for (const row of BASIC_VS_HMA) console.log(`${row.topic}: ${row.hma} | ${row.basic}`);
 * ```
 */
export { BASIC_VS_HMA, type ComparisonRow } from './comparison.js';
