import type { Party } from './hosts.js';
import type { TraceEntry, TraceEvent, TraceExchange } from './trace.js';

/**
 * FLOWS.md step numbers, assigned to a run's trace after the fact. Services do
 * not know step numbers (the same request is step 2 of flow A and of flow B,
 * and which flow it is only shows later); each flow instead has a list of rules
 * that recognise its steps from who talked to whom, where, and with what result.
 * Third-party clients' traffic gets labelled the same way as the reference
 * device's.
 */

export type FlowName = 'A' | 'B' | 'C';

/** One leg of the flow: a request, a response, or a party-internal event. */
export interface FlowStep {
  flow: FlowName;
  step: number;
  leg: 'request' | 'response' | 'event';
  /** Order among all entries of the trace. */
  seq: number;
  from: Party;
  to: Party;
  /** What this step means in the flow (FLOWS.md, shortened). */
  meaning: string;
  entry: TraceEntry;
}

interface ExchangeRule {
  match: (e: TraceExchange) => boolean;
  request?: number | ((e: TraceExchange) => number | undefined);
  response?: number | ((e: TraceExchange) => number | undefined);
}

interface EventRule {
  action: string;
  step: number;
}

interface FlowDefinition {
  name: FlowName;
  title: string;
  meanings: Record<number, string>;
  exchanges: ExchangeRule[];
  events: EventRule[];
}

const path = (e: TraceExchange): string => {
  try {
    return new URL(e.url).pathname.toLowerCase();
  } catch {
    return '';
  }
};
const between = (from: Party, to: Party) => (e: TraceExchange) => e.from === from && e.to === to;
const asksForMfa = (e: TraceExchange): boolean => /name="otc"/.test(e.responseBody?.text ?? '');
const isTokenCall = (e: TraceExchange): boolean => /\/oauth2\/(v2\.0\/)?token$/.test(path(e));
const grantType = (e: TraceExchange): string | undefined =>
  /(?:^|&)grant_type=([^&]+)/.exec(e.requestBody?.text ?? '')?.[1];
/** The device (or any client the lab does not know) is the one in front of the user. */
const fromUser = (e: TraceExchange): boolean => e.from === 'device' || e.from === 'client';

function signInRules(
  first: number,
  leavesForFederation: (e: TraceExchange) => boolean,
): ExchangeRule[] {
  // first = the step where the user types the address (A7, B6).
  const [enter, toWap, adfsPage, credentials, back] = [
    first,
    first + 1,
    first + 2,
    first + 3,
    first + 4,
  ];
  return [
    {
      match: (e) =>
        fromUser(e) && e.to === 'entra' && /\/oauth2\/(v2\.0\/)?authorize$/.test(path(e)),
      request: enter,
      response: enter,
    },
    {
      match: (e) =>
        fromUser(e) && e.to === 'entra' && /getcredentialtype|getuserrealm/.test(path(e)),
      request: enter,
      response: enter,
    },
    {
      match: (e) => fromUser(e) && e.to === 'entra' && path(e).endsWith('/login'),
      request: enter,
      response: (e) => (leavesForFederation(e) ? toWap : asksForMfa(e) ? back + 2 : enter),
    },
    {
      match: (e) => fromUser(e) && e.to === 'wap' && e.method === 'GET',
      request: toWap,
      response: adfsPage,
    },
    {
      match: (e) => e.from === 'wap' && e.to === 'adfs' && e.method === 'GET',
      request: adfsPage,
      response: adfsPage,
    },
    {
      match: (e) => fromUser(e) && e.to === 'wap' && e.method === 'POST',
      request: credentials,
      response: (e) => (/name="wresult"/.test(e.responseBody?.text ?? '') ? back : credentials),
    },
    {
      match: (e) => e.from === 'wap' && e.to === 'adfs' && e.method === 'POST',
      request: credentials,
      response: credentials,
    },
    {
      match: (e) => fromUser(e) && e.to === 'entra' && path(e) === '/login.srf',
      request: back,
      response: (e) => (asksForMfa(e) ? back + 2 : back),
    },
    {
      match: (e) => fromUser(e) && e.to === 'entra' && /\/sas\/processauth$/.test(path(e)),
      request: back + 3,
      response: back + 3,
    },
  ];
}

/** A redirect to the federation proxy's passive endpoint (AD FS `/adfs/ls/`). */
const redirectsToAdfs = (e: TraceExchange): boolean => {
  const location = e.responseHeaders.location;
  const text = Array.isArray(location) ? location[0] : location;
  return e.status >= 300 && e.status < 400 && /\/adfs\/ls\/?/i.test(text ?? '');
};

