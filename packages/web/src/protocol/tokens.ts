import { createHash } from 'node:crypto';
import {
  WELL_KNOWN_APPS,
  type FlowName,
  type Party,
  type TokenLifetimesMs,
  type TraceExchange,
  type TraceToken,
} from '@hma-lab/core';

/**
 * The tokens of a run, each once however often it crossed the wire: who minted
 * it, who it was presented to and whether they took it, its decoded claims and
 * its lifetime. Roles follow the trainer's vocabulary: AT1/RT1 are Outlook
 * mobile's tokens for Exchange Online, AT2/RT2 Exchange Online's on-behalf-of
 * tokens for the on-premises namespace (FLOWS.md steps 15 and 17).
 */

export type TokenFamily =
  'AT1' | 'AT2' | 'AT' | 'RT1' | 'RT2' | 'RT' | 'ID' | 'code' | 'SAML' | 'other';

/** One presentation of a token to a party. */
export interface TokenUse {
  party: Party;
  entryId: number;
  step: number | null;
  status: number;
  /** The party answered 2xx/3xx. */
  accepted: boolean;
  /** `request.header.authorization`, `request.body.assertion`... */
  where: string;
  atMs: number;
}

export interface TokenView {
  /** A short hash of the token: the same token has the same id everywhere. */
  id: string;
  /** `AT1`, `AT2`, `AT2 #3` (third AT2 of the run), `RT2`, `ID`, `code`, `SAML`... */
  role: string;
  family: TokenFamily;
  /** 1 for the first token of its family, 2 for the first renewal... */
  generation: number;
  /** The field it travelled in: `access_token`, `refresh_token`, `assertion`, `wresult`... */
  name: string;
  kind: TraceToken['kind'];
  firstEntryId: number;
  firstStep: number | null;
  firstSeenAtMs: number;
  /** The party whose answer carried it first (Entra for access tokens, AD FS for SAML). */
  mintedBy?: Party;
  /** The party that received that answer. */
  mintedFor?: Party;
  /** How it was obtained: `authorization_code`, `on-behalf-of`, `refresh_token`... */
  grant?: string;
  presentedTo: TokenUse[];
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  issuedAtMs?: number;
  expiresAtMs?: number;
  /** `claims` (iat/exp), `saml` (Lifetime element) or `policy` (the tenant's lifetime for opaque tokens). */
  lifetimeFrom?: 'claims' | 'saml' | 'policy';
}

/** Ties a trace exchange leg to its FLOWS.md step, when it has one. */
export type StepOf = (entryId: number, leg: 'request' | 'response') => number | null;

/** The id a token gets in views and entry details. */
export function tokenId(raw: string): string {
  return createHash('sha256').update(raw).digest('base64url').slice(0, 16);
}

const EXO_RESOURCES = new Set([
  WELL_KNOWN_APPS.exchangeOnline,
  'https://outlook.office365.com',
  'https://outlook.office.com',
]);

function accessFamily(flow: FlowName, claims: Record<string, unknown> | undefined): TokenFamily {
  if (!claims) return 'other';
  const appid = String(claims.appid ?? claims.azp ?? '');
  const aud = String(claims.aud ?? '').replace(/\/+$/, '');
  if (appid === WELL_KNOWN_APPS.exchangeOnline) return 'AT2';
  if (EXO_RESOURCES.has(aud)) return flow === 'A' ? 'AT1' : 'AT';
  return 'other';
}

function refreshFamily(access: TokenFamily | undefined): TokenFamily {
  if (access === 'AT1') return 'RT1';
  if (access === 'AT2') return 'RT2';
  return 'RT';
}

/** The grant of a token request, in words a trainer uses. */
export function grantOf(e: TraceExchange): string | undefined {
  const text = e.requestBody?.text;
  if (!text || !/x-www-form-urlencoded/i.test(e.requestHeaders['content-type'] ?? '')) {
    return undefined;
  }
  const form = new URLSearchParams(text);
  const grant = form.get('grant_type');
  if (!grant) return undefined;
  if (form.get('requested_token_use') === 'on_behalf_of') return 'on-behalf-of';
  return grant;
}

/** How much of a SAML token is read for its lifetime. */
const SAML_HEAD_CHARS = 16_384;

/**
 * A SAML token's lifetime: the WS-Trust `Lifetime` of a whole answer
 * (`wresult`), else the assertion's own `IssueInstant` and `NotOnOrAfter` (the
 * assertion alone, as WS-Trust clients redeem it).
 */
