import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

/**
 * Stamps every answer with `X-Request-Id` (a GUID) and `X-Response-Time`
 * (wall-clock milliseconds spent, e.g. `12ms`): the headers Microsoft's
 * AutoDetect scripts print (facts §3.2).
 */
export function responseTiming(req: Request, res: Response, next: NextFunction): void {
  const began = performance.now();
  res.setHeader('X-Request-Id', randomUUID());
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => Response;
  res.writeHead = function timedWriteHead(...args: unknown[]) {
    if (!res.headersSent) {
      res.setHeader('X-Response-Time', `${Math.round(performance.now() - began)}ms`);
    }
    return writeHead(...args);
  } as Response['writeHead'];
  next();
}
