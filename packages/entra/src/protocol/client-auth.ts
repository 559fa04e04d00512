import { createHash } from 'node:crypto';
import {
  decodeFormComponent,
  isoTime,
  decodeJwt,
  shorten,
  verifyJwtSignature,
  type App,
  type SigningKey,
} from '@hma-lab/core';
import { EntraError, missingParameter } from '../errors.js';
import type { EntraContext } from './context.js';
import { v1Issuer, v2Issuer } from './metadata.js';
import type { ClientAuthLevel } from './tokens.js';

/**
 * Client authentication at the token endpoint: `client_secret_post`,
 * `client_secret_basic` and `private_key_jwt` (RFC 7523 client assertion signed
 * by a certificate registered on the app) for confidential clients; none for
 * public clients (which must not send credentials).
 */

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface ClientCredentials {
  clientId?: string;
  clientSecret?: string;
  clientAssertionType?: string;
  clientAssertion?: string;
  /** From `Authorization: Basic`, already decoded. */
  basic?: { clientId: string; clientSecret: string };
}

export interface AuthenticatedClient {
  app: App;
  method: 'none' | 'client_secret_post' | 'client_secret_basic' | 'private_key_jwt';
  /** `appidacr`: 0 public, 1 secret, 2 certificate. */
  level: ClientAuthLevel;
}

/** Decodes `Authorization: Basic` as RFC 6749 §2.3.1 says (form-urlencoded id and secret). */
export function parseBasicAuthorization(header: string | undefined): ClientCredentials['basic'] {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return {
    clientId: decodeFormComponent(decoded.slice(0, colon)),
    clientSecret: decodeFormComponent(decoded.slice(colon + 1)),
  };
}

