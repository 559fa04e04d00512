import type { Directory, HostMap } from '@hma-lab/core';
import { AutodiscoverError } from '../errors.js';
import type { RedirectMemory } from './redirect-memory.js';

/**
 * Exchange Online AutoDiscover v2 (the JSON endpoint), both URL forms of
 * protocol-facts §2.1. Anonymous; one protocol per request; the protocol name
 * matches case-insensitively and is echoed as the caller wrote it.
 *
 * - mailbox in Exchange Online: `200 {"Protocol","Url"}`;
 * - mailbox on-premises (a hybrid mail user): `302` to
 *   `https://autodiscover.<domain>/autodiscover/autodiscover.json?Email=…&Protocol=…&RedirectCount=n+1`;
 * - no mailbox: `302` to Exchange Online's own `?Email=` form (the o365enum capture),
 *   which then answers `404 UserNotFound`.
 *
 * @see protocol-facts.md §2.1-§2.4
 */

export const AUTODISCOVER_PROTOCOLS = ['ActiveSync', 'AutodiscoverV1', 'Ews', 'Rest'] as const;
export type AutodiscoverProtocol = (typeof AUTODISCOVER_PROTOCOLS)[number];

/** Which URL form the request used. */
export type AutodiscoverForm = 'v1.0-path' | 'email-query';

export interface AutodiscoverRequest {
  form: AutodiscoverForm;
  email: string | undefined;
  protocol: string | undefined;
  redirectCount: string | undefined;
}

export type AutodiscoverAnswer =
  { kind: 'url'; body: { Protocol: string; Url: string } } | { kind: 'redirect'; location: string };

export interface AutodiscoverContext {
  directory: Directory;
  hosts: HostMap;
  memory: RedirectMemory;
  maxRedirects: number;
  unknownUser: 'redirect' | 'not-found';
  /** Catalogue fault `redirect-count-exhausted`: every redirect is refused as over the cap. */
  capExhausted?: () => boolean;
}

const ADDRESS = /^[^@\s/\\]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i;

/** The canonical protocol a case-insensitive name denotes. */
export function protocolFromName(name: string): AutodiscoverProtocol | undefined {
  const lower = name.toLowerCase();
  return AUTODISCOVER_PROTOCOLS.find((p) => p.toLowerCase() === lower);
}

/**
 * Answers one AutoDiscover v2 request.
 *
 * @throws AutodiscoverError 400 InvalidProtocol, InvalidUser, InvalidRedirectCount,
 *   RedirectCountExceeded, RedirectLoopDetected; 404 UserNotFound
 */
export function answerAutodiscover(
  request: AutodiscoverRequest,
  ctx: AutodiscoverContext,
): AutodiscoverAnswer {
  const requested = request.protocol ?? '';
  const protocol = protocolFromName(requested);
  if (!protocol) {
    throw new AutodiscoverError(
      400,
      'InvalidProtocol',
      `The given protocol value '${requested.slice(0, 100)}' is invalid. Supported values are '${AUTODISCOVER_PROTOCOLS.join(',')}'`,
    );
  }
  const email = (request.email ?? '').trim();
  if (!ADDRESS.test(email) || email.length > 320) {
    throw new AutodiscoverError(
      400,
      'InvalidUser',
      `The given email address '${email.slice(0, 320)}' is not a valid SMTP address.`,
    );
  }
  const count = parseRedirectCount(request.redirectCount);
  const user = ctx.directory.user(email);
  const mailbox = user?.mailbox;

  if (mailbox?.location === 'exo') {
    return { kind: 'url', body: { Protocol: requested, Url: cloudUrl(protocol, ctx.hosts) } };
  }

  let target: URL;
  if (mailbox?.location === 'onprem') {
    // A hybrid mail user: the on-prem AutoDiscover of the address's domain (facts §2.3).
    const domain = email.split('@')[1]!.toLowerCase();
    target = new URL(`https://autodiscover.${domain}/autodiscover/autodiscover.json`);
  } else if (ctx.unknownUser === 'redirect' && request.form === 'v1.0-path') {
    target = new URL(ctx.hosts.url('exo', '/autodiscover/autodiscover.json'));
  } else {
    throw new AutodiscoverError(404, 'UserNotFound', `The user '${email}' was not found.`);
  }

  const next = count + 1;
  if (next > ctx.maxRedirects || ctx.capExhausted?.()) {
    throw new AutodiscoverError(
      400,
      'RedirectCountExceeded',
      `The redirect count ${count} has reached the limit of ${ctx.maxRedirects}; the request was not redirected to ${target.host}.`,
    );
  }
  const targetKey = `${target.origin}${target.pathname}`.toLowerCase();
  const previous = ctx.memory.recall(email, requested);
  if (count > 0 && previous && previous.target === targetKey && count >= previous.redirectCount) {
    // This mailbox was sent to the same place before and has come back with a
    // higher RedirectCount: whoever answers there sends it here again.
    throw new AutodiscoverError(
      400,
      'RedirectLoopDetected',
      `The request for '${email}' came back after a redirect to ${target.host} (RedirectCount ${previous.redirectCount} then ${count}); redirecting again would loop.`,
    );
  }
  target.search = new URLSearchParams({
    Email: email,
    Protocol: requested,
    RedirectCount: String(next),
  }).toString();
  ctx.memory.remember(email, requested, { target: targetKey, redirectCount: next });
  return { kind: 'redirect', location: target.href };
}

function parseRedirectCount(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,6}$/.test(text)) {
    throw new AutodiscoverError(
      400,
      'InvalidRedirectCount',
      `The given RedirectCount value '${text.slice(0, 20)}' is not a whole number.`,
    );
  }
  return Number(text);
}

/** Where each protocol lives in Exchange Online. */
export function cloudUrl(protocol: AutodiscoverProtocol, hosts: HostMap): string {
  const [office365 = hosts.primary('exo'), office = office365] = hosts.hostnames('exo');
  switch (protocol) {
    case 'ActiveSync':
      return `https://${office365}/Microsoft-Server-ActiveSync`;
    case 'AutodiscoverV1':
      return `https://${office365}/autodiscover/autodiscover.xml`;
    case 'Ews':
      return `https://${office365}/EWS/Exchange.asmx`;
    case 'Rest':
      return `https://${office}/api`;
  }
}
