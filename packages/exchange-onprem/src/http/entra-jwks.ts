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
}): SigningKeySource {
  return createJwksKeySource({ ...options, party: 'onprem-eas' });
}
