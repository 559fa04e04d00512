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
