/**
 * What AutoDetect learned about an address by walking steps 2-5 of flow A
 * (or 2-4 of flow B). The HTTP answer is rendered from this by
 * {@link answerFromDetection}; the cache keeps these, not rendered answers,
 * so one detection serves requests with different `services`/`protocols` lists.
 */
export type Detection =
  | {
      /** Mailbox on-premises with HMA: the on-prem EAS URL plus the Entra authority (flow A). */
      kind: 'hybrid';
      email: string;
      easUrl: string;
      authorizationUri: string;
    }
  | {
      /** Mailbox in Exchange Online (flow B): no on-prem URL. */
      kind: 'cloud';
      email: string;
      easUrl: string;
      authorizationUri: string;
    }
  | {
      /**
       * On-prem ActiveSync found, but its 401 names no `authorization_uri`:
       * HMA is not enabled there, so only a basic-auth EAS entry can be offered.
       */
      kind: 'onprem-basic';
      email: string;
      easUrl: string;
      reason: string;
    }
  | {
      /** Nothing usable was found (unknown domain or user, AutoDiscover failure). */
      kind: 'not-found';
      email: string;
      reason: string;
      /** Value of `X-AutoDv2-Error` when the AutoDiscover v2 chain failed or timed out. */
      autodiscoverError?: string;
      /** A passing condition (timeout, unreachable host): never cached for long. */
      transient?: boolean;
    }
  | {
      /** Exchange Online itself could not be asked: AutoDetect answers 503. */
      kind: 'unavailable';
      email: string;
      reason: string;
    };

/** Whether a detection may be cached, and for how long (`found`/`negative`). */
export function cacheClassOf(detection: Detection): 'found' | 'negative' | undefined {
  switch (detection.kind) {
    case 'hybrid':
    case 'cloud':
    case 'onprem-basic':
      return 'found';
    case 'not-found':
      return detection.transient ? undefined : 'negative';
    case 'unavailable':
      return undefined;
  }
}
