import { isPingHeartbeat, readTrustedCertificate } from '@hma-lab/activesync';
import { parseDuration } from '@hma-lab/core';
import type { AdfsConfig, WapConfig } from '@hma-lab/adfs';
import type { AutodetectConfig } from '@hma-lab/autodetect';
import type { EntraConfig } from '@hma-lab/entra';
import type { ExchangeOnlineConfig } from '@hma-lab/exchange-online';
import type { OnpremActiveSyncConfig, OnpremAutodiscoverConfig } from '@hma-lab/exchange-onprem';
import type { OutlookServiceConfig } from '@hma-lab/outlook-service';
import { z } from 'zod';

/**
 * The options `createLab({ services })` and `hma-lab up|flow --services <file>`
 * pass to each party's factory, checked before any party starts: every party
 * and option name must exist and every value have the kind its package's
 * config asks for. Unchecked, a misspelt option was silently ignored and a
 * value of the wrong kind failed (or misbehaved) only when a request reached
 * the code that reads it.
 *
 * One schema per party, each tied to its package's config type at compile
 * time: an option added to a package and not here, or typed differently, does
 * not compile. Options are shallow: an object-valued option (`ping`,
 * `loopDetection`) is given whole, except `validateCert`, whose fields left
 * out keep their defaults. The Exchange organisations' own settings
 * (`onprem`) come from the scenario, not from here.
 */

/** A check that `read` takes the text without throwing. */
const readable =
  (read: (text: string) => unknown) =>
  (text: string): boolean => {
    try {
      read(text);
      return true;
    } catch {
      return false;
    }
  };
const isDuration = readable(parseDuration);
const isCertificate = readable(readTrustedCertificate);

/**
 * The schema of every party's options, built on first use: building them
 * takes ~12 ms, which a lab started without options does not spend.
 */
