// The two forms of an ActiveSync request line (MS-ASHTTP 2.2.1.1.1): the plain-text query
// (`?Cmd=Sync&User=...&DeviceId=...&DeviceType=...`, version and policy key in headers) and the
// base64-encoded query (protocol version 12.1+, everything packed in bytes).
import { EasQueryError } from '../errors.js';
import {
  EAS_COMMAND_CODES,
  EAS_COMMANDS,
  protocolVersionFromByte,
  protocolVersionToByte,
} from './constants.js';

/** One ActiveSync request line, whichever form it came in. */
export interface EasRequestLine {
  cmd: string;
  user?: string;
  deviceId: string;
  deviceType: string;
  /** MS-ASProtocolVersion header (plain) or the version byte (base64), e.g. '14.1'. */
  protocolVersion?: string;
  /** X-MS-PolicyKey header (plain) or the policy key field (base64), as a decimal string. */
  policyKey?: string;
  /** Locale (LCID, e.g. 0x0409); only the base64 form carries it. */
  locale?: number;
  attachmentName?: string;
  collectionId?: string;
  itemId?: string;
  longId?: string;
  occurrence?: string;
  saveInSent?: boolean;
  /** MS-ASAcceptMultiPart: T header (plain) or Options flag 0x02 (base64). */
  acceptMultiPart?: boolean;
  form: 'plain' | 'base64';
}

type HeaderBag = Record<string, string | string[] | undefined>;

// MS-ASHTTP 2.2.1.1.1.1.3 command parameter tags (2 CollectionName and 5 ParentId are obsolete).
const PARAM_ATTACHMENT_NAME = 0;
const PARAM_COLLECTION_ID = 1;
const PARAM_COLLECTION_NAME = 2;
const PARAM_ITEM_ID = 3;
const PARAM_LONG_ID = 4;
const PARAM_PARENT_ID = 5;
const PARAM_OCCURRENCE = 6;
const PARAM_OPTIONS = 7;
const PARAM_USER = 8;
const OPTION_SAVE_IN_SENT = 0x01;
const OPTION_ACCEPT_MULTIPART = 0x02;

const COMMAND_BY_CODE = new Map(
  Object.entries(EAS_COMMAND_CODES).map(([name, code]) => [code, name]),
);
const KNOWN_COMMANDS = new Map(EAS_COMMANDS.map((c) => [c.toLowerCase(), c]));
const VERSION = /^\d{1,2}\.\d$/;
const POLICY_KEY = /^\d{1,10}$/;

function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  // node's request headers are lower-case already; other bags are searched
  // (a name of another length cannot match: most are passed over unlowered).
  const direct = headers[wanted];
  if (direct !== undefined) return Array.isArray(direct) ? direct[0] : direct;
  for (const key in headers) {
    if (key.length !== wanted.length || key.toLowerCase() !== wanted) continue;
    const value = headers[key];
    if (value === undefined) continue;
    return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

/**
 * The query's parameters by lower-case name, the first occurrence winning,
 * decoded as `URLSearchParams` decodes them (application/x-www-form-urlencoded).
 * Split by hand: a `URLSearchParams` and its iterator cost more than the rest
 * of reading the line, on every ActiveSync request.
 */
function queryParams(q: string): Map<string, string> {
  const params = new Map<string, string>();
  for (let start = 0; start <= q.length;) {
    let end = q.indexOf('&', start);
    if (end < 0) end = q.length;
    if (end > start) {
      const eq = q.indexOf('=', start);
      const split = eq >= 0 && eq < end;
      const key = formDecode(q.slice(start, split ? eq : end)).toLowerCase();
      if (!params.has(key)) params.set(key, split ? formDecode(q.slice(eq + 1, end)) : '');
    }
    start = end + 1;
  }
  return params;
}

/** One name or value of a form-encoded query: `+` is a space, then percent-decoding. */
function formDecode(text: string): string {
  if (text.indexOf('%') < 0 && text.indexOf('+') < 0) return text;
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    // Malformed percent-encoding: decoded leniently, as URLSearchParams does.
    return new URLSearchParams(`v=${text}`).get('v') ?? '';
  }
}

