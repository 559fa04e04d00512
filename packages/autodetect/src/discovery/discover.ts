import {
  discardBody,
  type Clock,
  type FaultBoard,
  type HostMap,
  type LabFetch,
} from '@hma-lab/core';
import type { ResolvedAutodetectConfig } from '../config.js';
import type { Detection } from '../protocol/detection.js';
import { authorizationUriOf, parseChallenges } from '../protocol/www-authenticate.js';
import { TIMED_OUT, withDeadline } from './with-deadline.js';

/** What discovery needs from the service's deps. */
export interface DiscoverDeps {
  fetch: LabFetch;
  clock: Clock;
  hosts: HostMap;
  faults: FaultBoard;
}

/** Catalogue fault: the AutoDiscover v2 call of step 2 times out. */
const AUTODISCOVER_TIMEOUT_FAULT = 'autodiscover-timeout';

type ChainOutcome =
  | { ok: true; easUrl: string }
  | { ok: false; error?: string; reason: string; unavailable?: boolean; transient?: boolean };

/**
 * Steps 2-5 of flow A (2-4 of flow B), done by AutoDetect itself over HTTP:
 *
 * 2. AutoDiscover v2 to Exchange Online (`v1.0/<address>?Protocol=ActiveSync`),
 *    redirects not followed by fetch (`redirect: 'manual'`);
 * 3./4. every 302 followed by AutoDetect itself, up to `maxRedirects`, until an
 *    AutoDiscover answers `{Protocol, Url}`;
 * 5. the empty-Bearer probe `GET <Url>` with `Authorization: Bearer`, and every
 *    `WWW-Authenticate` challenge searched for `authorization_uri`.
 *
 * Never throws: every failure becomes a {@link Detection}.
 */
export async function discover(
  email: string,
  deps: DiscoverDeps,
  config: ResolvedAutodetectConfig,
): Promise<Detection> {
  const chain = deps.faults.isOn(AUTODISCOVER_TIMEOUT_FAULT)
    ? TIMED_OUT
    : await withDeadline(
        deps.clock,
        config.autodiscoverTimeoutMs,
        `autodetect: AutoDiscover v2 for ${email}`,
        (signal) => autodiscoverChain(email, deps, config, signal),
      );
  if (chain === TIMED_OUT) {
    return {
      kind: 'not-found',
      email,
      reason: `AutoDiscover v2 did not answer within ${config.autodiscoverTimeoutMs} ms`,
      autodiscoverError: 'Timeout',
      transient: true,
    };
  }
  if (!chain.ok) {
    if (chain.unavailable) return { kind: 'unavailable', email, reason: chain.reason };
    return {
      kind: 'not-found',
      email,
      reason: chain.reason,
      ...(chain.error ? { autodiscoverError: chain.error } : {}),
      ...(chain.transient ? { transient: true } : {}),
    };
  }
  return probe(email, chain.easUrl, deps, config);
}

