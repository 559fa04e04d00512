import { poxExchange } from '@hma-lab/activesync';
import type { Clock, Directory } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import { answerPox } from '../protocol/pox-autodiscover.js';

/**
 * `POST /autodiscover/autodiscover.xml` (mobilesync), once authenticated:
 * always 200 with XML, as Exchange answers; any other method is
 * `600 Invalid Request` inside the XML.
 */
export function poxAutodiscoverEndpoint(ctx: {
  directory: Directory;
  clock: Clock;
  easUrl: string;
  event(action: string, summary: string, data?: Record<string, unknown>): void;
}): RequestHandler {
  return function poxAutodiscover(req: Request, res: Response) {
    const { request, answer, xml } = poxExchange({
      method: req.method,
      body: req.rawBody?.toString('utf8') ?? '',
      now: new Date(ctx.clock.now()),
      answer: (asked) => answerPox(asked, ctx),
    });
    ctx.event(
      'onprem.autodiscover.pox',
      answer.kind === 'error'
        ? `POX AutoDiscover: ErrorCode ${answer.errorCode}`
        : `POX AutoDiscover for ${answer.user.email}: ${answer.kind}`,
      {
        ...(request ? { email: request.email } : {}),
        answer: answer.kind === 'error' ? answer.errorCode : answer.kind,
      },
    );
    res.status(200).set('Content-Type', 'text/xml; charset=utf-8').send(xml);
  };
}