/**
 * Parses the query of an ActiveSync POST in either form. In the plain form the protocol
 * version, policy key and AcceptMultiPart come from the `MS-ASProtocolVersion`,
 * `X-MS-PolicyKey` and `MS-ASAcceptMultiPart` headers; in the base64 form from the bytes.
 *
 * @param search the query, with or without the leading '?' (a whole path+query also works)
 * @example parseEasQuery('?Cmd=FolderSync&User=alice&DeviceId=d1&DeviceType=iPhone', req.headers)
 * @throws EasQueryError naming the missing or malformed field
 * @see MS-ASHTTP 2.2.1.1.1.1 (base64), 2.2.1.1.1.2 (plain text)
 */
export function parseEasQuery(search: string, headers: HeaderBag): EasRequestLine {
  const q = search.includes('?') ? search.slice(search.indexOf('?') + 1) : search;
  if (q.trim() === '') throw new EasQueryError('empty request line: no query', 'query');
  const params = queryParams(q);
  return params.has('cmd') ? parsePlain(params, headers) : parseBase64(q);
}

/** The plain form's optional parameters, by query name and line field. */
const OPTIONAL_PARAMETERS: ReadonlyArray<
  [string, 'attachmentName' | 'collectionId' | 'itemId' | 'longId' | 'occurrence']
> = [
  ['AttachmentName', 'attachmentName'],
  ['CollectionId', 'collectionId'],
  ['ItemId', 'itemId'],
  ['LongId', 'longId'],
  ['Occurrence', 'occurrence'],
];

function parsePlain(params: Map<string, string>, headers: HeaderBag): EasRequestLine {
  const get = (name: string): string | undefined => params.get(name.toLowerCase());
  const required = (name: string): string => {
    const value = get(name);
    if (value === undefined || value === '') throw new EasQueryError(`missing ${name}`, name);
    return value;
  };
  const cmdRaw = required('Cmd');
  const cmd = KNOWN_COMMANDS.get(cmdRaw.toLowerCase());
  if (!cmd) throw new EasQueryError(`unknown command ${JSON.stringify(cmdRaw)}`, 'Cmd');
  const line: EasRequestLine = {
    cmd,
    deviceId: required('DeviceId'),
    deviceType: required('DeviceType'),
    form: 'plain',
  };
  const user = get('User');
  if (user !== undefined && user !== '') line.user = user;
  const version = header(headers, 'MS-ASProtocolVersion');
  if (version !== undefined) {
    if (!VERSION.test(version.trim())) {
      throw new EasQueryError(
        `malformed MS-ASProtocolVersion ${JSON.stringify(version)}`,
        'MS-ASProtocolVersion',
      );
    }
    line.protocolVersion = version.trim();
  }
  const policyKey = header(headers, 'X-MS-PolicyKey');
  if (policyKey !== undefined && policyKey.trim() !== '') line.policyKey = policyKey.trim();
  for (const [name, key] of OPTIONAL_PARAMETERS) {
    const value = get(name);
    if (value !== undefined) line[key] = value;
  }
  const saveInSent = get('SaveInSent');
  if (saveInSent !== undefined) line.saveInSent = parseFlag(saveInSent, 'SaveInSent');
  const multipart = header(headers, 'MS-ASAcceptMultiPart');
  if (multipart !== undefined) line.acceptMultiPart = parseFlag(multipart, 'MS-ASAcceptMultiPart');
  return line;
}

function parseFlag(value: string, field: string): boolean {
  const v = value.trim().toUpperCase();
  if (v === 'T') return true;
  if (v === 'F') return false;
  throw new EasQueryError(`${field} must be T or F, got ${JSON.stringify(value)}`, field);
}

