import { poxExchange, poxTraceEvent, type PoxAnswer, type PoxRequest } from '@hma-lab/activesync';
import {
  tenantRoutingDomain,
  type Directory,
  type HostMap,
  type TraceRecorder,
  type User,
} from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import { authenticateActiveSync, type ActiveSyncEndpointDeps } from './activesync-endpoint.js';

export interface PoxAutodiscoverDeps extends Pick<
  ActiveSyncEndpointDeps,
  'allowBasicAuth' | 'directory' | 'rules' | 'keys' | 'clock'
> {
  hosts: HostMap;
  trace: TraceRecorder;
}

/**
 * `POST /autodiscover/autodiscover.xml` at Exchange Online (mobilesync; also
 * at `autodiscover-s.outlook.com` and the tenant's
 * `autodiscover.<tenant>.mail.onmicrosoft.com`, where on-premises Exchange's
 * redirect for a cloud mailbox leads): authenticated as Exchange Online's
 * ActiveSync is (Bearer of its audience; Basic only when
 * `allowBasicAuthActiveSync`), then always 200 with XML.
 */
export function poxAutodiscoverEndpoint(deps: PoxAutodiscoverDeps): RequestHandler {
  return async function exoPoxAutodiscover(req: Request, res: Response) {
    await authenticateActiveSync(req, deps);
    const exchange = poxExchange({
      method: req.method,
      body: req.rawBody?.toString('utf8') ?? '',
      now: new Date(deps.clock.now()),
      answer: (asked) => answerPox(asked, deps),
    });
    const { summary, data } = poxTraceEvent(exchange);
    deps.trace.event('exo', 'exo.autodiscover.pox', summary, data);
    res.status(200).set('Content-Type', 'text/xml; charset=utf-8').send(exchange.xml);
  };
}

/**
 * What Exchange Online answers for an address: the ActiveSync URL of a
 * mailbox it holds; for a mailbox on-premises, a redirect to the user's
 * primary address (where on-premises AutoDiscover answers); ErrorCode 500 for
 * an address without a mailbox. The tenant's routing address
 * (`<alias>@<tenant>.mail.onmicrosoft.com`) names the mailbox whose user has
 * that alias, a cloud mailbox first.
 */
function answerPox(request: PoxRequest, deps: { directory: Directory; hosts: HostMap }): PoxAnswer {
  const user = mailboxOwner(deps.directory, request.email);
  if (!user?.mailbox || deps.directory.isDisabled(user.upn)) {
    return { kind: 'error', errorCode: 500 };
  }
  const who = { displayName: user.displayName, email: user.upn };
  if (user.mailbox.location !== 'exo') return { kind: 'redirect', user: who, address: user.upn };
  return {
    kind: 'settings',
    user: who,
    url: deps.hosts.url('exo', '/Microsoft-Server-ActiveSync'),
  };
}

function mailboxOwner(directory: Directory, email: string): User | undefined {
  const direct = directory.user(email);
  if (direct) return direct;
  const at = email.lastIndexOf('@');
  if (at < 0 || email.slice(at + 1).toLowerCase() !== tenantRoutingDomain(directory.tenant.name)) {
    return undefined;
  }
  const alias = email.slice(0, at).toLowerCase();
  const withAlias = directory
    .users()
    .filter((u) => u.mailbox && u.upn.slice(0, u.upn.indexOf('@')).toLowerCase() === alias);
  return withAlias.find((u) => u.mailbox!.location === 'exo') ?? withAlias[0];
}
