import type { Request, RequestHandler, Response } from 'express';
import { escapeHtml } from '@hma-lab/core';
import {
  answerAutodiscover,
  type AutodiscoverContext,
  type AutodiscoverForm,
} from '../protocol/autodiscover.js';

/**
 * `GET /autodiscover/autodiscover.json/v1.0/<address>?Protocol=…` and
 * `GET /autodiscover/autodiscover.json?Email=…&Protocol=…&RedirectCount=n`
 * (steps 2-3 of flow A, step 2 of flow B).
 */
export function autodiscoverEndpoint(
  form: AutodiscoverForm,
  ctx: AutodiscoverContext,
): RequestHandler {
  return function autodiscover(req: Request, res: Response) {
    const query = caseInsensitive(req.query);
    const answer = answerAutodiscover(
      {
        form,
        email: form === 'v1.0-path' ? String(req.params.email ?? '') : query('email'),
        protocol: query('protocol'),
        redirectCount: query('redirectcount'),
      },
      ctx,
    );
    if (answer.kind === 'redirect') {
      // The body of the capture in protocol-facts §2.3 (IIS "Object moved").
      const href = escapeHtml(answer.location);
      res
        .status(302)
        .set('Location', answer.location)
        .set('Content-Type', 'text/html; charset=utf-8')
        .send(
          `<html><head><title>Object moved</title></head><body>\r\n<h2>Object moved to <a href="${href}">here</a>.</h2>\r\n</body></html>\r\n`,
        );
      return;
    }
    res
      .status(200)
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify(answer.body));
  };
}

/** Query parameters by case-insensitive name; the first value of a repeated one. */
function caseInsensitive(query: Request['query']): (name: string) => string | undefined {
  return (name) => {
    for (const [key, value] of Object.entries(query)) {
      if (key.toLowerCase() !== name) continue;
      const first = Array.isArray(value) ? value[0] : value;
      return typeof first === 'string' ? first : undefined;
    }
    return undefined;
  };
}
