import type { Directory, FaultBoard, HostMap } from '@hma-lab/core';
import type { Request, RequestHandler, Response } from 'express';
import type { OnpremAutodiscoverConfig } from '../config.js';
import { answerAutodiscover, type AutodiscoverQuery } from '../protocol/autodiscover.js';

/**
 * `GET /autodiscover/autodiscover.json?Email=…&Protocol=…&RedirectCount=n` and
 * `GET /autodiscover/autodiscover.json/v1.0/{email}?Protocol=…`: anonymous.
 * `BlockLegacyAuthAutodiscover` does not apply: nothing is authenticated here
 * (it applies to POX AutoDiscover, pox-autodiscover-endpoint.ts).
 */
export function autodiscoverEndpoint(ctx: {
  directory: Directory;
  hosts: HostMap;
  config: OnpremAutodiscoverConfig;
  faults?: FaultBoard;
}): RequestHandler {
  return function autodiscoverJson(req: Request, res: Response) {
    const pathEmail = typeof req.params['email'] === 'string' ? req.params['email'] : undefined;
    const query: AutodiscoverQuery = {
      email: pathEmail ?? queryValue(req, 'email'),
      protocol: queryValue(req, 'protocol'),
      redirectCount: queryValue(req, 'redirectcount'),
    };
    const answer = answerAutodiscover(query, ctx);
    if (answer.kind === 'redirect') {
      res
        .status(302)
        .set('Location', answer.location)
        .type('text/html; charset=utf-8')
        .send(objectMovedHtml(answer.location));
      return;
    }
    res
      .status(200)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(answer.body));
  };
}

/** A query parameter by case-insensitive name (clients write `Email`, `email`, `EMAIL`). */
function queryValue(req: Request, lowerName: string): string | undefined {
  for (const [key, value] of Object.entries(req.query)) {
    if (key.toLowerCase() !== lowerName) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

function objectMovedHtml(location: string): string {
  const href = location.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
  return `<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to <a href="${href}">here</a>.</h2>\r\n</body></html>\r\n`;
}
