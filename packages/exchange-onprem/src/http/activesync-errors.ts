import { COMMAND_SHAPES, el, encodeWbxml, WBXML_CONTENT_TYPE } from '@hma-lab/activesync';
import {
  BodyTooLargeError,
  isLabError,
  protocolErrorHandler,
  type ServiceDeps,
} from '@hma-lab/core';
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { OnpremActiveSyncConfig } from '../config.js';
import { diagnosticsHeader, EasHttpError, EasStatusError, ExchangeAuthError } from '../errors.js';
import { basicChallenge, bearerChallenge } from '../protocol/challenge.js';

import type { EasExchangeInfo } from './activesync-command.js';

/**
 * Answers what a virtual directory's authentication and HTTP checks throw:
 * {@link ExchangeAuthError} as 401 with an empty body, the Bearer challenge
 * (with `error="invalid_token"` and `x-ms-diagnostics` for a rejected token)
 * and, when offered, the Basic challenge; {@link EasHttpError} with its
 * status, headers and body. False for anything else.
 */
export function sendVdirError(
  error: unknown,
  res: Response,
  tenantId: string,
  onprem: OnpremActiveSyncConfig['onprem'],
): boolean {
  if (error instanceof ExchangeAuthError) {
    const challenges = [bearerChallenge(tenantId, onprem, Boolean(error.diagnostics))];
    if (error.offerBasic && onprem.basicAuth) challenges.push(basicChallenge(onprem));
    res.status(error.status).set('WWW-Authenticate', challenges);
    if (error.diagnostics) res.set('x-ms-diagnostics', diagnosticsHeader(error.diagnostics));
    res.set('Content-Length', '0').end();
    return true;
  }
  if (error instanceof EasHttpError) {
    res.status(error.status).set(error.headers);
    if (error.body) res.type(error.body.contentType).send(error.body.text);
    else res.set('Content-Length', '0').end();
    return true;
  }
  return false;
}

/** IIS's page for a body over `maxAllowedContentLength` (request filtering, 404.13). */
const IIS_404_13 =
  '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\r\n' +
  '<html xmlns="http://www.w3.org/1999/xhtml"><head><title>IIS 10.0 Detailed Error - 404.13 - Not Found</title></head>' +
  '<body><h1>HTTP Error 404.13 - Not Found</h1>' +
  '<h2>The request filtering module is configured to deny a request that exceeds the request content length.</h2></body></html>';

/**
 * The one error middleware of the ActiveSync virtual directory:
 * - {@link ExchangeAuthError}: 401, empty body, the Bearer challenge (with
 *   `error="invalid_token"` and `x-ms-diagnostics` for a rejected token) and,
 *   when offered, the Basic challenge;
 * - {@link EasHttpError}: its status and headers, empty body;
 * - {@link EasStatusError}: 200 with `<Command><Status>n</Status></Command>` in WBXML;
 * - a body over `maxRequestLengthBytes`: IIS 404.13 (or 413, configurable);
 * - anything else: 500 with an empty body (logged).
 */
export function activeSyncErrors(
  deps: Pick<ServiceDeps, 'log' | 'directory'>,
  config: OnpremActiveSyncConfig,
): ErrorRequestHandler {
  return protocolErrorHandler(
    'onprem-eas',
    deps,
    function renderActiveSyncError(error: unknown, _req: Request, res: Response) {
      res.removeHeader('Content-Type');
      if (sendVdirError(error, res, deps.directory.tenant.id, config.onprem)) return;
      if (error instanceof EasStatusError) {
        const info = res.locals['eas'] as EasExchangeInfo | undefined;
        const shape = info ? COMMAND_SHAPES[info.command] : undefined;
        if (!shape) {
          res.status(400).set('Content-Length', '0').end();
          return;
        }
        const ns = shape.status.split(':')[0]!;
        const body = el(
          shape.root,
          el(shape.status, error.easStatus),
          error.extra.map((e) => el(e.tag.includes(':') ? e.tag : `${ns}:${e.tag}`, e.text)),
        );
        res.status(200).set('Content-Type', WBXML_CONTENT_TYPE).send(encodeWbxml(body));
        return;
      }
      if (error instanceof BodyTooLargeError) {
        if (config.oversizeStatus === 413) res.status(413).set('Content-Length', '0').end();
        else res.status(404).type('text/html').send(IIS_404_13);
        return;
      }
      if (isLabError(error) && error.expose) {
        res.status(error.status).set('Content-Length', '0').end();
        return;
      }
      res.status(500).set('Content-Length', '0').end();
    },
  );
}

/** Any other path: IIS's 404. */
export function activeSyncNotFound(_req: Request, res: Response): void {
  res
    .status(404)
    .type('text/html')
    .send('<html><body><h1>404 - File or directory not found.</h1></body></html>');
}
