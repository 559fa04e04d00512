import type { ServiceDeps } from '@hma-lab/core';
import { requestHost } from '@hma-lab/core';
import type { Request } from 'express';
import type { AdfsConfig } from '../config.js';
import { AdfsNotFoundError } from '../errors.js';
import { farmForHost, type Farm } from '../protocol/farm.js';
import type { SessionStore } from '../protocol/sessions.js';

/** What every AD FS endpoint of one service instance shares. */
export interface AdfsContext {
  deps: ServiceDeps;
  config: AdfsConfig;
  /** The relying party's passive endpoint the token is posted to. */
  replyUrl: string;
  sessions: SessionStore;
}

/** The farm the request addressed; a scenario without federated domains has none (404). */
export function farmOfRequest(ctx: AdfsContext, req: Request): Farm {
  const farm = farmForHost(ctx.deps.directory, requestHost(req), 'adfsHost');
  if (!farm) throw new AdfsNotFoundError();
  return farm;
}

/** The query string of the request as received (without `?`). */
export function rawQuery(req: Request): string {
  const index = req.originalUrl.indexOf('?');
  return index < 0 ? '' : req.originalUrl.slice(index + 1);
}

/** Whether the request came in through the Web Application Proxy. */
export function viaProxy(req: Request): boolean {
  return req.get('x-ms-proxy') !== undefined;
}

/** Pages must never be cached: they carry per-request state. */
export const NO_CACHE_HEADERS = {
  'cache-control': 'no-cache, no-store',
  pragma: 'no-cache',
  expires: '-1',
} as const;