const FLOW_A: FlowDefinition = {
  name: 'A',
  title: 'Hybrid Modern Authentication, mailbox on-premises',
  meanings: {
    1: 'device asks AutoDetect about the address',
    2: 'AutoDetect sends AutoDiscover v2 to Exchange Online',
    3: 'Exchange Online: mailbox is on-premises, 302 to on-prem AutoDiscover',
    4: 'AutoDetect asks on-prem AutoDiscover for the ActiveSync URL',
    5: 'on-prem ActiveSync answers the empty Bearer with 401 + authorization_uri',
    6: 'AutoDetect returns the ActiveSync URL and the Entra authority',
    7: 'device opens Entra sign-in; the user enters the address',
    8: 'Entra sends the browser to the federation proxy (WAP)',
    9: 'WAP proxies to AD FS; the AD FS sign-in page',
    10: 'the user signs in at AD FS',
    11: 'the browser posts the federation token back to Entra',
    12: 'Entra evaluates conditional access',
    13: 'conditional access requires a grant control (MFA) or blocks',
    14: 'the user completes MFA',
    15: 'Entra returns AT1/RT1 (aud Exchange Online, client Outlook mobile)',
    16: 'device sends the provisioning request with AT1 to Exchange Online',
    17: 'Exchange Online trades AT1 on-behalf-of for AT2/RT2 (aud on-prem)',
    18: 'Exchange Online creates the cloud cache mailbox',
    19: 'Exchange Online syncs the on-prem mailbox over ActiveSync with AT2',
    20: 'the data is returned to the device',
  },
  exchanges: [
    { match: (e) => fromUser(e) && e.to === 'autodetect', request: 1, response: 6 },
    {
      match: (e) =>
        e.from === 'autodetect' && e.to === 'exo' && path(e).startsWith('/autodiscover/'),
      request: 2,
      response: (e) => (e.status === 302 ? 3 : 2),
    },
    { match: between('autodetect', 'onprem-autodiscover'), request: 4, response: 4 },
    { match: between('autodetect', 'onprem-eas'), request: 5, response: 5 },
    ...signInRules(7, redirectsToAdfs),
    { match: (e) => fromUser(e) && e.to === 'entra' && isTokenCall(e), request: 15, response: 15 },
    {
      match: (e) =>
        fromUser(e) && e.to === 'exo' && e.method === 'POST' && /provision/.test(path(e)),
      request: 16,
      response: 16,
    },
    {
      match: (e) => e.from === 'exo' && e.to === 'entra' && isTokenCall(e),
      request: (e) => (grantType(e) === 'refresh_token' ? 19 : 17),
      response: (e) => (grantType(e) === 'refresh_token' ? 19 : 17),
    },
    { match: between('exo', 'onprem-eas'), request: 19, response: 19 },
    {
      match: (e) => fromUser(e) && e.to === 'exo' && e.method === 'GET',
      request: 20,
      response: 20,
    },
  ],
  events: [
    { action: 'entra.ca.evaluated', step: 12 },
    { action: 'entra.ca.grant-required', step: 13 },
    { action: 'entra.ca.blocked', step: 13 },
    { action: 'exo.cache.created', step: 18 },
    { action: 'exo.sync.completed', step: 19 },
  ],
};

const FLOW_B: FlowDefinition = {
  name: 'B',
  title: 'Modern authentication, mailbox in Exchange Online',
  meanings: {
    1: 'device asks AutoDetect about the address',
    2: 'AutoDetect sends AutoDiscover v2 to Exchange Online; it returns the EXO ActiveSync URL',
    3: 'AutoDetect calls Exchange Online ActiveSync unauthenticated',
    4: 'Exchange Online answers 401 with the Bearer challenge and authorization_uri',
    5: 'AutoDetect returns the Entra authorize endpoint',
    6: 'device opens Entra sign-in; the user enters the address',
    7: 'Entra sends the browser to the federation proxy (WAP)',
    8: 'WAP proxies to AD FS; the AD FS sign-in page',
    9: 'the user signs in at AD FS',
    10: 'the browser posts the federation token back to Entra',
    11: 'Entra evaluates conditional access',
    12: 'conditional access requires a grant control (MFA) or blocks',
    13: 'the user completes MFA',
    14: 'Entra returns the access and refresh tokens',
    15: 'the device uses the access token against Exchange Online directly',
  },
  exchanges: [
    { match: (e) => fromUser(e) && e.to === 'autodetect', request: 1, response: 5 },
    {
      match: (e) =>
        e.from === 'autodetect' && e.to === 'exo' && path(e).startsWith('/autodiscover/'),
      request: 2,
      response: 2,
    },
    { match: (e) => e.from === 'autodetect' && e.to === 'exo', request: 3, response: 4 },
    ...signInRules(6, redirectsToAdfs),
    { match: (e) => fromUser(e) && e.to === 'entra' && isTokenCall(e), request: 14, response: 14 },
    { match: (e) => fromUser(e) && e.to === 'exo', request: 15, response: 15 },
  ],
  events: [
    { action: 'entra.ca.evaluated', step: 11 },
    { action: 'entra.ca.grant-required', step: 12 },
    { action: 'entra.ca.blocked', step: 12 },
  ],
};