function unknownClient(context: EntraContext, clientId: string): EntraError {
  return new EntraError(
    700016,
    `Application with identifier '${clientId}' was not found in the directory '${context.deps.directory.tenant.displayName}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
  );
}

/** The registered app of a client id (AADSTS700016 when unknown). */
export function requireClient(context: EntraContext, clientId: string | undefined): App {
  if (!clientId) throw missingParameter('client_id');
  const app = context.deps.directory.app(clientId);
  if (!app) throw unknownClient(context, clientId);
  return app;
}

/** Certificates registered for private_key_jwt: names of key-store keys. */
function registeredCertificates(context: EntraContext, app: App): SigningKey[] {
  const store = context.deps.keys as unknown as Record<string, unknown>;
  const out: SigningKey[] = [];
  for (const name of app.certificates) {
    const key = store[name] as SigningKey | undefined;
    if (key && typeof key === 'object' && 'publicKey' in key && 'x5t' in key) out.push(key);
  }
  return out;
}

/** How a client assertion names its certificate: `x5t#S256`, `x5t` (SHA-1) or `kid`. */
interface CertificateId {
  kind: 'x5t#S256' | 'x5t' | 'kid';
  value: string;
}

function certificateIds(header: Record<string, unknown>): CertificateId[] {
  const ids: CertificateId[] = [];
  for (const kind of ['x5t#S256', 'x5t', 'kid'] as const) {
    const value = header[kind];
    if (typeof value === 'string') ids.push({ kind, value });
    else if (value !== undefined) {
      throw new EntraError(
        700027,
        `Client assertion failed signature validation: the header parameter '${kind}' is not a string.`,
      );
    }
  }
  return ids;
}

/**
 * Whether `id` names the certificate: its SHA-256 thumbprint (`x5t#S256`) or
 * SHA-1 thumbprint (`x5t`, `kid`), in base64url as JOSE writes it, padded or in
 * the standard alphabet as some clients write it (MSAL for Python pads it), or
 * in hex; or the key's own `kid`.
 */
function identifies(id: CertificateId, certificate: SigningKey): boolean {
  if (id.kind === 'kid' && id.value === certificate.kid) return true;
  const der = Buffer.from(certificate.certificateBase64, 'base64');
  const thumbprint = createHash(id.kind === 'x5t#S256' ? 'sha256' : 'sha1')
    .update(der)
    .digest();
  const hex = thumbprint.length * 2;
  const named =
    id.value.length === hex && /^[0-9a-f]+$/i.test(id.value)
      ? Buffer.from(id.value, 'hex')
      : /^[A-Za-z0-9_\-+/]+={0,2}$/.test(id.value)
        ? Buffer.from(id.value, 'base64')
        : undefined;
  return named !== undefined && named.equals(thumbprint);
}

function audiencesFor(context: EntraContext, tenantSegments: string[]): string[] {
  const tid = context.deps.directory.tenant.id;
  const out = new Set<string>([v1Issuer(tid), v2Issuer(context, tid)]);
  for (const host of context.deps.hosts.hostnames('entra')) {
    for (const segment of tenantSegments) {
      out.add(`https://${host}/${segment}/oauth2/token`);
      out.add(`https://${host}/${segment}/oauth2/v2.0/token`);
    }
  }
  return [...out].map((a) => a.toLowerCase());
}

function verifyClientAssertion(
  context: EntraContext,
  app: App,
  assertion: string,
  tenantSegments: string[],
): void {
  const decoded = decodeJwt(assertion);
  if (!decoded) {
    throw new EntraError(700027, 'Client assertion failed signature validation: it is not a JWT.');
  }
  const { header, claims } = decoded;
  const certificates = registeredCertificates(context, app);
  const ids = certificateIds(header);
  const candidates =
    ids.length === 0
      ? certificates
      : certificates.filter((c) => ids.some((id) => identifies(id, c)));
  if (candidates.length === 0) {
    throw new EntraError(
      700027,
      `Client assertion failed signature validation: the certificate with identifier '${ids[0]?.value ?? '(none)'}' used to sign the client assertion is not registered on application '${app.appId}'.`,
    );
  }
  const alg = header.alg;
  if (alg !== 'RS256' && alg !== 'PS256') {
    throw new EntraError(
      700027,
      `Client assertion failed signature validation: the signing algorithm '${shorten(String(alg), 40)}' is not supported; use PS256 or RS256.`,
    );
  }
  if (!candidates.some((c) => verifyJwtSignature(assertion, c.publicKey, alg))) {
    throw new EntraError(
      700027,
      'Client assertion failed signature validation: the signature does not match the registered certificate.',
    );
  }
  if (claims.iss !== app.appId || claims.sub !== app.appId) {
    throw new EntraError(700021);
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const accepted = audiencesFor(context, tenantSegments);
  if (!audiences.some((a) => typeof a === 'string' && accepted.includes(a.toLowerCase()))) {
    throw new EntraError(
      50027,
      `JWT token is invalid or malformed: the client assertion audience '${String(claims.aud)}' is not this token endpoint.`,
    );
  }
  const skewS = Math.floor(context.ms.clockSkew / 1000);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
  const validAt = (nowMs: number): boolean => {
    const nowS = Math.floor(nowMs / 1000);
    return exp !== undefined && nowS - skewS < exp && (nbf === undefined || nowS + skewS >= nbf);
  };
  // Clients outside the lab date assertions by the machine's clock (clientNows).
  if (context.clientNows().some(validAt)) return;
  const labNowS = Math.floor(context.now() / 1000);
  throw new EntraError(
    700024,
    `Client assertion is not within its valid time range. Current time: ${isoTime(labNowS * 1000)}, assertion valid from ${nbf === undefined ? '(none)' : isoTime(nbf * 1000)}, expiry time of assertion ${exp === undefined ? '(none)' : isoTime(exp * 1000)}.`,
  );
}

/**
 * Identifies and authenticates the client of a token request.
 * `requireConfidential` makes public clients fail (on-behalf-of, client credentials).
 */
export function authenticateClient(
  context: EntraContext,
  credentials: ClientCredentials,
  options: { tenantSegments: string[]; requireConfidential?: boolean },
): AuthenticatedClient {
  const { basic } = credentials;
  if (basic && credentials.clientId && basic.clientId !== credentials.clientId) {
    throw new EntraError(
      700021,
      "The client id in the Authorization header doesn't match the 'client_id' parameter.",
    );
  }
  let clientId = credentials.clientId ?? basic?.clientId;
  if (!clientId && credentials.clientAssertion) {
    const iss = decodeJwt(credentials.clientAssertion)?.claims.iss;
    if (typeof iss === 'string') clientId = iss;
  }
  const app = requireClient(context, clientId);
  const secret = credentials.clientSecret ?? basic?.clientSecret;
  const hasAssertion = credentials.clientAssertion !== undefined;

  if (app.publicClient) {
    if (secret !== undefined || hasAssertion) throw new EntraError(700025);
    if (options.requireConfidential) throw new EntraError(7000218);
    return { app, method: 'none', level: '0' };
  }
  if (hasAssertion) {
    if (credentials.clientAssertionType !== CLIENT_ASSERTION_TYPE) {
      throw new EntraError(
        50027,
        `JWT token is invalid or malformed: client_assertion_type must be '${CLIENT_ASSERTION_TYPE}'.`,
      );
    }
    verifyClientAssertion(context, app, credentials.clientAssertion!, options.tenantSegments);
    return { app, method: 'private_key_jwt', level: '2' };
  }
  if (secret === undefined || secret === '') throw new EntraError(7000218);
  if (!app.secrets.includes(secret)) {
    throw new EntraError(
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.appId}'.`,
    );
  }
  return {
    app,
    method: credentials.clientSecret !== undefined ? 'client_secret_post' : 'client_secret_basic',
    level: '1',
  };
}
