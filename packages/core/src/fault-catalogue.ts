import { parseDuration } from './duration.js';
import { LabError } from './errors.js';
import { shorten } from './shorten.js';
import type { ServiceParty } from './hosts.js';

/**
 * The catalogue of named faults: realistic ways the hybrid flow breaks in the
 * field, each switchable at run time (lab API, admin endpoint, `hma-lab
 * faults on <name>`) or from a scenario's `faults`. docs/faults.md is written
 * from this list; services look faults up by these names.
 */
export interface FaultDefinition {
  name: string;
  title: string;
  /** The party whose behaviour changes. */
  party: ServiceParty | 'directory';
  /** What a client sees. */
  symptom: string;
  /**
   * The FLOWS.md step at which the reference device's flow A stops (its
   * DeviceFlowError step), or where the symptom shows for faults that do not
   * stop a flow; undefined when there is no single step.
   */
  step?: number;
  /**
   * Parameters the fault accepts, with their defaults and the kind of value
   * each takes; a number may have bounds (`min` default 0).
   */
  params?: Record<
    string,
    {
      default: unknown;
      description: string;
      kind: 'number' | 'duration';
      min?: number;
      max?: number;
    }
  >;
}

/**
 * The longest `Retry-After` the lab sends or heeds, in seconds (a day): a
 * client that waited longer would look dead, and a virtual-clock timer that
 * far out is no test.
 */
export const MAX_RETRY_AFTER_S = 86_400;

/** The `retryAfterS` of the two 503 faults. */
const RETRY_AFTER_PARAM = {
  default: 30,
  description: `Retry-After seconds, at most ${MAX_RETRY_AFTER_S}`,
  kind: 'number',
  max: MAX_RETRY_AFTER_S,
} as const;

