import {
  createJwksKeySource,
  type Clock,
  type LabFetch,
  type Logger,
  type SigningKeySource,
} from '@hma-lab/core';

export type { SigningKeySource };

/** Entra's signing keys as on-premises Exchange fetches and caches them (core's JWKS key source). */
export function createEntraJwks(options: {
  fetch: LabFetch;
  url: string;
  clock: Clock;
  cacheMs: number;
  log: Logger;
  /** The party fetching (for its log lines). Default `onprem-eas`. */
  party?: 'onprem-eas' | 'onprem-autodiscover';
}): SigningKeySource {
  return createJwksKeySource({ ...options, party: options.party ?? 'onprem-eas' });
}
