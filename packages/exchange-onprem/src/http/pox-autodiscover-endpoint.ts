import { poxExchange, poxTraceEvent } from '@hma-lab/activesync';
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
    const exchange = poxExchange({
      method: req.method,
      body: req.rawBody?.toString('utf8') ?? '',
      now: new Date(ctx.clock.now()),
      answer: (asked) => answerPox(asked, ctx),
    });
    const { summary, data } = poxTraceEvent(exchange);
    ctx.event('onprem.autodiscover.pox', summary, data);
    res.status(200).set('Content-Type', 'text/xml; charset=utf-8').send(exchange.xml);
  };
}
