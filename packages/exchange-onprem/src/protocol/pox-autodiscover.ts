import type { PoxAnswer, PoxRequest } from '@hma-lab/activesync';
import { tenantRoutingDomain, type Directory } from '@hma-lab/core';

/**
 * What on-premises Exchange answers a POX AutoDiscover request for ActiveSync
 * (the wire format is @hma-lab/activesync's; the HTTP layer authenticates
 * first: Bearer, or Basic unless `BlockLegacyAuthAutodiscover`): the
 * ActiveSync URL of an on-premises mailbox; for a mailbox in Exchange Online,
 * a redirect to its address in the tenant's routing domain
 * (`<alias>@<tenant>.mail.onmicrosoft.com`, the target address hybrid sets on
 * the remote mailbox); ErrorCode 500 for an address without a mailbox.
 */
export function answerPox(
  request: PoxRequest,
  ctx: { directory: Directory; easUrl: string },
): PoxAnswer {
  const user = ctx.directory.user(request.email);
  if (!user?.mailbox || ctx.directory.isDisabled(user.upn)) {
    return { kind: 'error', errorCode: 500 };
  }
  const who = { displayName: user.displayName, email: user.upn };
  if (user.mailbox.location === 'exo') {
    return { kind: 'redirect', user: who, address: routingAddress(ctx.directory, user.upn) };
  }
  return { kind: 'settings', user: who, url: ctx.easUrl };
}

/** `<alias>@<tenant>.mail.onmicrosoft.com`: a cloud mailbox's address in the tenant's routing domain. */
export function routingAddress(directory: Directory, upn: string): string {
  return `${upn.split('@')[0]!}@${tenantRoutingDomain(directory.tenant.name)}`;
}
