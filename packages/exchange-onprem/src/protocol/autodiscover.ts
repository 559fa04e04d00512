import type { Directory, FaultBoard, HostMap } from '@hma-lab/core';
import type { OnpremAutodiscoverConfig } from '../config.js';
import { AutodiscoverError } from '../errors.js';

/**
 * AutoDiscover v2 (the JSON endpoint), as on-premises Exchange answers it:
 * anonymous, one protocol per request, the URL of that protocol's endpoint.
 * Protocol names match case-insensitively and are echoed as the caller wrote
 * them (HMA-DOC prints `"Protocol": "activesync"` for `Protocol=activesync`).
 *
 * @see protocol-facts.md §2
 */

/** The protocols this server answers, with the canonical spelling used in error texts. */
export const AUTODISCOVER_PROTOCOLS = ['ActiveSync', 'AutodiscoverV1', 'Ews', 'Rest'] as const;
export type AutodiscoverProtocol = (typeof AUTODISCOVER_PROTOCOLS)[number];

/** What the caller asked, from either URL form. */
export interface AutodiscoverQuery {
  email: string | undefined;
  protocol: string | undefined;
  redirectCount: string | undefined;
}

/** `200 {"Protocol","Url"}` or a redirect to another AutoDiscover v2 endpoint. */
export type AutodiscoverAnswer =
  { kind: 'url'; body: { Protocol: string; Url: string } } | { kind: 'redirect'; location: string };

export interface AutodiscoverContext {
  directory: Directory;
  hosts: HostMap;
  config: OnpremAutodiscoverConfig;
  /** With `autodiscover-redirect-loop` on, every mailbox is answered as if it lived in Exchange Online. */
  faults?: FaultBoard;
}

/** The canonical protocol a (case-insensitive) name denotes, or undefined. */
export function protocolFromName(name: string): AutodiscoverProtocol | undefined {
  const lower = name.toLowerCase();
  return AUTODISCOVER_PROTOCOLS.find((p) => p.toLowerCase() === lower);
}

/**
 * `local@domain.tld` as `/^[^@\s]+@[^@\s]+\.[^@\s]+$/` tells it, in linear time: no
 * white space, one `@` after at least one character, and a `.` inside the
 * domain (neither its first character nor its last). The regular expression
 * tried every `.` of the domain as the one and scanned the rest again from it:
 * quadratic in a domain of dots that fails at its end (16 KB: 0.14 s, 64 KB: 2 s).
 */
function isEmailAddress(text: string): boolean {
  const at = text.indexOf('@');
  if (at < 1 || text.includes('@', at + 1) || /\s/.test(text)) return false;
  const dot = text.indexOf('.', at + 2);
  return dot >= 0 && dot < text.length - 1;
}

/**
 * Answers one AutoDiscover v2 request.
 *
 * @example
 * answerAutodiscover({ email: 'alice@contoso.com', protocol: 'activesync', redirectCount: '1' }, ctx)
 * // { kind: 'url', body: { Protocol: 'activesync', Url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync' } }
 * @throws AutodiscoverError 400 InvalidProtocol / InvalidUser / RedirectCountExceeded, 404 UserNotFound / InvalidDomain
 */
export function answerAutodiscover(
  query: AutodiscoverQuery,
  ctx: AutodiscoverContext,
): AutodiscoverAnswer {
  const requested = query.protocol ?? '';
  const protocol = protocolFromName(requested);
  if (!protocol) {
    throw new AutodiscoverError(
      400,
      'InvalidProtocol',
      `The given protocol value '${requested}' is invalid. Supported values are '${AUTODISCOVER_PROTOCOLS.join(',')}'`,
    );
  }
  const email = (query.email ?? '').trim();
  if (!isEmailAddress(email)) {
    throw new AutodiscoverError(
      400,
      'InvalidUser',
      `The given email address '${email}' is not a valid SMTP address.`,
    );
  }
  const domain = email.split('@')[1]!.toLowerCase();
  const user = ctx.directory.user(email);
  const knownDomain = ctx.directory.domain(domain) !== undefined;
  if (!user?.mailbox && ctx.config.unknownUser === 'not-found') {
    throw knownDomain
      ? new AutodiscoverError(404, 'UserNotFound', `The user '${email}' was not found.`)
      : new AutodiscoverError(
          404,
          'InvalidDomain',
          `The domain '${domain}' is not an accepted domain of this organization.`,
        );
  }
  const answersAsCloud =
    user?.mailbox?.location === 'exo' ||
    (user?.mailbox !== undefined && ctx.faults?.isOn('autodiscover-redirect-loop') === true);
  if (answersAsCloud && ctx.config.cloudMailbox === 'redirect') {
    const count = redirectCountOf(query.redirectCount);
    if (count + 1 > ctx.config.maxRedirectCount) {
      throw new AutodiscoverError(
        400,
        'RedirectCountExceeded',
        `The redirect count ${count} has reached the limit of ${ctx.config.maxRedirectCount}.`,
      );
    }
    const location = new URL(ctx.hosts.url('exo', '/autodiscover/autodiscover.json'));
    location.search = new URLSearchParams({
      Email: email,
      Protocol: requested,
      RedirectCount: String(count + 1),
    }).toString();
    return { kind: 'redirect', location: location.href };
  }
  return { kind: 'url', body: { Protocol: requested, Url: protocolUrl(protocol, domain, ctx) } };
}

function redirectCountOf(text: string | undefined): number {
  const n = Number(text ?? '0');
  return Number.isInteger(n) && n >= 0 ? n : 0;
}

/**
 * Where each protocol lives on-prem. ActiveSync, EWS and REST sit on the
 * external namespace (`easHost`); the v1 (XML) AutoDiscover on the
 * `autodiscover.<domain>` name of the address when the lab serves it.
 */
export function protocolUrl(
  protocol: AutodiscoverProtocol,
  domain: string,
  ctx: Pick<AutodiscoverContext, 'hosts' | 'config'>,
): string {
  const easHost = ctx.config.onprem.easHost;
  switch (protocol) {
    case 'ActiveSync':
      return `https://${easHost}/Microsoft-Server-ActiveSync`;
    case 'Ews':
      return `https://${easHost}/EWS/Exchange.asmx`;
    case 'Rest':
      return `https://${easHost}/api`;
    case 'AutodiscoverV1': {
      const own = `autodiscover.${domain}`;
      const served = ctx.hosts.hostnames('onprem-autodiscover').some((h) => h === own);
      const host = served ? own : ctx.hosts.primary('onprem-autodiscover');
      return `https://${host}/autodiscover/autodiscover.xml`;
    }
  }
}
