/**
 * The headers worth a trainer's attention, shown first in the step panel;
 * the rest (caching, server banners, request ids) sit behind "all headers".
 */
const REQUEST_HEADERS = new Set([
  'authorization',
  'content-type',
  'x-email',
  'cookie',
  'ms-asprotocolversion',
  'x-ms-policykey',
  'user-agent',
  'prefer',
]);

const RESPONSE_HEADERS = new Set([
  'location',
  'www-authenticate',
  'x-ms-diagnostics',
  'x-autodv2-error',
  'retry-after',
  'content-type',
  'set-cookie',
  'ms-asprotocolversions',
  'ms-ascmd',
  'ms-server-activesync',
  'x-ms-rp',
]);

/** The names of the headers that matter, in the order they appear. */
export function importantHeaders(
  headers: Readonly<Record<string, string | string[]>>,
  side: 'request' | 'response',
): string[] {
  const wanted = side === 'request' ? REQUEST_HEADERS : RESPONSE_HEADERS;
  return Object.keys(headers).filter((name) => wanted.has(name.toLowerCase()));
}
