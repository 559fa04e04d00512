import type { Detection } from './detection.js';

/** One entry of `services[]` (field names as Microsoft's scripts read them, facts §3.2). */
export interface ServiceEntryBody {
  service: string;
  protocol: string;
  hostname: string;
  aad?: string;
  onprem?: string;
}

/** One entry of `protocols[]`. */
export interface ProtocolEntryBody {
  protocol: string;
  service: string;
  hostname: string;
  aad?: string;
  onprem?: string;
  insecure: boolean;
}

/** The 200 body of `GET /detect`. */
export interface DetectAnswerBody {
  email: string;
  services: ServiceEntryBody[];
  protocols: ProtocolEntryBody[];
}

/** What the caller asked for: `services=` and `protocols=` lists; undefined = everything. */
export interface DetectFilter {
  services?: ReadonlySet<string>;
  protocols?: ReadonlySet<string>;
}

export type DetectAnswer =
  { status: 200; body: DetectAnswerBody } | { status: 204; autodiscoverError?: string };

/**
 * Renders a detection as AutoDetect's answer (step 6 of flow A, step 5 of B).
 *
 * - hybrid: `office365`/`rest` on `restHostname` with `aad` and `onprem`, plus an
 *   `eas` protocol entry on the on-prem host (docs/flow-map.md);
 * - cloud: the same without `onprem` (the `eas` entry names Exchange Online);
 * - onprem-basic: no `office365` service; an `eas` protocol entry of service
 *   `exchange` without `aad` (the device would use basic authentication);
 * - not-found, or nothing left after the caller's filters: 204.
 *
 * @see protocol-facts.md §3.2
 */
export function answerFromDetection(
  detection: Detection,
  filter: DetectFilter,
  restHostname: string,
): DetectAnswer {
  const wantsService = (name: string): boolean => !filter.services || filter.services.has(name);
  const wantsProtocol = (name: string): boolean => !filter.protocols || filter.protocols.has(name);
  const services: ServiceEntryBody[] = [];
  const protocols: ProtocolEntryBody[] = [];
  switch (detection.kind) {
    case 'hybrid':
    case 'cloud': {
      const onprem = detection.kind === 'hybrid' ? { onprem: detection.easUrl } : {};
      if (wantsService('office365')) {
        services.push({
          service: 'office365',
          protocol: 'rest',
          hostname: restHostname,
          aad: detection.authorizationUri,
          ...onprem,
        });
      }
      if (wantsProtocol('eas')) {
        protocols.push({
          protocol: 'eas',
          service: 'office365',
          hostname: new URL(detection.easUrl).hostname,
          aad: detection.authorizationUri,
          ...onprem,
          insecure: false,
        });
      }
      break;
    }
    case 'onprem-basic':
      if (wantsProtocol('eas')) {
        protocols.push({
          protocol: 'eas',
          service: 'exchange',
          hostname: new URL(detection.easUrl).hostname,
          onprem: detection.easUrl,
          insecure: new URL(detection.easUrl).protocol !== 'https:',
        });
      }
      break;
    case 'not-found':
      return detection.autodiscoverError
        ? { status: 204, autodiscoverError: detection.autodiscoverError }
        : { status: 204 };
    case 'unavailable':
      // Rendered as 503 by the endpoint before it gets here.
      return { status: 204 };
  }
  if (services.length === 0 && protocols.length === 0) return { status: 204 };
  return { status: 200, body: { email: detection.email, services, protocols } };
}