function parseBase64(q: string): EasRequestLine {
  let text: string;
  try {
    text = decodeURIComponent(q.trim());
  } catch {
    throw new EasQueryError('base64 request line: bad percent-encoding', 'base64');
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 === 1) {
    throw new EasQueryError(
      'request line is neither a plain query (no Cmd=) nor valid base64',
      'base64',
    );
  }
  const bytes = Buffer.from(text, 'base64');
  let pos = 0;
  const need = (n: number, what: string): void => {
    if (pos + n > bytes.length) {
      throw new EasQueryError(`base64 request line truncated: ${what} missing (byte ${pos})`, what);
    }
  };
  const u8 = (what: string): number => {
    need(1, what);
    return bytes[pos++]!;
  };
  const chunk = (length: number, what: string): Buffer => {
    need(length, what);
    const out = bytes.subarray(pos, pos + length);
    pos += length;
    return out;
  };

  const versionByte = u8('protocol version');
  const code = u8('command code');
  const cmd = COMMAND_BY_CODE.get(code);
  if (!cmd) throw new EasQueryError(`unknown command code ${code}`, 'Cmd');
  need(2, 'locale');
  const locale = bytes.readUInt16LE(pos);
  pos += 2;
  const deviceId = idString(chunk(u8('device ID length'), 'device ID'));
  const policyKeyLength = u8('policy key length');
  if (policyKeyLength !== 0 && policyKeyLength !== 4) {
    throw new EasQueryError(
      `policy key length must be 0 or 4, got ${policyKeyLength}`,
      'policy key',
    );
  }
  const policyKey =
    policyKeyLength === 4 ? String(chunk(4, 'policy key').readUInt32LE(0)) : undefined;
  const deviceType = idString(chunk(u8('device type length'), 'device type'));
  if (deviceId === '') throw new EasQueryError('missing DeviceId', 'DeviceId');
  if (deviceType === '') throw new EasQueryError('missing DeviceType', 'DeviceType');

  const line: EasRequestLine = {
    cmd,
    deviceId,
    deviceType,
    protocolVersion: protocolVersionFromByte(versionByte),
    locale,
    form: 'base64',
  };
  if (policyKey !== undefined) line.policyKey = policyKey;
  while (pos < bytes.length) {
    const tag = u8('parameter tag');
    const value = chunk(u8('parameter length'), `parameter ${tag} value`);
    switch (tag) {
      case PARAM_ATTACHMENT_NAME:
        line.attachmentName = value.toString('utf8');
        break;
      case PARAM_COLLECTION_ID:
        line.collectionId = value.toString('utf8');
        break;
      case PARAM_ITEM_ID:
        line.itemId = value.toString('utf8');
        break;
      case PARAM_LONG_ID:
        line.longId = value.toString('utf8');
        break;
      case PARAM_OCCURRENCE:
        line.occurrence = value.toString('utf8');
        break;
      case PARAM_USER:
        line.user = value.toString('utf8');
        break;
      case PARAM_OPTIONS: {
        if (value.length !== 1)
          throw new EasQueryError('Options parameter must be one byte', 'Options');
        const flags = value[0]!;
        line.saveInSent = (flags & OPTION_SAVE_IN_SENT) !== 0;
        line.acceptMultiPart = (flags & OPTION_ACCEPT_MULTIPART) !== 0;
        break;
      }
      case PARAM_COLLECTION_NAME:
      case PARAM_PARENT_ID:
        break; // obsolete parameters: read and ignored
      default:
        throw new EasQueryError(`unknown command parameter tag ${tag}`, 'parameter');
    }
  }
  return line;
}

/** Device IDs are ASCII in practice; other bytes (a binary ID) are shown as uppercase hex. */
function idString(bytes: Buffer): string {
  return bytes.every((b) => b >= 0x20 && b < 0x7f)
    ? bytes.toString('latin1')
    : bytes.toString('hex').toUpperCase();
}

/**
 * Builds the plain-text query. Protocol version, policy key and AcceptMultiPart are headers
 * in this form (MS-ASProtocolVersion, X-MS-PolicyKey, MS-ASAcceptMultiPart), not query fields.
 *
 * @example plainEasQuery({ cmd: 'Sync', user: 'alice', deviceId: 'd1', deviceType: 'iPhone' }) // '?Cmd=Sync&User=alice&DeviceId=d1&DeviceType=iPhone'
 * @see MS-ASHTTP 2.2.1.1.1.2
 */