function buildSchemas() {
  /** Duration text as scenarios write it: 500ms, 90s, 15m, 1h, 14d, 1w, 1h30m. */
  const durationText = z.string().refine(isDuration, {
    message: 'expected a duration such as 90s, 15m, 1h or 14d',
  });
  /** A duration as text, or in milliseconds. */
  const duration = z.union([durationText, z.number().nonnegative().finite()], {
    error: 'expected a duration such as 90s, 15m, 1h or 14d, or milliseconds',
  });
  /** A Ping heartbeat: whole seconds from 1m to 59m (MS-ASCMD's HeartbeatInterval range). */
  const heartbeat = duration.refine((value) => isPingHeartbeat(parseDuration(value)), {
    message: 'expected whole seconds from 1m to 59m',
  });
  const count = z.number().int().nonnegative();
  const positiveCount = z.number().int().positive();
  const text = z.string().min(1);
  const texts = z.array(z.string());
  const url = z.url({ protocol: /^https?$/ });
  /** ValidateCert's trust (both Exchanges); a field left out keeps its default. */
  const validateCert = z.strictObject({
    systemRoots: z.boolean().default(true),
    trustedCertificates: z
      .array(z.string().refine(isCertificate, { message: 'expected one X.509 certificate in PEM' }))
      .default([]),
    revokedSerialNumbers: z
      .array(
        z.string().regex(/^(0x)?[0-9a-f:]+$/i, {
          message: 'expected a serial number in hex (colons allowed)',
        }),
      )
      .default([]),
  });

  const entra = z.strictObject({
    multiTenantIssuer: z.enum(['tenant', 'template']),
    signInFlowLifetime: durationText,
    clockSkew: durationText,
    pkceMismatchCode: z.union([z.literal(50148), z.literal(501481)], {
      error: 'expected 50148 or 501481',
    }),
    revokeRotatedRefreshTokens: z.boolean(),
    refreshTokensPerFamily: count,
    clientInfo: z.enum(['when-requested', 'always']),
    v2AccessTokenResources: texts,
    approvedClientAppIds: texts,
    satisfiedDeviceControls: texts,
    deviceCodeLifetime: durationText,
    deviceCodeIntervalS: positiveCount,
    federationSigningCertificates: z.record(z.string(), z.string()),
    federationRealm: text,
    clientClock: z.enum(['lab-or-machine', 'lab']),
  });

  const wap = z.strictObject({
    proxyName: text,
    publishedPaths: texts,
    backendHost: text,
  });

  const adfs = z.strictObject({
    replyUrl: url,
    tokenLifetimeMs: positiveCount,
    notBeforeSkewMs: count,
    ssoLifetimeMs: count,
    loopDetection: z.union(
      [z.literal(false), z.strictObject({ maxTokens: positiveCount, intervalMs: positiveCount })],
      { error: 'expected false (off), or { maxTokens, intervalMs } as whole numbers' },
    ),
    emitInsideCorporateNetwork: z.boolean(),
    showErrorDetails: z.boolean(),
    wsTrustMaxMessageBytes: positiveCount,
  });

  const onpremAutodiscover = z.strictObject({
    unknownUser: z.enum(['not-found', 'answer']),
    cloudMailbox: z.enum(['redirect', 'answer']),
    maxRedirectCount: count,
  });

  const diagnostics = z.strictObject({ code: text, reason: z.string(), category: text });

  const onpremEas = z.strictObject({
    serverHeader: z.string(),
    frontEndServer: z.string(),
    jwksUrl: url,
    jwksCacheMs: count,
    clockSkewS: count,
    expiredToken: diagnostics,
    oauthUnsupportedMailbox: diagnostics,
    requiredScope: z.string().optional(),
    blockedBasic: z.enum(['bearer-challenge-only', 'both-challenges', 'forbidden']),
    oversizeStatus: z.union([z.literal(404), z.literal(413)], { error: 'expected 404 or 413' }),
    protocolVersions: texts,
    protocolCommands: texts,
    provisioningRequired: z.boolean(),
    provisioningExemptCommands: texts,
    quarantine: z.enum(['notice', 'block']),
    ping: z.strictObject({
      minHeartbeatS: positiveCount,
      maxHeartbeatS: positiveCount,
      maxFolders: positiveCount,
    }),
    sync: z.strictObject({ defaultWindowSize: positiveCount, maxWindowSize: positiveCount }),
    defaultRetryAfterS: count,
    validateCert,
  });

  const exo = z.strictObject({
    autodiscoverMaxRedirects: count,
    autodiscoverLoopWindow: duration,
    unknownUserAutodiscover: z.enum(['redirect', 'not-found']),
    acceptedAudiences: texts,
    allowedClientIds: texts,
    clockSkew: duration,
    jwksUrl: url,
    jwksCacheTtl: duration,
    clientId: text,
    clientSecret: text,
    cloudCacheMailWindow: duration,
    searchCacheTtl: duration,
    deletedAccountCacheRetention: duration,
    syncMode: z.enum(['push', 'poll']),
    pingHeartbeat: heartbeat,
    syncInterval: duration,
    tokenRefreshLead: duration,
    retryInitialDelay: duration,
    retryMaxDelay: duration,
    deviceInactivityTimeout: duration,
    initialMailFilterType: count,
    syncProtocolVersion: text,
    syncUserAgent: text,
    unsupportedExchangeVersions: texts,
    allowBasicAuthActiveSync: z.boolean(),
    activeSyncServerVersion: text,
    validateCert,
  });

  const autodetect = z.strictObject({
    cacheTtl: duration,
    negativeCacheTtl: duration,
    responseBudget: duration,
    maxResponseBudget: duration,
    autodiscoverTimeout: duration,
    probeTimeout: duration,
    maxRedirects: count,
    pendingResultTtl: duration,
  });

  const outlookService = z.strictObject({
    inactivityFlushAfter: duration,
    purgeInterval: duration,
    exchangeSyncInterval: duration,
    easDeviceType: text,
    easDeviceModel: text,
    easUserAgent: text,
    easProtocolVersion: text,
    mailFilterType: count,
    activeSyncUrl: url.optional(),
    bodyLimitBytes: positiveCount,
    exchangeRequestTimeout: duration,
  });

  return {
    entra,
    wap,
    adfs,
    'onprem-autodiscover': onpremAutodiscover,
    'onprem-eas': onpremEas,
    exo,
    autodetect,
    'outlook-service': outlookService,
  } as const;
}

type Schemas = ReturnType<typeof buildSchemas>;

/**
 * `true` when `Schema` has every option of `Config` and no other, each
 * parsing to a value `Config` accepts.
 */
