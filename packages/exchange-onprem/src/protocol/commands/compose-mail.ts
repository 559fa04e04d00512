import { child, textOf, type EasElement } from '@hma-lab/activesync';
import type { Address } from '@hma-lab/core';
import { EasHttpError, EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { formatAddressList } from '../eas-format.js';
import { MimeError, parseMime, type ParsedMessage } from '../mime.js';
import type { StoredItem } from '../mailbox-store.js';
import { atLeast } from '../versions.js';
import { findItem } from './item-lookup.js';

/**
 * SendMail, SmartReply, SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.20).
 * From 14.0 the request is WBXML (`ClientId`, `SaveInSentItems`, `Mime`,
 * `Source`); before, the body is the MIME message itself and `SaveInSent=T`,
 * `ItemId`, `CollectionId` come in the query. The message is sent as the
 * mailbox owner, saved in Sent Items when asked, and delivered to the Inbox of
 * every on-prem lab mailbox among its recipients (others are recorded in the
 * trace as sent outside the organisation).
 *
 * Success is HTTP 200 with an empty body. Status (14.0+): 107 invalid MIME,
 * 118 ClientId already used, 119 no recipient, 150 the source item is gone.
 * Before 14.0 failures are HTTP 500 (MS-ASCMD 2.2.1.17: no Status element).
 */
export type ComposeKind = 'SendMail' | 'SmartReply' | 'SmartForward';

export function composeCommand(
  kind: ComposeKind,
  request: EasElement | undefined,
  rawBody: Buffer,
  ctx: CommandContext,
): CommandResult {
  const modern = atLeast(ctx.protocolVersion, '14.0');
  const fail = (status: number, message: string): never => {
    if (modern) throw new EasStatusError(status, message);
    throw new EasHttpError(500, `Status${status}`, message);
  };
  let mime: Buffer;
  let clientId: string | undefined;
  let save: boolean;
  let source: { itemId?: string; collectionId?: string; longId?: string } | undefined;
  let replaceMime = false;
  if (modern) {
    if (!request) return fail(103, `${kind} without a body`);
    const mimeElement = child(request, 'ComposeMail:Mime');
    if (!mimeElement) return fail(103, `${kind} without Mime`);
    mime = mimeElement.opaque
      ? Buffer.from(mimeElement.opaque)
      : Buffer.from(mimeElement.text ?? '', 'utf8');
    clientId = textOf(request, 'ComposeMail:ClientId');
    save = child(request, 'ComposeMail:SaveInSentItems') !== undefined;
    replaceMime = child(request, 'ComposeMail:ReplaceMime') !== undefined;
    const sourceElement = child(request, 'ComposeMail:Source');
    if (sourceElement) {
      source = {};
      const itemId = textOf(sourceElement, 'ComposeMail:ItemId');
      const collectionId = textOf(sourceElement, 'ComposeMail:FolderId');
      const longId = textOf(sourceElement, 'ComposeMail:LongId');
      if (itemId !== undefined) source.itemId = itemId;
      if (collectionId !== undefined) source.collectionId = collectionId;
      if (longId !== undefined) source.longId = longId;
    }
  } else {
    mime = rawBody;
    save = ctx.line.saveInSent === true;
    if (kind !== 'SendMail') {
      source = {};
      if (ctx.line.itemId !== undefined) source.itemId = ctx.line.itemId;
      if (ctx.line.collectionId !== undefined) source.collectionId = ctx.line.collectionId;
      if (ctx.line.longId !== undefined) source.longId = ctx.line.longId;
    }
  }
  if (kind !== 'SendMail' && !source) return fail(103, `${kind} without Source`);

  if (clientId !== undefined && ctx.device.sentClientIds.includes(clientId)) {
    return fail(118, `ClientId ${clientId} was already sent`);
  }
  let parsed: ParsedMessage;
  try {
    parsed = parseMime(mime);
  } catch (error) {
    if (error instanceof MimeError) return fail(107, error.message);
    throw error;
  }
  const recipients = [...parsed.to, ...parsed.cc, ...parsed.bcc];
  if (recipients.length === 0) return fail(119, 'the message has no recipient');

  let original: StoredItem | undefined;
  if (source) {
    original = findItem(ctx.mailbox, {
      serverId: source.itemId,
      collectionId: source.collectionId,
      longId: source.longId,
    });
    if (!original) return fail(150, 'the source item of the reply or forward was not found');
  }
  const owner = ctx.mailbox.owner;
  const bodyText =
    original && !replaceMime ? `${parsed.text}\r\n\r\n${quoteOriginal(original)}` : parsed.text;
  const nowMs = ctx.clock.now();
  const outgoing = {
    subject: parsed.subject,
    from: owner,
    to: parsed.to,
    cc: parsed.cc,
    bodyText,
    ...(parsed.html && (!original || replaceMime) ? { bodyHtml: parsed.html } : {}),
    importance: parsed.importance,
  };
  if (save) {
    const sent = ctx.mailbox.folderByRole('sent');
    if (sent) {
      ctx.mailbox.addItem(sent.serverId, {
        kind: 'mail',
        ...outgoing,
        receivedMs: nowMs,
        read: true,
        messageClass: 'IPM.Note',
        flagStatus: 0,
        categories: [],
        mime,
        messageId: parsed.messageId ?? '',
      });
    }
  }
  const delivered: string[] = [];
  const external: string[] = [];
  for (const recipient of dedupe(recipients)) {
    const ok = ctx.deliver(recipient.email, {
      ...outgoing,
      mime,
      ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    });
    (ok ? delivered : external).push(recipient.email);
  }
  if (clientId !== undefined) {
    ctx.device.sentClientIds.push(clientId);
    if (ctx.device.sentClientIds.length > 500) ctx.device.sentClientIds.shift();
  }
  ctx.event('onprem.eas.mail.sent', `${owner.email} sent "${parsed.subject}" (${kind})`, {
    kind,
    delivered,
    external,
    savedInSentItems: save,
  });
  return {};
}

function dedupe(addresses: Address[]): Address[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const key = a.email.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function quoteOriginal(item: StoredItem): string {
  const d = item.data;
  if (d.kind !== 'mail') return '';
  return [
    '-----Original Message-----',
    `From: ${formatAddressList([d.from])}`,
    `Sent: ${new Date(d.receivedMs).toUTCString()}`,
    `To: ${formatAddressList(d.to)}`,
    `Subject: ${d.subject}`,
    '',
    d.bodyText,
  ].join('\r\n');
}
