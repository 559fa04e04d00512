/**
 * @hma-lab/autodetect: the Outlook mobile AutoDetect service
 * (`prod-autodetect.outlookmobile.com`), steps 1-6 of flow A and 1-5 of flow B.
 *
 * @example
 * ```ts
 * import { createAutodetect } from '@hma-lab/autodetect';
 * const autodetect = createAutodetect(ctx.depsFor('autodetect'), { cacheTtl: '1h' });
 * ctx.mount('autodetect', autodetect.app);
 * const res = await ctx.fetchFor('device')(
 *   'https://prod-autodetect.outlookmobile.com/detect?services=office365&protocols=eas',
 *   { headers: { 'x-email': 'alice@contoso.com' } },
 * );
 * ```
 * @see protocol-facts.md §3, docs/flow-map.md (steps 1-6)
 */

/**
 * Creates the AutoDetect service: `GET /detect` and `/autodetect/detect`.
 * It walks AutoDiscover v2 (Exchange Online, then the 302 to on-prem) and the
 * empty-Bearer probe itself through `deps.fetch`, and answers 200/202/204/503.
 *
 * @example
 * ```ts
 * const { app, clearCache } = createAutodetect(deps);
 * ```
 * @see protocol-facts.md §3.1, §3.2
 */
export { createAutodetect, type AutodetectService } from './create-autodetect.js';
/** Settings and their defaults (every one a lab choice; see README). */
export {
  DEFAULT_AUTODETECT_CONFIG,
  resolveAutodetectConfig,
  type AutodetectConfig,
  type ResolvedAutodetectConfig,
} from './config.js';
/** The AutoDetect error family (`{ "error": { "code", "message" } }`). */
export {
  AutodetectError,
  AutodetectNotFoundError,
  AutodetectUnavailableError,
  InvalidEmailError,
  MissingEmailError,
} from './errors.js';
/** What detection found; the 200 body types; the fault name that forces 503. */
export type { Detection } from './protocol/detection.js';
export type { DetectAnswerBody, ProtocolEntryBody, ServiceEntryBody } from './protocol/answer.js';
export { AUTODETECT_FAULTS } from './http/detect-endpoint.js';
/** `WWW-Authenticate` parsing, reusable by clients that read Bearer challenges. */
export {
  authorizationUriOf,
  parseChallenges,
  type AuthChallenge,
} from './protocol/www-authenticate.js';
