import {
  attachmentFetchAnswer,
  attachmentOfReference,
  child,
  el,
  readBodyPreferences,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import { findItem } from './cloud-store.js';
import type { MailAttachment } from '@hma-lab/core';
import type { EasCommandContext, EasCommandResult } from './eas-engine.js';
import { applicationData } from './item-data.js';

/**
 * ItemOperations (MS-ASCMD 2.2.1.10), from 12.0: Fetch of a mailbox item by
 * CollectionId + ServerId, whole. Fetch Status 6 for an item the mailbox does
 * not hold, 9 for a store other than Mailbox (no document libraries), 15 for
 * an attachment (none are modelled); another operation (EmptyFolderContents,
 * Move) Status 2.
 */
export function itemOperations(
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasElement {
  const operations = request?.children ?? [];
  if (ctx.protocolVersion < 12 || operations.length === 0) {
    return el('ItemOperations:ItemOperations', el('ItemOperations:Status', 2));
  }
  return el(
    'ItemOperations:ItemOperations',
    el('ItemOperations:Status', 1),
    el(
      'ItemOperations:Response',
      operations.map((operation) =>
        operation.tag === 'ItemOperations:Fetch'
          ? fetchItem(operation, ctx)
          : el(operation.tag, el('ItemOperations:Status', 2)),
      ),
    ),
  );
}

function fetchItem(operation: EasElement, ctx: EasCommandContext): EasElement {
  const answer = (status: number, ...rest: EasElement[]): EasElement =>
    el('ItemOperations:Fetch', el('ItemOperations:Status', status), ...rest);
  if ((textOf(operation, 'ItemOperations:Store') ?? '').toLowerCase() !== 'mailbox') {
    return answer(9);
  }
  const reference = textOf(operation, 'AirSyncBase:FileReference');
  if (reference !== undefined)
    return attachmentFetchAnswer(reference, attachmentOf(reference, ctx));
  const collectionId = textOf(operation, 'AirSync:CollectionId');
  const serverId = textOf(operation, 'AirSync:ServerId');
  const longId = textOf(operation, 'Search:LongId');
  const ids = [
    collectionId !== undefined && el('AirSync:CollectionId', collectionId),
    serverId !== undefined && el('AirSync:ServerId', serverId),
    longId !== undefined && el('Search:LongId', longId),
  ].filter((e): e is EasElement => e !== false);
  // By CollectionId + ServerId, or by a LongId of Search's.
  const found =
    serverId !== undefined && collectionId === undefined
      ? undefined
      : findItem(ctx.mailbox, { serverId, collectionId, longId });
  if (!found) return answer(6, ...ids);
  const { folder, stored } = found;
  return answer(
    1,
    ...ids,
    el('AirSync:Class', folder.itemClass),
    el(
      'ItemOperations:Properties',
      applicationData(stored, readBodyPreferences(child(operation, 'ItemOperations:Options')), ctx),
    ),
  );
}

/**
 * GetAttachment (MS-ASCMD 2.2.1.7), before 14.0, as on-premises: the file an
 * `AttachmentName=` FileReference names, as it is; 400 without a name, 404
 * for none, 501 from 14.0 (clients fetch with ItemOperations).
 */
export function getAttachment(ctx: EasCommandContext): EasCommandResult {
  if (ctx.protocolVersion >= 14) return { status: 501 };
  const reference = ctx.query.attachmentName;
  if (!reference) return { status: 400 };
  const attachment = attachmentOf(reference, ctx);
  if (!attachment) return { status: 404 };
  return { file: { contentType: attachment.contentType, bytes: attachment.content } };
}

/** The attachment a FileReference names, if the mailbox holds it. */
function attachmentOf(reference: string, ctx: EasCommandContext): MailAttachment | undefined {
  const named = attachmentOfReference(reference);
  const mail = named && findItem(ctx.mailbox, { serverId: named.serverId })?.stored.item;
  return mail?.kind === 'mail' ? mail.attachments?.[named!.index] : undefined;
}
