import {
  composedContent,
  readComposedMessage,
  readComposeRequest,
  rememberClientId,
  type ComposeKind,
  type ComposeRefusal,
  type EasElement,
} from '@hma-lab/activesync';
import { EasHttpError, EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import type { StoredItem } from '../mailbox-store.js';
import { findItem } from './item-lookup.js';

/**
 * SendMail, SmartReply, SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.19, 2.2.1.20).
 * From 14.0 the request is WBXML (`ClientId`, `SaveInSentItems`, `Mime`,
 * `Source`); before, the body is the MIME message itself and `SaveInSent=T`,
 * `ItemId`, `CollectionId` come in the query. The message is sent as the
 * mailbox owner, saved in Sent Items when asked, and delivered to the Inbox of
 * every on-prem lab mailbox among its recipients, and through the service's
 * mail route (`routeMail`) to those of Exchange Online; the others are recorded
 * in the trace as outside the organisation.
 *
 * Success is HTTP 200 with an empty body. Status (14.0+): 107 invalid MIME,
 * 118 ClientId already used, 119 no recipient, 150 the source item is gone.
 * Before 14.0 failures are HTTP 500 (MS-ASCMD 2.2.1.17: no Status element).
 */
export function composeCommand(
  kind: ComposeKind,
  request: EasElement | undefined,
  rawBody: Buffer,
  ctx: CommandContext,
): CommandResult {
  const version = Number(ctx.protocolVersion);
  const fail = ({ refused, message }: ComposeRefusal): never => {
    if (version >= 14) throw new EasStatusError(refused, message);
    throw new EasHttpError(500, `Status${refused}`, message);
  };
  const read = readComposeRequest(kind, request, rawBody, ctx.line, version);
  if ('refused' in read) return fail(read);
  const { mime, clientId, source } = read;
  if (clientId !== undefined && ctx.device.sentClientIds.includes(clientId)) {
    return fail({ refused: 118, message: `ClientId ${clientId} was already sent` });
  }
  const composed = readComposedMessage(mime);
  if ('refused' in composed) return fail(composed);
  const { message: parsed, recipients } = composed;

  let original: StoredItem | undefined;
  if (source) {
    original = findItem(ctx.mailbox, {
      serverId: source.itemId,
      collectionId: source.collectionId,
      longId: source.longId,
    });
    if (!original) {
      return fail({
        refused: 150,
        message: 'the source item of the reply or forward was not found',
      });
    }
  }
  const owner = ctx.mailbox.owner;
  const nowMs = ctx.clock.now();
  const outgoing = {
    subject: parsed.subject,
    from: owner,
    to: parsed.to,
    cc: parsed.cc,
    ...composedContent(
      kind,
      parsed,
      original?.data.kind === 'mail' ? original.data : undefined,
      read.replaceMime,
    ),
    importance: parsed.importance,
  };
  if (read.saveInSent) {
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
  for (const recipient of recipients) {
    const ok = ctx.deliver(recipient.email, {
      ...outgoing,
      mime,
      ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    });
    (ok ? delivered : external).push(recipient.email);
  }
  if (clientId !== undefined) {
    rememberClientId(ctx.device.sentClientIds, clientId);
  }
  ctx.event('onprem.eas.mail.sent', `${owner.email} sent "${parsed.subject}" (${kind})`, {
    kind,
    delivered,
    external,
    savedInSentItems: read.saveInSent,
  });
  return {};
}