export const FAULT_CATALOGUE: readonly FaultDefinition[] = [
  {
    name: 'missing-authorization-uri',
    title: 'HMA not enabled on-premises',
    party: 'onprem-eas',
    symptom:
      'The 401 Bearer challenge has no authorization_uri (EvoSTS is not the default authorization endpoint): AutoDetect finds no Entra authority and the app cannot start modern authentication.',
    step: 5,
  },
  {
    name: 'autodiscover-redirect-loop',
    title: 'AutoDiscover redirect loop',
    party: 'onprem-autodiscover',
    symptom:
      'On-premises AutoDiscover redirects back to Exchange Online, which redirects on-premises again; Exchange Online detects the loop and answers an error, so AutoDetect finds no ActiveSync URL.',
    step: 6,
  },
  {
    name: 'redirect-count-exhausted',
    title: 'RedirectCount exhausted',
    party: 'exo',
    symptom:
      'Exchange Online refuses to redirect because RedirectCount reached its cap; AutoDetect finds no on-premises endpoint.',
    step: 6,
  },
  {
    name: 'autodetect-202',
    title: 'AutoDetect still searching',
    party: 'autodetect',
    symptom:
      'AutoDetect answers 202 (still searching) to every request; the app gives up after retrying.',
    step: 6,
  },
  {
    name: 'autodetect-204',
    title: 'AutoDetect found nothing',
    party: 'autodetect',
    symptom: 'AutoDetect answers 204: no account was found for the address.',
    step: 6,
  },
  {
    name: 'autodetect-503',
    title: 'AutoDetect unavailable',
    party: 'autodetect',
    symptom: 'AutoDetect answers 503.',
    step: 6,
  },
  {
    name: 'autodiscover-timeout',
    title: 'AutoDiscover v2 timed out',
    party: 'autodetect',
    symptom:
      'The AutoDiscover v2 call of step 2 times out; AutoDetect answers with X-AutoDv2-Error.',
    step: 6,
  },
  {
    name: 'firewall-blocks-autodetect',
    title: 'Firewall closed to AutoDetect',
    party: 'onprem-autodiscover',
    symptom:
      "The on-premises firewall does not let in Azure's datacenter address ranges, where AutoDetect runs: its connections to on-premises AutoDiscover and ActiveSync time out, so the app finds no ActiveSync endpoint. Exchange Online's own connections still get through.",
    step: 6,
  },
  {
    name: 'firewall-blocks-exchange-online',
    title: 'Firewall closed to Exchange Online',
    party: 'onprem-eas',
    symptom:
      "The on-premises firewall does not let in Exchange Online's address ranges: its ActiveSync connections time out, so provisioning answers 502 OnPremisesUnavailable and background sync retries with backoff. AutoDetect's probes still get through.",
    step: 19,
  },
  {
    name: 'onprem-outbound-blocked',
    title: 'On-premises Exchange cannot reach Entra',
    party: 'onprem-eas',
    symptom:
      "On-premises Exchange has no way out to the internet (no outbound proxy set for it): it cannot fetch Entra's signing keys, so every AT2 it has no cached key for is refused with 401 and x-ms-diagnostics 2000000, and provisioning fails (OnPremisesRejectedToken). Keys it fetched before keep working, through one rotation too (Entra announces the next key ahead), until Entra signs with a key published after the way out closed.",
    step: 19,
  },
  {
    name: 'onprem-clock-skew',
    title: "On-premises Exchange's clock is wrong",
    party: 'onprem-eas',
    symptom:
      "The Exchange server's clock is off (by default 10 minutes behind, more than the 5 minutes of skew it allows): every AT2 looks not yet valid to it (or, far enough ahead, expired), so it is refused with 401 and the expired-token diagnostics, and provisioning fails (OnPremisesRejectedToken).",
    step: 19,
    params: {
      offsetMinutes: {
        default: -10,
        description:
          "the server clock's distance from the lab clock in minutes, negative when behind",
        kind: 'number',
        min: -1440,
        max: 1440,
      },
    },
  },
  {
    name: 'ssl-offload',
    title: 'SSL offloading in front of Exchange',
    party: 'onprem-eas',
    symptom:
      'TLS ends at a load balancer, so Exchange sees http:// and expects an http:// audience: every AT2 (https://) is refused with 401 and x-ms-diagnostics 2000003.',
    step: 19,
  },
  {
    name: 'preauth-proxy',
    title: 'Pre-authentication proxy strips Authorization',
    party: 'onprem-eas',
    symptom:
      'A pre-authenticating reverse proxy in front of ActiveSync removes the Authorization header: every Bearer request gets the anonymous 401 challenge.',
    step: 19,
  },
  {
    name: 'preauth-proxy-autodiscover',
    title: 'Pre-authentication in front of AutoDiscover',
    party: 'onprem-autodiscover',
    symptom:
      "AutoDiscover is published through the Web Application Proxy with AD FS pre-authentication: every request that has not signed in at AD FS is redirected to AD FS, so AutoDetect gets AD FS's page instead of the AutoDiscover answer and finds no ActiveSync endpoint.",
    step: 6,
  },
  {
    name: 'at2-expiring-mid-sync',
    title: 'AT2 expires during a sync',
    party: 'exo',
    symptom:
      'AT2 is issued with a very short lifetime, so it expires between ActiveSync calls; Exchange Online must renew it with RT2 and carry on.',
    // At least a minute: AT2 is renewed halfway through its life, so a lifetime
    // of a second renewed it every virtual second (a day's advance: minutes).
    params: {
      lifetimeS: {
        default: 60,
        description: 'AT2 lifetime in seconds, 60 to 3600',
        kind: 'number',
        min: 60,
        max: 3600,
      },
    },
  },
  {
    name: 'rt2-revoked',
    title: 'RT2 revoked by a password change',
    party: 'directory',
    symptom:
      "The user's password changes: the next AT2 renewal fails with AADSTS50173 and the account asks the user to sign in again.",
    step: 19,
  },
  {
    name: 'onprem-spns-missing',
    title: 'On-premises namespaces not registered in Entra',
    party: 'directory',
    symptom:
      "The on-premises namespaces are not service principal names of Office 365 Exchange Online (the Hybrid Configuration Wizard's registration is missing): the on-behalf-of call of step 17 for the ActiveSync namespace fails with AADSTS500011 (invalid_resource), and provisioning answers 403 OboFailed.",
    step: 17,
  },
  {
    name: 'obo-interaction-required',
    title: 'On-behalf-of needs interaction',
    party: 'entra',
    symptom:
      'The on-behalf-of call of step 17 fails with interaction_required (AADSTS50076) and a claims challenge; provisioning fails and the device is told why.',
    step: 17,
  },
  {
    name: 'entra-slow',
    title: 'Entra is slow',
    party: 'entra',
    symptom: 'Every Entra answer is delayed.',
    params: {
      delayMs: {
        default: 2000,
        description: 'delay per request, in real milliseconds, at most 60000',
        kind: 'number',
        max: 60_000,
      },
    },
  },
  {
    name: 'entra-503',
    title: 'Entra unavailable',
    party: 'entra',
    symptom: 'Entra answers 503 with Retry-After (temporarily_unavailable) to token requests.',
    step: 15,
    params: { retryAfterS: RETRY_AFTER_PARAM },
  },
  {
    name: 'eas-503',
    title: 'ActiveSync unavailable',
    party: 'onprem-eas',
    symptom:
      'On-premises ActiveSync answers 503 with Retry-After; Exchange Online retries with backoff.',
    step: 19,
    params: { retryAfterS: RETRY_AFTER_PARAM },
  },
  {
    name: 'device-blocked',
    title: 'Device blocked',
    party: 'onprem-eas',
    symptom: "Exchange's device access blocks every device: ActiveSync commands answer Status 129.",
    step: 19,
  },
  {
    name: 'device-quarantined',
    title: 'Device quarantined',
    party: 'onprem-eas',
    symptom:
      'Exchange quarantines every new device: it may connect but gets no mail until an administrator allows it.',
    step: 19,
  },
  {
    name: 'exchange-2010-mailbox',
    title: 'Mailbox on Exchange 2010',
    party: 'onprem-eas',
    symptom:
      'Every on-premises mailbox behaves as if on Exchange 2010, which cannot use OAuth: AT2 is refused and provisioning fails.',
    step: 19,
  },
  {
    name: 'signing-key-rotation',
    title: 'Signing key rotation',
    party: 'entra',
    symptom:
      'Entra rotates its signing key: new tokens carry a new kid; verifiers must refetch the JWKS.',
    params: {
      after: { default: '1d', description: 'when to rotate', kind: 'duration' },
      every: { default: undefined, description: 'rotate again at this interval', kind: 'duration' },
    },
  },
];