type Matches<Schema extends z.ZodObject, Config> = [
  Exclude<keyof Config, keyof Schema['shape']>,
  Exclude<keyof Schema['shape'], keyof Config>,
] extends [never, never]
  ? [Partial<z.output<Schema>>] extends [Partial<Config>]
    ? true
    : false
  : false;

/** Does not compile when a schema and its package's config disagree. */
const SCHEMAS_MATCH_CONFIGS: {
  entra: Matches<Schemas['entra'], EntraConfig>;
  wap: Matches<Schemas['wap'], WapConfig>;
  adfs: Matches<Schemas['adfs'], AdfsConfig>;
  'onprem-autodiscover': Matches<
    Schemas['onprem-autodiscover'],
    Omit<OnpremAutodiscoverConfig, 'onprem'>
  >;
  'onprem-eas': Matches<Schemas['onprem-eas'], Omit<OnpremActiveSyncConfig, 'onprem'>>;
  exo: Matches<Schemas['exo'], ExchangeOnlineConfig>;
  autodetect: Matches<Schemas['autodetect'], AutodetectConfig>;
  'outlook-service': Matches<Schemas['outlook-service'], OutlookServiceConfig>;
} = {
  entra: true,
  wap: true,
  adfs: true,
  'onprem-autodiscover': true,
  'onprem-eas': true,
  exo: true,
  autodetect: true,
  'outlook-service': true,
};
void SCHEMAS_MATCH_CONFIGS;

let compiled: { parties: Schemas; services: z.ZodType } | undefined;

/** The schemas, built once. */
function schemas(): { parties: Schemas; services: z.ZodType } {
  if (compiled) return compiled;
  const parties = buildSchemas();
  const services = z.strictObject(
    Object.fromEntries(
      Object.entries(parties).map(([party, schema]) => [party, schema.partial().optional()]),
    ),
  );
  return (compiled = { parties, services });
}

/** The options of each party's factory, by party (each package's config, every option optional). */
export interface LabServiceOptions {
  entra?: Partial<EntraConfig>;
  wap?: Partial<WapConfig>;
  adfs?: Partial<AdfsConfig>;
  'onprem-autodiscover'?: Partial<OnpremAutodiscoverConfig>;
  'onprem-eas'?: Partial<OnpremActiveSyncConfig>;
  exo?: Partial<ExchangeOnlineConfig>;
  autodetect?: Partial<AutodetectConfig>;
  'outlook-service'?: Partial<OutlookServiceConfig>;
}

/** Thrown for service options that do not check; the message names each problem's path. */
export class ServiceOptionsError extends Error {
  override name = 'ServiceOptionsError';
  readonly issues: Array<{ path: string; message: string }>;
  constructor(issues: Array<{ path: string; message: string }>, source?: string) {
    super(
      `invalid service options${source ? ` ${source}` : ''}:\n` +
        issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
    this.issues = issues;
  }
}

/**
 * Checks `input` as the `services` of `createLab`, e.g.
 * `{ entra: { multiTenantIssuer: 'template' }, adfs: { loopDetection: false } }`,
 * and returns it. Throws {@link ServiceOptionsError} naming every problem.
 */
export function parseServiceOptions(input: unknown, source?: string): LabServiceOptions {
  const result = schemas().services.safeParse(input);
  if (result.success) return result.data as LabServiceOptions;
  throw new ServiceOptionsError(result.error.issues.flatMap(describeIssue), source);
}

function describeIssue(issue: z.core.$ZodIssue): Array<{ path: string; message: string }> {
  const path = issue.path.map(String).join('.');
  if (issue.code !== 'unrecognized_keys') return [{ path, message: issue.message }];
  return issue.keys.map((key) => {
    if (issue.path.length === 0) {
      return {
        path: key,
        message: `no such service (services: ${Object.keys(schemas().parties).join(', ')})`,
      };
    }
    const party = issue.path[0] as keyof Schemas;
    const known = issue.path.length === 1 ? Object.keys(schemas().parties[party].shape) : [];
    const hint =
      key === 'onprem'
        ? 'set by the scenario (exchange.onprem), not here'
        : known.length > 0
          ? `no such option (options: ${known.join(', ')})`
          : 'no such field';
    return { path: path ? `${path}.${key}` : key, message: hint };
  });
}
