import type { Directory, User } from '@hma-lab/core';

/**
 * The ActiveSync flavour of POX AutoDiscover (MS-ASCMD §2.2.1.1, the
 * "Autodiscover command"): `POST /autodiscover/autodiscover.xml` with a
 * mobilesync request, answered with the server settings of the address asked
 * about. It is what ActiveSync clients other than Outlook mobile use to find
 * their server; unlike AutoDiscover v2 it is authenticated (Bearer, or Basic
 * unless `BlockLegacyAuthAutodiscover`), which the HTTP layer does first.
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

/** The request's fields, or undefined when it is not a mobilesync AutoDiscover request (ErrorCode 600). */
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

/** The text of the first `<tag>` (any namespace prefix), entities decoded. */
function elementText(xml: string, tag: string): string | undefined {
  const match = new RegExp(
    `<(?:[\\w.-]+:)?${tag}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${tag}\\s*>`,
  ).exec(xml);
  return match ? decodeEntities(match[1]!) : undefined;
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

/** What the endpoint answers: always HTTP 200 with XML, errors inside it as Exchange does. */
export type PoxAnswer =
  | { kind: 'settings'; user: User; url: string }
  | { kind: 'redirect'; user: User; address: string }
  | { kind: 'error'; errorCode: keyof typeof POX_ERRORS };

/** Each ErrorCode's `Message`, as Exchange writes it. */
const POX_ERRORS = {
  600: 'Invalid Request',
  601: 'Provider is not available.',
  500: "The email address can't be found.",
} as const;

/**
 * The answer for a request: the ActiveSync URL of an on-premises mailbox; for
 * a mailbox in Exchange Online, a redirect to its address in the tenant's
 * routing domain (`<alias>@<tenant>.mail.onmicrosoft.com`, the target address
 * hybrid sets on the remote mailbox); ErrorCode 500 for an address without a
 * mailbox, 601 for a response schema other than mobilesync's.
 */
export function answerPox(
  request: PoxRequest | undefined,
  ctx: { directory: Directory; easUrl: string },
): PoxAnswer {
  if (!request) return { kind: 'error', errorCode: 600 };
  if (request.acceptableResponseSchema !== MOBILESYNC_RESPONSE_SCHEMA) {
    return { kind: 'error', errorCode: 601 };
  }
  const user = ctx.directory.user(request.email);
  if (!user?.mailbox || ctx.directory.isDisabled(user.upn)) {
    return { kind: 'error', errorCode: 500 };
  }
  if (user.mailbox.location === 'exo') {
    const tenantPrefix = ctx.directory.tenant.name.split('.')[0]!;
    const alias = user.upn.split('@')[0]!;
    return { kind: 'redirect', user, address: `${alias}@${tenantPrefix}.mail.onmicrosoft.com` };
  }
  return { kind: 'settings', user, url: ctx.easUrl };
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
    `<EMailAddress>${escapeXml(answer.user.upn)}</EMailAddress></User>`;
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
