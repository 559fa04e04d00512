import type { TraceExchange } from '@hma-lab/core';
import { grantOf } from './tokens.js';

/**
 * The short texts written on the diagram's arrows. The lanes already say which
 * host is addressed, so a request is its method and path (or the ActiveSync
 * command, or the grant of a token call) and an answer its status plus what a
 * trainer points at: where a redirect goes, whether a Bearer challenge names
 * an authorization_uri.
 */

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  421: 'Misdirected Request',
  429: 'Too Many Requests',
  449: 'Retry With',
  451: 'Redirect',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

export function statusText(status: number): string {
  return STATUS_TEXT[status] ?? '';
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

const GRANT_WORDS: Readonly<Record<string, string>> = {
  authorization_code: 'code',
  'on-behalf-of': 'on-behalf-of',
  refresh_token: 'refresh_token',
  client_credentials: 'client_credentials',
  password: 'password',
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
};

/** What the request asks for, e.g. `ActiveSync Sync` or `POST /oauth2/token (on-behalf-of)`. */
export function shortRequest(e: TraceExchange): string {
  const url = parse(e.url);
  const path = url?.pathname ?? e.url;
  if (/\/microsoft-server-activesync/i.test(path)) {
    const cmd = url?.searchParams.get('Cmd') ?? url?.searchParams.get('cmd');
    return cmd ? `ActiveSync ${cmd}` : `${e.method} ActiveSync`;
  }
  if (/\/oauth2\/(v2\.0\/)?token$/i.test(path)) {
    const grant = grantOf(e);
    return `${e.method} /oauth2/token${grant ? ` (${GRANT_WORDS[grant] ?? grant})` : ''}`;
  }
  return `${e.method} ${path}`;
}

function header(e: TraceExchange, name: string): string[] {
  const value = e.responseHeaders[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** The answer in a few words, e.g. `302 → autodiscover.contoso.com` or `401 Bearer, no authorization_uri`. */
export function shortResponse(e: TraceExchange): string {
  if (e.status === 0) return e.error ? `no answer (${e.error})` : 'no answer';
  const location = header(e, 'location')[0];
  if (e.status >= 300 && e.status < 400 && location) {
    const target = parse(location);
    const where = target
      ? `${target.protocol === 'https:' || target.protocol === 'http:' ? target.host : target.protocol + '//' + target.host}${target.pathname === '/' ? '' : target.pathname}`
      : location.split('?')[0];
    return `${e.status} → ${where}`;
  }
  const bearer = header(e, 'www-authenticate').find((v) => /^bearer\b/i.test(v));
  if (e.status === 401 && bearer) {
    return /authorization_uri=/i.test(bearer)
      ? '401 Bearer challenge + authorization_uri'
      : '401 Bearer challenge, no authorization_uri';
  }
  const diagnostics = header(e, 'x-ms-diagnostics')[0];
  if (diagnostics)
    return `${e.status} ${statusText(e.status)} (x-ms-diagnostics ${diagnostics.split(';')[0]})`;
  return `${e.status} ${statusText(e.status)}`.trim();
}

/** Request and answer on one arrow. */
export function shortExchange(e: TraceExchange): string {
  return `${shortRequest(e)} → ${shortResponse(e)}`;
}
