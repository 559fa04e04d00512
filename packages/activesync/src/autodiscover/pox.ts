import { randomInt } from 'node:crypto';

/**
 * The ActiveSync flavour of POX AutoDiscover (MS-ASCMD §2.2.1.1, the
 * "Autodiscover command"): `POST /autodiscover/autodiscover.xml` with a
 * mobilesync request, answered with the server settings of the address asked
 * about, a redirect to another address, or an error, always in HTTP 200. It is
 * what ActiveSync clients other than Outlook mobile use to find their server.
 * Both Exchange servers of the lab answer it (on-premises and Online); what
 * each answers for an address is theirs, the wire format is here.
 */

export const MOBILESYNC_RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
export const AUTODISCOVER_RESPONSE_SCHEMA =
  'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';

/** What a request asks: the address, and the response schema it accepts. */
export interface PoxRequest {
  email: string;
  acceptableResponseSchema: string;
}

/**
 * The request's fields, or undefined when it is not a mobilesync AutoDiscover
 * request (ErrorCode 600). Read as the two element texts it needs, not by a
 * general XML parser: a DOCTYPE is refused, never expanded.
 */
export function readPoxRequest(xml: string): PoxRequest | undefined {
  // No document type definitions, so no entities: what an XML parser hardened
  // against entity expansion refuses.
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) return undefined;
  if (!/<(?:[\w.-]+:)?Autodiscover[\s>/]/.test(xml) || !/<(?:[\w.-]+:)?Request[\s>/]/.test(xml)) {
    return undefined;
  }
  const email = elementText(xml, 'EMailAddress')?.trim();
  const acceptableResponseSchema = elementText(xml, 'AcceptableResponseSchema')?.trim();
  if (!email || !acceptableResponseSchema) return undefined;
  return { email, acceptableResponseSchema };
}

/**
 * The text of the first `<tag>text</tag>` (any namespace prefix), entities
 * decoded, as `/<(?:[\w.-]+:)?tag(?:\s[^>]*)?>([^<]*)<\/(?:[\w.-]+:)?tag\s*>/`
 * finds it, in linear time: each start tag's `>` is looked for once, and the
 * scan ends at the first start tag without one (no later tag can have one).
 * The regular expression alone looked for it again from every later start
 * tag: 280 KB of `<EMailAddress ` took 1.8 s.
 */
