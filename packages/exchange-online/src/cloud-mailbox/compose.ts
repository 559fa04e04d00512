import {
  composedContent,
  el,
  readComposedMessage,
  readComposeRequest,
  rememberClientId,
  type ComposeKind,
  type ComposeRefusal,
  type EasElement,
} from '@hma-lab/activesync';
import type { RoutedMail } from '@hma-lab/core';
import { cloudMail, findItem, mailboxChanged } from './cloud-store.js';
import type { EasCommandContext, EasCommandResult } from './eas-engine.js';

/**
 * SendMail, SmartReply and SmartForward for a cloud mailbox (flow B), read as
 * on-premises reads them (@hma-lab/activesync's `readComposeRequest`): the
 * message is sent as the mailbox owner, kept in Sent Items when asked, and
 * put in the Inbox of each recipient with an Exchange Online mailbox; other
 * recipients are reported as outside the lab (`exo.eas.mail.sent`). A reply
 * or forward quotes its source mail under the client's text unless
 * `ReplaceMime`.
 *
 * Success is HTTP 200 with an empty body. Status (14.0+): 103 no Mime or
 * Source, 107 not a MIME message, 118 ClientId already sent from this device,
 * 119 no recipient, 150 the source item is not in the mailbox. Before 14.0 a
 * refusal is HTTP 500 (those versions have no Status for these commands).
 */
export function cloudCompose(
  kind: ComposeKind,
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasCommandResult {
  const fail = ({ refused }: ComposeRefusal): EasCommandResult =>
    ctx.protocolVersion >= 14
      ? { body: el(`ComposeMail:${kind}`, el('ComposeMail:Status', refused)) }
      : { status: 500 };
  const read = readComposeRequest(kind, request, ctx.rawBody, ctx.query, ctx.protocolVersion);
  if ('refused' in read) return fail(read);
  const { clientId, source } = read;
  if (clientId !== undefined && ctx.device.sentClientIds.includes(clientId)) {
    return fail({ refused: 118, message: `ClientId ${clientId} was already sent` });
  }
  const composed = readComposedMessage(read.mime);
  if ('refused' in composed) return fail(composed);
  const { message, recipients } = composed;
  const original = source
    ? findItem(ctx.mailbox, {
        serverId: source.itemId,
        collectionId: source.collectionId,
        longId: source.longId,
      })?.stored
    : undefined;
  if (source && !original) {
    return fail({ refused: 150, message: 'the source item of the reply or forward was not found' });
  }
  const quoted = original?.item.kind === 'mail' ? original.item : undefined;
  const outgoing: RoutedMail = {
    subject: message.subject,
    from: ctx.owner,
    to: message.to,
    cc: message.cc,
    ...composedContent(kind, message, quoted, read.replaceMime),
    importance: message.importance,
    mime: read.mime,
    ...(message.messageId ? { messageId: message.messageId } : {}),
  };
  if (read.saveInSent) {
    const sentItems = ctx.mailbox.folders.find((f) => f.role === 'sent');
    if (sentItems) {
      sentItems.items.push({
        serverId: `${sentItems.serverId}:${sentItems.nextItem++}`,
        item: cloudMail(outgoing, ctx.nowMs, true),
        addedAtMs: ctx.nowMs,
      });
      mailboxChanged(ctx.mailbox);
    }
  }
  const delivered: string[] = [];
  const external: string[] = [];
  for (const recipient of recipients) {
    (ctx.deliver(recipient.email, outgoing) ? delivered : external).push(recipient.email);
  }
  if (clientId !== undefined) {
    rememberClientId(ctx.device.sentClientIds, clientId);
  }
  ctx.event('exo.eas.mail.sent', `${ctx.owner.email} sent "${message.subject}" (${kind})`, {
    kind,
    delivered,
    external,
    savedInSentItems: read.saveInSent,
  });
  return { status: 200 };
}
