import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { headerSafe } from '../errors.js';
import { FAULT_CATALOGUE, faultParamProblems } from '../fault-catalogue.js';
import { createHostMap, hostSpecForScenario } from '../hosts.js';

/**
 * The scenario: everything a lab is made of (tenant, domains, users, apps,
 * policies, Exchange organisations, faults). One zod schema is the source of
 * truth for the TypeScript types, the validation of scenario files and the
 * published JSON Schema.
 */

const duration = z
  .string()
  .refine(
    (text) => {
      try {
        parseDuration(text);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'expected a duration such as 90s, 15m, 1h, 14d or 1w' },
  )
  .describe('A duration: 500ms, 90s, 15m, 1h, 14d, 1w, or combined (1h30m).');

const guid = z.guid().describe('A GUID, e.g. 27922004-5251-4030-b22d-91ecd9a37ea4.');
const hostname = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i,
    'expected a host name',
  )
  .describe('A DNS host name such as mail.contoso.com.');
const base32 = z
  .string()
  .regex(/^[A-Z2-7]+=*$/i, 'expected a base32 secret (A-Z, 2-7)')
  .describe('A base32 TOTP secret, as an authenticator app shows it.');

export const tenantSchema = z
  .object({
    id: guid.describe('The tenant id (tid claim).'),
    name: z.string().describe('The initial domain, e.g. contoso.onmicrosoft.com.'),
    displayName: z.string(),
  })
  .strict();

export const federationSchema = z
  .object({
    wapHost: hostname.describe(
      'Public host of the Web Application Proxy (the passive endpoint users reach).',
    ),
    adfsHost: hostname.describe('Internal host of the AD FS farm, reached only through the proxy.'),
    issuer: z
      .string()
      .describe(
        'AD FS identifier (the SAML Issuer), e.g. http://sts.contoso.com/adfs/services/trust.',
      ),
    brandName: z.string().describe('FederationBrandName in home realm discovery.'),
  })
  .strict();

export const domainSchema = z
  .object({
    name: hostname,
    authentication: z
      .enum(['federated', 'phs', 'pta'])
      .describe(
        'federated (AD FS), phs (password hash sync) or pta (pass-through authentication).',
      ),
    federation: federationSchema.optional(),
  })
  .strict()
  .refine((d) => d.authentication !== 'federated' || d.federation, {
    message: 'a federated domain needs "federation" (wapHost, adfsHost, issuer, brandName)',
    path: ['federation'],
  });

export const mailboxSchema = z
  .object({
    location: z
      .enum(['onprem', 'exo'])
      .describe('Where the mailbox lives: on-premises Exchange or Exchange Online.'),
    exchangeVersion: z
      .enum(['2010', '2013', '2016', '2019', 'SE'])
      .default('2019')
      .describe('On-premises Exchange version hosting the mailbox (2010 cannot do OAuth).'),
    seed: z
      .enum(['default', 'empty'])
      .default('default')
      .describe('Seeded content: folders, mail, calendar, contacts.'),
  })
  .strict();

export const userSchema = z
  .object({
    upn: z.email().describe('User principal name (and primary SMTP address).'),
    objectId: guid.describe('oid claim.'),
    displayName: z.string(),
    givenName: z.string().optional(),
    surname: z.string().optional(),
    password: z.string().min(1),
    disabled: z.boolean().default(false),
    immutableId: z
      .string()
      .optional()
      .describe('On-premises anchor, sent by AD FS as ImmutableID.'),
    onPremisesSid: z.string().optional(),
    mfa: z
      .object({
        method: z.literal('totp'),
        secret: base32,
      })
      .strict()
      .optional()
      .describe('Registered MFA method; conditional access decides when it is asked for.'),
    mailbox: mailboxSchema.optional(),
    authenticationPolicy: z
      .string()
      .optional()
      .describe('Name of the on-prem authentication policy assigned to the user.'),
  })
  .strict();

export const appSchema = z
  .object({
    appId: guid,
    displayName: z.string(),
    publicClient: z.boolean().describe('Public clients (mobile, desktop) have no secret.'),
    redirectUris: z
      .array(z.string())
      .default([])
      .describe(
        'Registered redirect URIs. http://localhost (or 127.0.0.1) matches any port, as Entra allows for public clients.',
      ),
    secrets: z
      .array(z.string())
      .default([])
      .describe('Client secrets (plain text: this is a lab).'),
    certificates: z
      .array(z.string())
      .default([])
      .describe(
        'Names of key-store certificates accepted for private_key_jwt (e.g. "testClient").',
      ),
    identifierUris: z
      .array(z.string())
      .default([])
      .describe('Resource identifiers (aud of tokens for this app).'),
    servicePrincipalNames: z
      .array(z.string())
      .default([])
      .describe(
        'Further names of its service principal, e.g. on-prem https://mail.contoso.com registered by the HCW.',
      ),
    scopes: z
      .array(z.string())
      .default([])
      .describe('Delegated permissions this app exposes as a resource.'),
    appRoles: z
      .array(z.string())
      .default([])
      .describe('Application permissions this app exposes as a resource.'),
    requiredResourceAccess: z
      .array(
        z
          .object({
            resourceAppId: guid,
            scopes: z.array(z.string()).default([]),
            roles: z.array(z.string()).default([]),
          })
          .strict(),
      )
      .default([])
      .describe('Permissions the app holds on resources (consented tenant-wide).'),
  })
  .strict();

