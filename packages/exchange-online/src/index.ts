/**
 * @hma-lab/exchange-online: Exchange Online (`outlook.office365.com`,
 * `outlook.office.com`) for the lab: AutoDiscover v2 (flow A steps 2-3, flow B
 * step 2), the HMA provisioning API with on-behalf-of (16-18), the cloud cache
 * and its ActiveSync sync engine (19), the client data API (20), and its own
 * ActiveSync endpoint for cloud mailboxes (flow B).
 *
 * @example
 * ```ts
 * import { createExchangeOnline } from '@hma-lab/exchange-online';
 * const exo = createExchangeOnline(ctx.depsFor('exo'));
 * ctx.mount('exo', exo.app);
 * ```
 * @see docs/flow-map.md, shared/design/FLOWS.md (A16-A20, B), README.md
 * @packageDocumentation
 */

/**
 * The factory and the service with its lab controls (accounts, cloud cache,
 * `syncNow`, `deleteAccount`/`restoreAccount`, `deliver` to cloud mailboxes).
 *
 * @example
 * ```ts
 * const exo = createExchangeOnline(deps, { syncInterval: '15m' });
 * await exo.syncNow('alice@contoso.com');
 * ```
 */
export {
  createExchangeOnline,
  type ExchangeOnlineService,
  type CloudCacheSnapshot,
} from './create-exchange-online.js';

/**
 * Configuration: scenario values (`exchange.online`) plus the lab's choices,
 * each documented with its default.
 *
 * @example
 * ```ts
 * resolveExoConfig(deps, { deviceInactivityTimeout: '1d' }).deviceInactivityTimeoutMs; // 86400000
 * ```
 */
export {
  defaultExoConfig,
  resolveExoConfig,
  type ExchangeOnlineConfig,
  type ResolvedExoConfig,
} from './config.js';

/**
 * The error families: AutoDiscover `{ErrorCode, ErrorMessage}`, the HMA API
 * `{"error":{"code","message","step"?,"aadsts"?}}`, refused bearer tokens, and
 * ActiveSync statuses.
 *
 * @example
 * ```ts
 * throw new HmaApiError(403, 'OboFailed', 'AADSTS50076: ...', { detail: { step: 17, aadsts: 50076 } });
 * ```
 */
export {
  AutodiscoverError,
  HmaApiError,
  InvalidTokenError,
  ActiveSyncHttpError,
  type HmaErrorDetail,
} from './errors.js';

/**
 * AutoDiscover v2 as pure logic (both URL forms, RedirectCount cap, loops).
 *
 * @example
 * ```ts
 * cloudUrl('Rest', hosts); // 'https://outlook.office.com/api'
 * ```
 * @see protocol-facts.md §2
 */
export {
  AUTODISCOVER_PROTOCOLS,
  answerAutodiscover,
  cloudUrl,
  type AutodiscoverAnswer,
  type AutodiscoverProtocol,
} from './protocol/autodiscover.js';

/**
 * The account object of the client API and its states.
 *
 * @example
 * ```ts
 * exo.account('alice@contoso.com')?.state; // 'ready' | 'pending' | 'dormant' | 'signInRequired' | 'failed' | 'deleted'
 * ```
 */
export {
  HYBRID_ACCOUNT_TYPE,
  CLOUD_ACCOUNT_TYPE,
  HYBRID_UNSUPPORTED_FEATURES,
  type AccountBody,
  type AccountState,
  type AccountProblem,
} from './protocol/account.js';

/**
 * Wire shapes of the client data API (docs/flow-map.md).
 *
 * @example
 * ```ts
 * const { value } = (await res.json()) as { value: MessageBody[] };
 * ```
 */
export type {
  MessageBody,
  EventBody,
  ContactBody,
  EmailAddressBody,
} from './protocol/mailbox-view.js';

/**
 * What one sync pass did, and why one failed.
 *
 * @example
 * ```ts
 * const report: SyncReport = await exo.syncNow('alice@contoso.com'); // { added: 1, ... }
 * ```
 */
export type { SyncReport } from './sync/eas-session.js';
export { SyncFailure, type SyncFailureKind } from './sync/sync-failure.js';