/** A fault of the catalogue by name. */
export function faultDefinition(name: string): FaultDefinition | undefined {
  return FAULT_CATALOGUE.find((f) => f.name === name);
}

/**
 * What is wrong with the parameters a known fault is switched on with: a
 * number must be a finite number within its bounds, ≥ 0 unless they say
 * otherwise (or its digits as text, as the CLI's
 * `--param` sends it), a duration what {@link parseDuration} reads. Every
 * parameter is a number, a text or true/false, and a catalogue fault takes
 * only the parameters it lists; a fault the catalogue does not list is not
 * checked further.
 */
export function faultParamProblems(name: string, params: Record<string, unknown>): string[] {
  const definition = FAULT_CATALOGUE.find((f) => f.name === name);
  const problems: string[] = [];
  // Parameters are flat: a number, a text or true/false each (an object, nested
  // 10,000 deep, was stored and then broke every answer that listed it).
  const flat = (value: unknown): boolean => ['string', 'number', 'boolean'].includes(typeof value);
  for (const [param, value] of Object.entries(params)) {
    if (value !== undefined && !flat(value)) {
      problems.push(`${param} must be a number, a text or true/false`);
    }
  }
  if (definition) {
    // A parameter the fault does not take did nothing (a typo such as
    // `retryAfter` for `retryAfterS` left the default on, unsaid).
    const takes = Object.keys(definition.params ?? {});
    for (const param of Object.keys(params)) {
      if (params[param] !== undefined && !takes.includes(param)) {
        problems.push(
          `${shorten(param, 40)} is not a parameter of ${name} (${takes.length > 0 ? `it takes ${takes.join(', ')}` : 'it takes none'})`,
        );
      }
    }
  }
  for (const [param, spec] of Object.entries(definition?.params ?? {})) {
    const value = params[param];
    if (value === undefined || !flat(value)) continue;
    if (spec.kind === 'number') {
      const number =
        typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
      const min = spec.min ?? 0;
      const max = spec.max ?? Infinity;
      if (typeof number !== 'number' || !Number.isFinite(number) || number < min || number > max) {
        problems.push(
          `${param} must be a number ${max === Infinity ? `≥ ${min}` : `from ${min} to ${max}`}, got ${JSON.stringify(value)}`,
        );
      }
    } else {
      try {
        if (typeof value !== 'string' && typeof value !== 'number') throw new RangeError('');
        parseDuration(value);
      } catch {
        problems.push(
          `${param} must be a duration such as 90s, 2h or 1d, got ${JSON.stringify(value)}`,
        );
      }
    }
  }
  return problems;
}

/** A fault the catalogue does not have (404 `unknown_fault`), asked for by name at an API. */
export class UnknownFaultError extends LabError {
  constructor(name: string) {
    super(404, 'unknown_fault', `no fault "${name.slice(0, 100)}" in the catalogue`);
  }
}

/** The catalogue's fault of this name; an {@link UnknownFaultError} when it has none. */
export function catalogueFault(name: string): FaultDefinition {
  const definition = faultDefinition(name);
  if (!definition) throw new UnknownFaultError(name);
  return definition;
}

/** A request body as fault parameters: a JSON object (none is `{}`), else a 400 `invalid_request`. */
export function faultParamsOf(body: unknown): Record<string, unknown> {
  const params = body ?? {};
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new LabError(
      400,
      'invalid_request',
      'the body must be a JSON object of fault parameters',
    );
  }
  return params as Record<string, unknown>;
}