// Flow C (seeds 000/001): numbered in the order the seeds tell it; 4 and 12
// are the branches (Exchange refuses the first connection; the account was
// flushed and is set up again). The service checks the password with a
// Provision and provisions again only when Exchange asks, so Provision (and
// OPTIONS) is step 3 and every other ActiveSync request of the service is 8.
const FLOW_C: FlowDefinition = {
  name: 'C',
  title: 'Basic authentication through the Outlook cloud service',
  meanings: {
    1: 'first run: the device generates a random AES-128 device key, kept only on the device',
    2: 'device sends user name, password and device key to the Outlook cloud service over TLS',
    3: 'the service checks the password against on-prem ActiveSync with Basic (first connection)',
    4: 'Exchange refuses the first connection: the credentials are dropped at once, never stored',
    5: 'the service encrypts the password with the device key, stores only the ciphertext, wipes key and password',
    6: 'a later connection: the device sends the device key again',
    7: 'the service decrypts the password in memory only and wipes the key',
    8: 'the service syncs over ActiveSync with Basic, keeping the password in memory while the user is active',
    9: 'the mailbox data reaches the device',
    10: 'three days without activity: the decrypted password is flushed from memory; the ciphertext stays',
    11: 'the weekly job flushes the inactive account: ciphertext and synced mailbox data',
    12: 'the account was flushed: the next app start sets everything up again',
  },
  exchanges: [
    {
      match: (e) =>
        fromUser(e) &&
        e.to === 'outlook-service' &&
        e.method === 'POST' &&
        /^\/api\/basic\/v1\/accounts\/?$/.test(path(e)),
      request: 2,
      response: (e) => (e.status >= 200 && e.status < 300 ? 5 : e.status === 400 ? 2 : 4),
    },
    {
      match: (e) =>
        fromUser(e) &&
        e.to === 'outlook-service' &&
        e.method === 'POST' &&
        /^\/api\/basic\/v1\/accounts\/[^/]+\/connect$/.test(path(e)),
      request: 6,
      response: (e) => (e.status === 200 ? 9 : e.status === 404 ? 12 : 6),
    },
    {
      match: between('outlook-service', 'onprem-eas'),
      request: (e) => (e.method === 'OPTIONS' || /[?&]cmd=provision(&|$)/i.test(e.url) ? 3 : 8),
      response: (e) => (e.method === 'OPTIONS' || /[?&]cmd=provision(&|$)/i.test(e.url) ? 3 : 8),
    },
  ],
  events: [
    { action: 'outlook.device.key.generated', step: 1 },
    { action: 'outlook.basic.credentials.dropped', step: 4 },
    { action: 'outlook.basic.credentials.stored', step: 5 },
    { action: 'outlook.basic.password.decrypted', step: 7 },
    { action: 'outlook.basic.sync.completed', step: 8 },
    { action: 'outlook.basic.password.flushed', step: 10 },
    { action: 'outlook.basic.account.purged', step: 11 },
    { action: 'outlook.device.account.resetup', step: 12 },
  ],
};

const FLOWS: Readonly<Record<FlowName, FlowDefinition>> = { A: FLOW_A, B: FLOW_B, C: FLOW_C };

/** Title and step meanings of a flow, for printing and docs. */
export function flowDefinition(flow: FlowName): {
  title: string;
  meanings: Readonly<Record<number, string>>;
} {
  return FLOWS[flow];
}

export type { ExchangeRule as FlowExchangeRule, EventRule as FlowEventRule };

function resolve(rule: ExchangeRule['request'], e: TraceExchange): number | undefined {
  return typeof rule === 'function' ? rule(e) : rule;
}

/**
 * Labels a run's trace entries with the steps of `flow`, in the order the legs
 * happened. Entries no rule recognises are left out.
 */
export function labelFlow(entries: readonly TraceEntry[], flow: FlowName): FlowStep[] {
  const definition = FLOWS[flow];
  const steps: FlowStep[] = [];
  for (const entry of entries) {
    if (entry.kind === 'event') {
      const rule = definition.events.find((r) => r.action === entry.action);
      if (rule) steps.push(eventStep(definition, rule.step, entry));
      continue;
    }
    const rule = definition.exchanges.find((r) => r.match(entry));
    if (!rule) continue;
    const request = resolve(rule.request, entry);
    const response = resolve(rule.response, entry);
    if (request !== undefined) {
      steps.push({
        flow,
        step: request,
        leg: 'request',
        seq: entry.startSeq,
        from: entry.from,
        to: entry.to,
        meaning: definition.meanings[request] ?? '',
        entry,
      });
    }
    if (response !== undefined) {
      steps.push({
        flow,
        step: response,
        leg: 'response',
        seq: entry.endSeq,
        from: entry.to,
        to: entry.from,
        meaning: definition.meanings[response] ?? '',
        entry,
      });
    }
  }
  return steps.sort((a, b) => a.seq - b.seq);
}

function eventStep(definition: FlowDefinition, step: number, entry: TraceEvent): FlowStep {
  return {
    flow: definition.name,
    step,
    leg: 'event',
    seq: entry.seq,
    from: entry.party,
    to: entry.party,
    meaning: definition.meanings[step] ?? entry.summary,
    entry,
  };
}

/** The distinct step numbers of a labelled run, in first-seen order. */
export function stepSequence(steps: readonly FlowStep[]): number[] {
  const seen: number[] = [];
  for (const s of steps) if (!seen.includes(s.step)) seen.push(s.step);
  return seen;
}
