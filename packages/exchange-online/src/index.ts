/**
 * @hma-lab/exchange-online: Exchange Online (`outlook.office365.com`) for the
 * lab: AutoDiscover v2, the HMA provisioning API (on-behalf-of), the cloud
 * cache, its ActiveSync sync engine, the client data API, and its own
 * ActiveSync endpoint for cloud mailboxes (flow B).
 *
 * @see docs/flow-map.md, shared/design/FLOWS.md A16-A20 and B
 */
export { createExchangeOnline, type ExchangeOnlineService } from './create-exchange-online.js';
export {
  defaultExoConfig,
  resolveExoConfig,
  type ExchangeOnlineConfig,
  type ResolvedExoConfig,
} from './config.js';
export {
  AutodiscoverError,
  HmaApiError,
  InvalidTokenError,
  ActiveSyncHttpError,
  type HmaErrorDetail,
} from './errors.js';
export {
  AUTODISCOVER_PROTOCOLS,
  answerAutodiscover,
  cloudUrl,
  type AutodiscoverAnswer,
  type AutodiscoverProtocol,
} from './protocol/autodiscover.js';