export function plainEasQuery(line: Omit<EasRequestLine, 'form'>): string {
  let query = `?Cmd=${encodeURIComponent(line.cmd)}`;
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) query += `&${name}=${encodeURIComponent(value)}`;
  };
  add('User', line.user);
  add('DeviceId', line.deviceId);
  add('DeviceType', line.deviceType);
  for (const [name, key] of OPTIONAL_PARAMETERS) add(name, line[key]);
  add('SaveInSent', line.saveInSent === undefined ? undefined : line.saveInSent ? 'T' : 'F');
  return query;
}

/**
 * Builds the base64-encoded query: version, command code, locale (default 0x0409), device ID,
 * policy key (uint32, little-endian), device type, then every command parameter present
 * (AttachmentName, CollectionId, ItemId, LongId, Occurrence, Options, User). The result is
 * percent-encoded so that '+', '/' and '=' survive in a URL.
 *
 * @example base64EasQuery({ cmd: 'Sync', deviceId: 'v140Device', deviceType: 'SmartPhone', protocolVersion: '14.0' }) // '?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l'
 * @throws EasQueryError when a field does not fit (unknown command, missing version, non-numeric policy key, field over 255 bytes)
 * @see MS-ASHTTP 2.2.1.1.1.1
 */
export function base64EasQuery(line: Omit<EasRequestLine, 'form'>): string {
  const code = EAS_COMMAND_CODES[line.cmd];
  if (code === undefined)
    throw new EasQueryError(`command ${line.cmd} has no base64 command code`, 'Cmd');
  if (line.protocolVersion === undefined) {
    throw new EasQueryError('the base64 form needs a protocol version', 'protocolVersion');
  }
  const version = protocolVersionToByte(line.protocolVersion);
  if (version === undefined) {
    throw new EasQueryError(
      `protocol version ${line.protocolVersion} does not fit one byte`,
      'protocolVersion',
    );
  }
  const out: number[] = [version, code];
  const locale = line.locale ?? 0x0409;
  if (!Number.isInteger(locale) || locale < 0 || locale > 0xffff) {
    throw new EasQueryError(`locale ${locale} does not fit two bytes`, 'locale');
  }
  out.push(locale & 0xff, locale >> 8);
  const field = (value: string, what: string): void => {
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > 255) throw new EasQueryError(`${what} longer than 255 bytes`, what);
    out.push(bytes.length, ...bytes);
  };
  field(line.deviceId, 'DeviceId');
  if (line.policyKey === undefined) {
    out.push(0);
  } else {
    if (!POLICY_KEY.test(line.policyKey) || Number(line.policyKey) > 0xffffffff) {
      throw new EasQueryError(
        `policy key ${line.policyKey} is not a 32-bit unsigned number`,
        'policyKey',
      );
    }
    const key = Buffer.alloc(4);
    key.writeUInt32LE(Number(line.policyKey));
    out.push(4, ...key);
  }
  field(line.deviceType, 'DeviceType');
  const param = (tag: number, value: string | undefined, what: string): void => {
    if (value === undefined) return;
    out.push(tag);
    field(value, what);
  };
  param(PARAM_ATTACHMENT_NAME, line.attachmentName, 'AttachmentName');
  param(PARAM_COLLECTION_ID, line.collectionId, 'CollectionId');
  param(PARAM_ITEM_ID, line.itemId, 'ItemId');
  param(PARAM_LONG_ID, line.longId, 'LongId');
  param(PARAM_OCCURRENCE, line.occurrence, 'Occurrence');
  if (line.saveInSent !== undefined || line.acceptMultiPart !== undefined) {
    const flags =
      (line.saveInSent ? OPTION_SAVE_IN_SENT : 0) |
      (line.acceptMultiPart ? OPTION_ACCEPT_MULTIPART : 0);
    out.push(PARAM_OPTIONS, 1, flags);
  }
  param(PARAM_USER, line.user, 'User');
  return '?' + encodeURIComponent(Buffer.from(out).toString('base64'));
}

/**
 * Whether the request line's `User=` names the authenticated user: the UPN,
 * its account part, or `DOMAIN\\account` (any case), as Exchange takes it.
 */
export function requestLineUserIs(given: string, upn: string): boolean {
  const name = given.trim().toLowerCase();
  const lower = upn.toLowerCase();
  const account = lower.split('@')[0]!;
  return name === lower || name === account || name.endsWith(`\\${account}`);
}