export const conditionalAccessSchema = z
  .object({
    name: z.string(),
    state: z.enum(['enabled', 'disabled']).default('enabled'),
    users: z
      .object({
        include: z.array(z.string()).describe('UPNs, or "All".'),
        exclude: z.array(z.string()).default([]),
      })
      .strict(),
    applications: z
      .object({
        include: z.array(z.string()).describe('Resource app ids, identifier URIs, or "All".'),
        exclude: z.array(z.string()).default([]),
      })
      .strict(),
    clientApps: z
      .array(z.enum(['browser', 'mobileAppsAndDesktopClients', 'exchangeActiveSync', 'other']))
      .default(['browser', 'mobileAppsAndDesktopClients'])
      .describe('Client app types the policy applies to.'),
    grant: z
      .object({
        operator: z.enum(['OR', 'AND']).default('OR'),
        controls: z
          .array(
            z.enum([
              'block',
              'mfa',
              'compliantDevice',
              'domainJoinedDevice',
              'approvedApplication',
              'compliantApplication',
            ]),
          )
          .min(1),
      })
      .strict(),
  })
  .strict();

/** A duration of at least `minMs` (what reads it would otherwise spin: a renewal per virtual second). */
function durationOfAtLeast(minMs: number, what: string) {
  return duration.refine(
    (text) => {
      try {
        return parseDuration(text) >= minMs;
      } catch {
        return true; // the duration's own message says what is wrong
      }
    },
    { message: `must be at least ${what}` },
  );
}

export const tokenLifetimesSchema = z
  .object({
    // At least a minute: tokens are renewed before they expire, so a lifetime
    // of a second renewed every AT2 each virtual second (a day's advance: minutes).
    accessToken: durationOfAtLeast(60_000, '1m').default('1h'),
    refreshTokenInactivity: duration.default('14d'),
    refreshTokenMaxAge: duration.default('90d'),
    authorizationCode: duration.default('10m'),
    session: duration
      .default('24h')
      .describe('How long the sign-in session cookie allows silent sign-in.'),
  })
  .strict();

export const deviceAccessRuleSchema = z
  .object({
    characteristic: z.enum(['DeviceType', 'DeviceModel', 'DeviceOS', 'UserAgent']),
    queryString: z.string(),
    accessLevel: z.enum(['Allow', 'Block', 'Quarantine']),
  })
  .strict();

/** ActiveSync device access of an Exchange organisation (on-premises, or Exchange Online's own). */
export const deviceAccessSchema = z
  .object({
    defaultAccessLevel: z.enum(['Allow', 'Block', 'Quarantine']).default('Allow'),
    rules: z.array(deviceAccessRuleSchema).default([]),
  })
  .strict()
  .default({ defaultAccessLevel: 'Allow', rules: [] });

export const authenticationPolicySchema = z
  .object({
    name: z.string(),
    blockLegacyAuthActiveSync: z.boolean().default(false),
    blockLegacyAuthAutodiscover: z.boolean().default(false),
  })
  .strict();

export const easPolicySchema = z
  .object({
    devicePasswordEnabled: z.boolean().default(false),
    alphanumericDevicePasswordRequired: z.boolean().default(false),
    minDevicePasswordLength: z.number().int().min(1).max(16).default(4),
    maxInactivityTimeDeviceLockS: z.number().int().min(0).default(900),
    maxDevicePasswordFailedAttempts: z.number().int().min(0).default(8),
    requireDeviceEncryption: z.boolean().default(false),
    attachmentsEnabled: z.boolean().default(true),
    allowCamera: z.boolean().default(true),
  })
  .strict()
  .describe('The ActiveSync mailbox policy sent in Provision.');