async function autodiscoverChain(
  email: string,
  deps: DiscoverDeps,
  config: ResolvedAutodetectConfig,
  signal: AbortSignal,
): Promise<ChainOutcome> {
  const mailbox = encodeURIComponent(email).replace(/%40/g, '@');
  let url = new URL(
    deps.hosts.url('exo', `/autodiscover/autodiscover.json/v1.0/${mailbox}?Protocol=ActiveSync`),
  );
  for (let hop = 0; ; hop++) {
    const atExo = deps.hosts.partyFor(url.hostname) === 'exo';
    let response: Response;
    try {
      response = await deps.fetch(url, {
        redirect: 'manual',
        headers: { accept: 'application/json' },
        signal,
      });
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code ?? 'error';
      const reason = `${url.host} could not be reached (${code})`;
      // Exchange Online itself down: AutoDetect cannot work (503). Any other host
      // (an on-prem AutoDiscover that does not resolve): nothing found.
      return atExo && hop === 0
        ? { ok: false, error: 'Unreachable', reason, unavailable: true }
        : { ok: false, error: `Unreachable ${url.host}`, reason, transient: code !== 'ENOTFOUND' };
    }
    if (response.status >= 300 && response.status < 400) {
      await discardBody(response);
      const location = response.headers.get('location');
      if (!location) {
        return {
          ok: false,
          error: 'RedirectWithoutLocation',
          reason: `${url.host} redirected nowhere`,
        };
      }
      if (hop >= config.maxRedirects) {
        return {
          ok: false,
          error: 'TooManyRedirects',
          reason: `more than ${config.maxRedirects} AutoDiscover redirects`,
        };
      }
      const next = new URL(location, url);
      if (next.protocol !== 'https:') {
        return { ok: false, error: 'InsecureRedirect', reason: `refused to follow ${next.href}` };
      }
      url = next;
      continue;
    }
    const body = await readJson(response);
    if (response.status === 200) {
      const easUrl = typeof body?.Url === 'string' ? body.Url : undefined;
      if (easUrl && /^https?:\/\//i.test(easUrl)) return { ok: true, easUrl };
      return { ok: false, error: 'NoUrl', reason: `${url.host} answered 200 without a Url` };
    }
    const errorCode =
      typeof body?.ErrorCode === 'string' ? body.ErrorCode : `HTTP ${response.status}`;
    const message = typeof body?.ErrorMessage === 'string' ? `: ${body.ErrorMessage}` : '';
    const reason = `${url.host} answered ${response.status} ${errorCode}${message}`;
    if (atExo && hop === 0 && response.status >= 500) {
      return { ok: false, error: errorCode, reason, unavailable: true };
    }
    if (response.status === 404) {
      // A clean "no such mailbox": nothing found, but AutoDiscover did not fail.
      return { ok: false, reason, transient: false };
    }
    return { ok: false, error: errorCode, reason, transient: response.status >= 500 };
  }
}

async function probe(
  email: string,
  easUrl: string,
  deps: DiscoverDeps,
  config: ResolvedAutodetectConfig,
): Promise<Detection> {
  const cloud = deps.hosts.partyFor(new URL(easUrl).hostname) === 'exo';
  const outcome = await withDeadline(
    deps.clock,
    config.probeTimeoutMs,
    `autodetect: empty-Bearer probe of ${easUrl}`,
    async (signal) => {
      try {
        const response = await deps.fetch(easUrl, {
          method: 'GET',
          redirect: 'manual',
          headers: { authorization: 'Bearer', accept: 'application/json' },
          signal,
        });
        await discardBody(response);
        const header = response.headers.get('www-authenticate');
        return {
          status: response.status,
          authorizationUri: header ? authorizationUriOf(parseChallenges(header)) : undefined,
        };
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? 'error';
        return { status: 0, error: code, authorizationUri: undefined };
      }
    },
  );
  const authorizationUri = outcome === TIMED_OUT ? undefined : outcome.authorizationUri;
  if (authorizationUri) {
    return { kind: cloud ? 'cloud' : 'hybrid', email, easUrl, authorizationUri };
  }
  if (cloud) {
    // Exchange Online always names Entra; if the probe failed, name it anyway.
    return {
      kind: 'cloud',
      email,
      easUrl,
      authorizationUri: deps.hosts.url('entra', '/common/oauth2/authorize'),
    };
  }
  const reason =
    outcome === TIMED_OUT
      ? `the empty-Bearer probe of ${easUrl} got no answer within ${config.probeTimeoutMs} ms`
      : outcome.status === 0
        ? `the empty-Bearer probe of ${easUrl} failed`
        : `${easUrl} answered the empty Bearer with ${outcome.status} and no authorization_uri`;
  // No answer, or a server error, says nothing about HMA: report the outage
  // (503, not cached) rather than conclude that only basic authentication is left.
  if (outcome === TIMED_OUT || outcome.status === 0 || outcome.status >= 500) {
    return { kind: 'unavailable', email, reason };
  }
  return { kind: 'onprem-basic', email, easUrl, reason };
}

async function readJson(response: Response): Promise<Record<string, unknown> | undefined> {
  try {
    const text = await response.text();
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
