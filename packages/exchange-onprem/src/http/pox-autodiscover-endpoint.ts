import { randomInt } from 'node:crypto';
import type { Clock, Directory } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import { answerPox, poxAnswerXml, readPoxRequest } from '../protocol/pox-autodiscover.js';

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
    const request =
      req.method === 'POST' ? readPoxRequest(req.rawBody?.toString('utf8') ?? '') : undefined;
    const answer = answerPox(request, ctx);
    ctx.event(
      'onprem.autodiscover.pox',
      answer.kind === 'error'
        ? `POX AutoDiscover: ErrorCode ${answer.errorCode}`
        : `POX AutoDiscover for ${answer.user.upn}: ${answer.kind}`,
      {
        ...(request ? { email: request.email } : {}),
        answer: answer.kind === 'error' ? answer.errorCode : answer.kind,
      },
    );
    res
      .status(200)
      .set('Content-Type', 'text/xml; charset=utf-8')
      .send(
        poxAnswerXml(
          answer,
          new Date(ctx.clock.now()),
          String(randomInt(100_000_000, 999_999_999)),
        ),
      );
  };
}