export const onpremSchema = z
  .object({
    organization: z.string(),
    easHost: hostname.describe(
      'External ActiveSync namespace (the AT2 audience is https://<easHost>).',
    ),
    autodiscoverHosts: z
      .array(hostname)
      .default([])
      .describe(
        'AutoDiscover hosts; default autodiscover.<domain> for every domain with on-prem mailboxes.',
      ),
    serverVersion: z
      .string()
      .regex(/^\d+(\.\d+){0,3}$/, { message: 'must be a version such as 15.2 or 15.1.2507' })
      .default('15.2')
      .describe('MS-Server-ActiveSync header value.'),
    hma: z
      .object({
        enabled: z
          .boolean()
          .default(true)
          .describe('EvoSTS is the default authorization endpoint (authorization_uri sent).'),
        authorizationUri: z
          .string()
          .refine(isHeaderSafeUrl, {
            message: 'must be an http(s) URL without spaces or control characters',
          })
          .default('https://login.windows.net/common/oauth2/authorize'),
      })
      .strict()
      .default({
        enabled: true,
        authorizationUri: 'https://login.windows.net/common/oauth2/authorize',
      }),
    sslOffload: z
      .boolean()
      .default(false)
      .describe(
        'TLS terminated before Exchange: Exchange sees http:// and expects an http:// audience.',
      ),
    basicAuth: z
      .boolean()
      .default(true)
      .describe('Basic authentication enabled on the ActiveSync virtual directory.'),
    authenticationPolicies: z.array(authenticationPolicySchema).default([]),
    defaultAuthenticationPolicy: z.string().optional(),
    deviceAccess: deviceAccessSchema,
    easPolicy: easPolicySchema.default(easPolicySchema.parse({})),
    maxRequestLengthBytes: z
      .number()
      .int()
      .positive()
      .default(10_485_760)
      .describe('IIS maxRequestLength for the ActiveSync virtual directory.'),
  })
  .strict();

export const exoSchema = z
  .object({
    autodiscoverMaxRedirects: z
      .number()
      .int()
      .min(1)
      .default(10)
      .describe('RedirectCount above which AutoDiscover v2 refuses to redirect.'),
    cloudCacheMailWindow: duration
      .default('28d')
      .describe('Mail kept in the cloud cache for on-prem mailboxes.'),
    searchCacheTtl: duration.default('1d'),
    deletedAccountCacheRetention: duration.default('30d'),
    allowBasicAuthActiveSync: z.boolean().default(false),
    allowBasicAuthAutodiscover: z.boolean().default(false),
    allowBasicAuthOutlookService: z.boolean().default(false),
    deviceAccess: deviceAccessSchema.describe(
      "ActiveSync device access of Exchange Online's own endpoint (flow B), as on-premises.",
    ),
  })
  .strict();

export const faultSchema = z
  .object({
    name: z.string().describe('A fault from the catalogue (docs/faults.md).'),
    params: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string(),
    description: z.string().default(''),
    clock: z
      .object({
        start: z.iso
          .datetime()
          .refine((text) => Date.parse(text) >= 0, {
            message: 'must be 1970-01-01T00:00:00Z or later (TOTP and JWT times count from it)',
          })
          .optional()
          .describe('Virtual clock start (ISO 8601). Default: the real time at start.'),
      })
      .strict()
      .default({}),
    tenant: tenantSchema,
    domains: z.array(domainSchema).min(1),
    users: z.array(userSchema),
    apps: z.array(appSchema),
    conditionalAccess: z.array(conditionalAccessSchema).default([]),
    tokenLifetimes: tokenLifetimesSchema.default(tokenLifetimesSchema.parse({})),
    exchange: z
      .object({
        onprem: onpremSchema,
        online: exoSchema.default(exoSchema.parse({})),
      })
      .strict(),
    faults: z.array(faultSchema).default([]),
  })
  .strict();

/** A scenario as written in a file (defaults not yet applied). */
export type ScenarioInput = z.input<typeof scenarioSchema>;
/** A validated scenario with every default applied. */
export type Scenario = z.output<typeof scenarioSchema>;
export type User = Scenario['users'][number];
export type Domain = Scenario['domains'][number];
export type App = Scenario['apps'][number];
export type ConditionalAccessPolicy = Scenario['conditionalAccess'][number];
export type OnpremConfig = Scenario['exchange']['onprem'];
export type ExoConfig = Scenario['exchange']['online'];
export type DeviceAccessRule = OnpremConfig['deviceAccess']['rules'][number];
/** An organisation's ActiveSync device access (`DefaultAccessLevel` and the device access rules). */
export type DeviceAccessPolicy = OnpremConfig['deviceAccess'];
export type AuthenticationPolicy = OnpremConfig['authenticationPolicies'][number];
export type EasPolicy = OnpremConfig['easPolicy'];

/** Thrown for a scenario that does not validate; the message names each bad field's path. */
export class ScenarioError extends Error {
  readonly issues: Array<{ path: string; message: string }>;
  constructor(issues: Array<{ path: string; message: string }>, source?: string) {
    super(
      `invalid scenario${source ? ` ${source}` : ''}:\n` +
        issues.map((i) => `  - ${i.path || '(root)'}: ${i.message}`).join('\n'),
    );
    this.name = 'ScenarioError';
    this.issues = issues;
  }
}

