import { isLabError, protocolErrorHandler, type ServiceDeps } from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { httpSysPage } from './pages.js';

const TITLES: Record<number, [string, string]> = {
  400: ['Bad Request', 'The request is badly formed.'],
  404: ['Not Found', 'The requested resource is not found.'],
  413: [
    'Request Entity Too Large',
    'The page was not displayed because the request entity is too large.',
  ],
  501: ['Not Implemented', 'The request method is not supported.'],
  502: ['Bad Gateway', 'The proxy received an invalid response from the backend server.'],
  503: ['Service Unavailable', 'The service is unavailable.'],
};

/** The proxy's error middleware: plain http.sys-style pages, never a stack trace. */
export function wapErrorHandler(deps: Pick<ServiceDeps, 'log'>): ErrorRequestHandler {
  return protocolErrorHandler(
    'wap',
    deps,
    function renderWapError(error: unknown, _req: Request, res: Response) {
      const status = isLabError(error) ? error.status : 500;
      const [title, text] = TITLES[status] ?? [
        'Internal Server Error',
        'An internal error occurred.',
      ];
      res
        .status(status)
        .set('cache-control', 'no-cache')
        .type('html')
        .send(httpSysPage(status, title, text));
    },
  );
}
