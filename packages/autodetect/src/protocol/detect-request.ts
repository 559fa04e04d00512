import { InvalidEmailError, MissingEmailError } from '../errors.js';
import type { DetectFilter } from './answer.js';

/** A parsed `GET /detect` request. */
export interface DetectRequest {
  /** The address, lower-cased (the cache key). */
  email: string;
  filter: DetectFilter;
  /** The caller's `timeout` (seconds on the wire), in ms, if it sent one. */
  timeoutMs?: number;
}

/** What the endpoint hands over from the HTTP request. */
export interface DetectRequestInput {
  xEmail?: string | undefined;
  authorization?: string | undefined;
  services?: unknown;
  protocols?: unknown;
  timeout?: unknown;
}

const EMAIL = /^[^\s@/\\?#"<>]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i;

/**
 * Reads the address from `x-email` (CSS-HMAEAS form) or from
 * `Authorization: Basic base64(<address>)` (the support script form: the
 * address alone, no password), and the `services`/`protocols`/`timeout` query.
 *
 * @throws MissingEmailError, InvalidEmailError
 * @see protocol-facts.md §3.1
 */
export function parseDetectRequest(input: DetectRequestInput): DetectRequest {
  const raw = input.xEmail?.trim() || emailFromBasic(input.authorization);
  if (!raw) throw new MissingEmailError();
  if (raw.length > 320 || !EMAIL.test(raw)) throw new InvalidEmailError(raw);
  const request: DetectRequest = {
    email: raw.toLowerCase(),
    filter: {
      ...listParam('services', input.services),
      ...listParam('protocols', input.protocols),
    },
  };
  const timeoutS = typeof input.timeout === 'string' ? Number(input.timeout) : NaN;
  if (Number.isFinite(timeoutS) && timeoutS >= 0) request.timeoutMs = Math.round(timeoutS * 1000);
  return request;
}

function emailFromBasic(authorization: string | undefined): string | undefined {
  const match = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  // The address alone; tolerate a trailing ":" (an empty password).
  return decoded.split(':')[0]?.trim() || undefined;
}

function listParam(
  name: 'services' | 'protocols',
  value: unknown,
): Partial<Record<'services' | 'protocols', ReadonlySet<string>>> {
  if (typeof value !== 'string' || value.trim() === '') return {};
  const items = value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  return { [name]: new Set(items) };
}