function elementText(xml: string, tag: string): string | undefined {
  const start = new RegExp(`<(?:[\\w.-]+:)?${tag}(?=[\\s>])`, 'g');
  const end = new RegExp(`</(?:[\\w.-]+:)?${tag}\\s*>`, 'y');
  for (let found = start.exec(xml); found; found = start.exec(xml)) {
    const tagEnd = xml.indexOf('>', start.lastIndex);
    if (tagEnd < 0) return undefined;
    const contentEnd = xml.indexOf('<', tagEnd + 1);
    if (contentEnd < 0) return undefined;
    end.lastIndex = contentEnd;
    if (end.test(xml)) return decodeEntities(xml.slice(tagEnd + 1, contentEnd));
    start.lastIndex = tagEnd + 1;
  }
  return undefined;
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (whole, name: string) => {
    const lower = name.toLowerCase();
    if (lower.startsWith('#')) {
      const code = lower.startsWith('#x')
        ? parseInt(lower.slice(2), 16)
        : parseInt(lower.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : '\uFFFD';
    }
    return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? whole;
  });
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The user an answer is about, as its `User` element names them. */
export interface PoxUser {
  displayName: string;
  email: string;
}

/** An answer: the ActiveSync server of a mailbox, another address to ask about, or an error. */
export type PoxAnswer =
  | { kind: 'settings'; user: PoxUser; url: string }
  | { kind: 'redirect'; user: PoxUser; address: string }
  | { kind: 'error'; errorCode: PoxErrorCode };

/** Each ErrorCode's `Message`, as Exchange writes it. */
const POX_ERRORS = {
  600: 'Invalid Request',
  601: 'Provider is not available.',
  500: "The email address can't be found.",
} as const;

export type PoxErrorCode = keyof typeof POX_ERRORS;

/**
 * The checks every answer starts with: ErrorCode 600 for a request that is
 * not a mobilesync AutoDiscover request, 601 for another response schema.
 */
export function poxRequestError(request: PoxRequest | undefined): PoxAnswer | undefined {
  if (!request) return { kind: 'error', errorCode: 600 };
  if (request.acceptableResponseSchema !== MOBILESYNC_RESPONSE_SCHEMA) {
    return { kind: 'error', errorCode: 601 };
  }
  return undefined;
}

/** The answer as XML (MS-ASCMD §4.2.2–4.2.4; the error form of the AutoDiscover response schema). */
export function poxAnswerXml(answer: PoxAnswer, now: Date, requestId: string): string {
  const head = '<?xml version="1.0" encoding="utf-8"?>';
  if (answer.kind === 'error') {
    const time = now.toISOString().slice(11, 23);
    return (
      `${head}<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_SCHEMA}"><Response>` +
      `<Error Time="${time}" Id="${requestId}"><ErrorCode>${answer.errorCode}</ErrorCode>` +
      `<Message>${escapeXml(POX_ERRORS[answer.errorCode])}</Message><DebugData /></Error>` +
      '</Response></Autodiscover>'
    );
  }
  const user =
    `<User><DisplayName>${escapeXml(answer.user.displayName)}</DisplayName>` +
    `<EMailAddress>${escapeXml(answer.user.email)}</EMailAddress></User>`;
  const action =
    answer.kind === 'redirect'
      ? `<Action><Redirect>${escapeXml(answer.address)}</Redirect></Action>`
      : '<Action><Settings><Server><Type>MobileSync</Type>' +
        `<Url>${escapeXml(answer.url)}</Url><Name>${escapeXml(answer.url)}</Name>` +
        '</Server></Settings></Action>';
  return (
    `${head}<Autodiscover xmlns="${AUTODISCOVER_RESPONSE_SCHEMA}">` +
    `<Response xmlns="${MOBILESYNC_RESPONSE_SCHEMA}"><Culture>en:us</Culture>${user}${action}</Response>` +
    '</Autodiscover>'
  );
}

/** One POX AutoDiscover exchange, read and answered (the party decides `answer`). */
export interface PoxExchange {
  /** The request, when it could be read. */
  request?: PoxRequest;
  answer: PoxAnswer;
  /** The answer's XML, sent with HTTP 200 and `text/xml; charset=utf-8` whatever it says. */
  xml: string;
}

/**
 * Reads a POX AutoDiscover request (POST only: any other method is
 * ErrorCode 600), checks it, lets `answer` decide for a good one, and writes
 * the XML with a request id as Exchange's error answers carry.
 */
export function poxExchange(input: {
  method: string;
  body: string;
  now: Date;
  answer(request: PoxRequest): PoxAnswer;
}): PoxExchange {
  const request = input.method === 'POST' ? readPoxRequest(input.body) : undefined;
  const answer = poxRequestError(request) ?? input.answer(request!);
  const xml = poxAnswerXml(answer, input.now, String(randomInt(100_000_000, 999_999_999)));
  return { ...(request ? { request } : {}), answer, xml };
}

/** How the trace tells a POX AutoDiscover answer: a summary line and its data. */
export function poxTraceEvent(exchange: PoxExchange): {
  summary: string;
  data: Record<string, unknown>;
} {
  const { request, answer } = exchange;
  return {
    summary:
      answer.kind === 'error'
        ? `POX AutoDiscover: ErrorCode ${answer.errorCode}`
        : `POX AutoDiscover for ${answer.user.email}: ${answer.kind}`,
    data: {
      ...(request ? { email: request.email } : {}),
      answer: answer.kind === 'error' ? answer.errorCode : answer.kind,
    },
  };
}