/** Validates a scenario and applies defaults; throws {@link ScenarioError} with field paths. */
export function parseScenario(input: unknown, source?: string): Scenario {
  let result: ReturnType<typeof scenarioSchema.safeParse>;
  try {
    result = scenarioSchema.safeParse(input);
  } catch (error) {
    // An object handed in through the API whose reading throws (a getter, a proxy).
    throw new ScenarioError(
      [{ path: '', message: `cannot be read: ${(error as Error)?.message ?? String(error)}` }],
      source,
    );
  }
  if (!result.success) {
    throw new ScenarioError(
      result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
      source,
    );
  }
  return checkReferences(result.data, source);
}

/** Cross-field rules a schema cannot express (unique names, references that must resolve). */
function checkReferences(scenario: Scenario, source?: string): Scenario {
  const issues: Array<{ path: string; message: string }> = [];
  const domains = new Set(scenario.domains.map((d) => d.name.toLowerCase()));
  const upns = new Set<string>();
  scenario.users.forEach((user, i) => {
    const upn = user.upn.toLowerCase();
    if (upns.has(upn))
      issues.push({ path: `users.${i}.upn`, message: `duplicate user ${user.upn}` });
    upns.add(upn);
    const domain = upn.split('@')[1]!;
    if (!domains.has(domain)) {
      issues.push({ path: `users.${i}.upn`, message: `domain ${domain} is not in "domains"` });
    }
    const policy = user.authenticationPolicy;
    if (policy && !scenario.exchange.onprem.authenticationPolicies.some((p) => p.name === policy)) {
      issues.push({
        path: `users.${i}.authenticationPolicy`,
        message: `no authentication policy named ${policy}`,
      });
    }
  });
  const appIds = flagDuplicates(scenario.apps, (app) => app.appId, 'apps.*.appId', 'app', issues);
  scenario.apps.forEach((app, i) =>
    app.requiredResourceAccess.forEach((access, j) => {
      if (!appIds.has(access.resourceAppId.toLowerCase())) {
        issues.push({
          path: `apps.${i}.requiredResourceAccess.${j}.resourceAppId`,
          message: `no app ${access.resourceAppId} in "apps"`,
        });
      }
    }),
  );
  flagDuplicates(scenario.users, (u) => u.objectId, 'users.*.objectId', 'objectId', issues);
  flagDuplicates(scenario.domains, (d) => d.name, 'domains.*.name', 'domain', issues);
  const faultNames = new Set(FAULT_CATALOGUE.map((f) => f.name));
  scenario.faults.forEach((fault, i) => {
    if (!faultNames.has(fault.name)) {
      issues.push({
        path: `faults.${i}.name`,
        message: `no fault named ${fault.name} in the catalogue (docs/faults.md)`,
      });
    }
    for (const problem of faultParamProblems(fault.name, fault.params)) {
      issues.push({ path: `faults.${i}.params`, message: problem });
    }
  });
  try {
    createHostMap(hostSpecForScenario(scenario));
  } catch (error) {
    // A scenario's own host names must differ from each other's parties and from Microsoft's.
    issues.push({ path: 'exchange.onprem', message: (error as Error).message });
  }
  const defaultPolicy = scenario.exchange.onprem.defaultAuthenticationPolicy;
  if (
    defaultPolicy &&
    !scenario.exchange.onprem.authenticationPolicies.some((p) => p.name === defaultPolicy)
  ) {
    issues.push({
      path: 'exchange.onprem.defaultAuthenticationPolicy',
      message: `no authentication policy named ${defaultPolicy}`,
    });
  }
  if (issues.length > 0) throw new ScenarioError(issues, source);
  return scenario;
}

/**
 * Adds an issue for each item whose key (compared case-insensitively) an
 * earlier item has; `path` names the field with `*` for the index. Returns the
 * keys seen, lower-cased.
 */
function flagDuplicates<T>(
  items: readonly T[],
  keyOf: (item: T) => string,
  path: string,
  what: string,
  issues: Array<{ path: string; message: string }>,
): Set<string> {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    const key = keyOf(item).toLowerCase();
    if (seen.has(key)) {
      issues.push({
        path: path.replace('*', String(i)),
        message: `duplicate ${what} ${keyOf(item)}`,
      });
    }
    seen.add(key);
  });
  return seen;
}

/** An http(s) URL a header can quote: no white space, no control characters. */
function isHeaderSafeUrl(text: string): boolean {
  if (!/^https?:\/\/\S+$/i.test(text) || headerSafe(text) !== text) return false;
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