function samlLifetime(token: string): { issuedAtMs?: number; expiresAtMs?: number } {
  // The lifetime is near the start of a real token (a few KB). A client's
  // crafted one may be 1 MiB of a repeated start tag without its end, on which
  // these scans are quadratic: reading a bounded head keeps them fast.
  const raw = token.slice(0, SAML_HEAD_CHARS);
  const created =
    /:Created\b[^>]*>([^<]+)</.exec(raw)?.[1] ?? /\sIssueInstant="([^"]+)"/.exec(raw)?.[1];
  const expires =
    /:Expires\b[^>]*>([^<]+)</.exec(raw)?.[1] ?? /\sNotOnOrAfter="([^"]+)"/.exec(raw)?.[1];
  const out: { issuedAtMs?: number; expiresAtMs?: number } = {};
  const c = created ? Date.parse(created) : NaN;
  const x = expires ? Date.parse(expires) : NaN;
  if (Number.isFinite(c)) out.issuedAtMs = c;
  if (Number.isFinite(x)) out.expiresAtMs = x;
  return out;
}

function secondsToMs(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value * 1000 : undefined;
}

/**
 * Collects the tokens of a run's exchanges (oldest first). Tokens a request
 * carries count as presented to the answering party; tokens an answer carries
 * count as minted by it, unless they were seen before (AD FS's SAML token
 * passing back through the WAP).
 */
export function collectTokens(
  exchanges: readonly TraceExchange[],
  flow: FlowName,
  stepOf: StepOf,
  lifetimes: TokenLifetimesMs,
): TokenView[] {
  const byRaw = new Map<string, TokenView>();
  const generations = new Map<TokenFamily, number>();
  const ordered: TokenView[] = [];

  const register = (
    token: TraceToken,
    e: TraceExchange,
    family: TokenFamily,
    side: 'request' | 'response',
  ): TokenView => {
    const generation = (generations.get(family) ?? 0) + 1;
    generations.set(family, generation);
    const view: TokenView = {
      id: tokenId(token.raw),
      role: generation > 1 && family !== 'code' ? `${family} #${generation}` : family,
      family,
      generation,
      name: token.name,
      kind: token.kind,
      firstEntryId: e.id,
      firstStep: stepOf(e.id, side),
      firstSeenAtMs: e.atMs,
      presentedTo: [],
    };
    if (token.header) view.header = token.header;
    if (token.claims) view.claims = token.claims;
    if (side === 'response') {
      view.mintedBy = e.to;
      view.mintedFor = e.from;
      const grant = grantOf(e);
      if (grant) view.grant = grant;
    }
    if (token.kind === 'jwt') {
      const iat = secondsToMs(token.claims?.iat);
      const exp = secondsToMs(token.claims?.exp);
      if (iat !== undefined) view.issuedAtMs = iat;
      if (exp !== undefined) view.expiresAtMs = exp;
      if (iat !== undefined || exp !== undefined) view.lifetimeFrom = 'claims';
    } else if (token.kind === 'saml') {
      Object.assign(view, samlLifetime(token.raw));
      if (view.expiresAtMs !== undefined) view.lifetimeFrom = 'saml';
    } else if (family === 'RT1' || family === 'RT2' || family === 'RT') {
      view.issuedAtMs = e.atMs;
      view.expiresAtMs = e.atMs + lifetimes.refreshTokenInactivity;
      view.lifetimeFrom = 'policy';
    } else if (family === 'code') {
      view.issuedAtMs = e.atMs;
      view.expiresAtMs = e.atMs + lifetimes.authorizationCode;
      view.lifetimeFrom = 'policy';
    }
    byRaw.set(token.raw, view);
    ordered.push(view);
    return view;
  };

  const familyOf = (token: TraceToken, accessInExchange: TokenFamily | undefined): TokenFamily => {
    if (token.kind === 'saml') return 'SAML';
    if (token.name === 'code') return 'code';
    if (token.name === 'id_token') return 'ID';
    if (token.name === 'refresh_token') return refreshFamily(accessInExchange);
    if (token.kind === 'jwt') return accessFamily(flow, token.claims);
    return 'other';
  };

  for (const e of exchanges) {
    const request = e.tokens.filter((t) => t.where.startsWith('request.'));
    const response = e.tokens.filter((t) => t.where.startsWith('response.'));
    for (const token of request) {
      const view =
        byRaw.get(token.raw) ?? register(token, e, familyOf(token, undefined), 'request');
      view.presentedTo.push({
        party: e.to,
        entryId: e.id,
        step: stepOf(e.id, 'request'),
        status: e.status,
        accepted: e.status >= 200 && e.status < 400,
        where: token.where,
        atMs: e.atMs,
      });
    }
    const access = response.find((t) => t.name === 'access_token');
    const accessFamilyHere = access
      ? (byRaw.get(access.raw)?.family ?? familyOf(access, undefined))
      : undefined;
    for (const token of response) {
      if (byRaw.has(token.raw)) continue;
      register(token, e, familyOf(token, accessFamilyHere), 'response');
    }
  }
  return ordered;
}
