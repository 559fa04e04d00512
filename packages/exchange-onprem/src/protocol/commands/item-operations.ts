import {
  attachmentFetchAnswer,
  attachmentOfReference,
  child,
  el,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import type { MailAttachment } from '@hma-lab/core';
import { EasHttpError, EasStatusError } from '../../errors.js';
import { renderItem } from '../application-data.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { findItem, mailboxItemClass, renderOptionsOf } from './item-lookup.js';
import { atLeast } from '../versions.js';

/**
 * ItemOperations (MS-ASCMD 2.2.1.10): Fetch of a mailbox item by
 * CollectionId + ServerId or by LongId (with BodyPreference), and
 * EmptyFolderContents, and of a mail's attachment by FileReference (its bytes);
 * document libraries are not served (Status 9 unknown store); Move is answered
 * Status 2.
 *
 * Status: 1 ok, 2 protocol error, 6 item not found, 9 unknown store,
 * 15 attachment not found.
 */
export function itemOperationsCommand(request: EasElement, ctx: CommandContext): CommandResult {
  if (!atLeast(ctx.protocolVersion, '12.0'))
    throw new EasStatusError(2, 'ItemOperations needs 12.0');
  const responses = request.children.map((operation) => {
    switch (operation.tag) {
      case 'ItemOperations:Fetch':
        return fetch(operation, ctx);
      case 'ItemOperations:EmptyFolderContents':
        return emptyFolder(operation, ctx);
      default:
        return el(operation.tag, el('ItemOperations:Status', 2));
    }
  });
  if (responses.length === 0) throw new EasStatusError(2, 'ItemOperations without operations');
  return {
    body: el(
      'ItemOperations:ItemOperations',
      el('ItemOperations:Status', 1),
      el('ItemOperations:Response', responses),
    ),
  };
}

function fetch(operation: EasElement, ctx: CommandContext): EasElement {
  const store = textOf(operation, 'ItemOperations:Store') ?? '';
  const fail = (status: number, ...ids: EasElement[]): EasElement =>
    el('ItemOperations:Fetch', el('ItemOperations:Status', status), ids);
  if (store.toLowerCase() !== 'mailbox') return fail(9);
  if (child(operation, 'AirSyncBase:FileReference')) return fetchAttachment(operation, ctx);
  const serverId = textOf(operation, 'AirSync:ServerId');
  const collectionId = textOf(operation, 'AirSync:CollectionId');
  const longId = textOf(operation, 'Search:LongId');
  const idElements = [
    collectionId !== undefined && el('AirSync:CollectionId', collectionId),
    serverId !== undefined && el('AirSync:ServerId', serverId),
    longId !== undefined && el('Search:LongId', longId),
  ].filter((e): e is EasElement => e !== false);
  const item = findItem(ctx.mailbox, { serverId, collectionId, longId });
  if (!item || (ctx.config.quarantine === 'notice' && ctx.access().level === 'Quarantine')) {
    return fail(6, ...idElements);
  }
  const options = child(operation, 'ItemOperations:Options');
  return el(
    'ItemOperations:Fetch',
    el('ItemOperations:Status', 1),
    idElements,
    el('AirSync:Class', mailboxItemClass(item)),
    el(
      'ItemOperations:Properties',
      renderItem(item, renderOptionsOf(options, ctx.protocolVersion)),
    ),
  );
}

function emptyFolder(operation: EasElement, ctx: CommandContext): EasElement {
  const collectionId = textOf(operation, 'AirSync:CollectionId') ?? '';
  const folder = ctx.mailbox.folder(collectionId);
  if (!folder) {
    return el(
      'ItemOperations:EmptyFolderContents',
      el('ItemOperations:Status', 6),
      el('AirSync:CollectionId', collectionId),
    );
  }
  for (const item of ctx.mailbox.items(folder.serverId)) ctx.mailbox.deleteItem(item.serverId);
  const options = child(operation, 'ItemOperations:Options');
  if (options && child(options, 'ItemOperations:DeleteSubFolders')) {
    for (const sub of ctx.mailbox.folders().filter((f) => f.parentId === folder.serverId)) {
      ctx.mailbox.deleteFolder(sub.serverId);
    }
  }
  return el(
    'ItemOperations:EmptyFolderContents',
    el('ItemOperations:Status', 1),
    el('AirSync:CollectionId', collectionId),
  );
}

/**
 * Fetch of an attachment by its FileReference (MS-ASCMD 2.2.3.69.1): its
 * content type and bytes (base64 text in `ItemOperations:Data`), Status 15
 * for a reference to no attachment of the mailbox (or, quarantined, of none).
 */
function fetchAttachment(operation: EasElement, ctx: CommandContext): EasElement {
  const reference = textOf(operation, 'AirSyncBase:FileReference') ?? '';
  return attachmentFetchAnswer(reference, attachmentOf(reference, ctx));
}

/**
 * GetAttachment (MS-ASCMD 2.2.1.7), before 14.0: the file a FileReference
 * (`AttachmentName=` in the query) names, as it is, with its content type.
 * From 14.0 clients fetch with ItemOperations and the command is not offered:
 * HTTP 501. A request without AttachmentName is 400; a reference to no
 * attachment of the mailbox 404 ([unconfirmed] the status Exchange gives).
 */
export function getAttachmentCommand(ctx: CommandContext): CommandResult {
  if (Number(ctx.protocolVersion) >= 14) {
    throw new EasHttpError(
      501,
      'NotImplemented',
      'GetAttachment is not offered from 14.0: fetch attachments with ItemOperations',
    );
  }
  const reference = ctx.line.attachmentName;
  if (!reference) throw new EasHttpError(400, 'BadRequest', 'GetAttachment without AttachmentName');
  const attachment = attachmentOf(reference, ctx);
  if (!attachment) throw new EasHttpError(404, 'NotFound', `no attachment ${reference}`);
  return { file: { contentType: attachment.contentType, bytes: attachment.content } };
}

/** The attachment a FileReference names, if the mailbox holds it (and the device may see it). */
function attachmentOf(reference: string, ctx: CommandContext): MailAttachment | undefined {
  if (ctx.config.quarantine === 'notice' && ctx.access().level === 'Quarantine') return undefined;
  const named = attachmentOfReference(reference);
  const item = named && ctx.mailbox.item(named.serverId);
  return item?.data.kind === 'mail' ? item.data.attachments?.[named!.index] : undefined;
}
