import { el, type EasElement } from '../wbxml/element.js';

/** A file a mail carries, as both lab servers keep it. */
export interface ListedAttachment {
  name: string;
  contentType: string;
  content: Uint8Array;
  /** Shown in the body (an image the HTML refers to by Content-ID), not listed. */
  inline?: boolean;
  contentId?: string;
}

/**
 * `AirSyncBase:Attachments` (MS-ASAIRS 2.2.2.7): each file's name, size and
 * FileReference, by which ItemOperations Fetch (or GetAttachment before 14.0)
 * brings its bytes.
 */
export function attachmentList(
  attachments: readonly ListedAttachment[],
  serverId: string,
): EasElement {
  return el(
    'AirSyncBase:Attachments',
    attachments.map((a, index) =>
      el(
        'AirSyncBase:Attachment',
        el('AirSyncBase:DisplayName', a.name),
        el('AirSyncBase:FileReference', attachmentReference(serverId, index)),
        el('AirSyncBase:Method', 1),
        el('AirSyncBase:EstimatedDataSize', a.content.length),
        a.contentId !== undefined && el('AirSyncBase:ContentId', a.contentId),
        a.inline && el('AirSyncBase:IsInline', 1),
      ),
    ),
  );
}

/** A FileReference: the mail's ServerId and the attachment's place, `<ServerId>:<n>`. */
export function attachmentReference(serverId: string, index: number): string {
  return `${serverId}:${index}`;
}

/** The mail's ServerId and the attachment's place a FileReference names; undefined when it names none. */
export function attachmentOfReference(
  reference: string,
): { serverId: string; index: number } | undefined {
  const cut = reference.lastIndexOf(':');
  const index = Number(reference.slice(cut + 1));
  if (cut <= 0 || !Number.isSafeInteger(index) || index < 0) return undefined;
  return { serverId: reference.slice(0, cut), index };
}

/**
 * ItemOperations' answer to a Fetch by FileReference (MS-ASCMD 2.2.3.69.1):
 * the content type and the bytes (base64 in `ItemOperations:Data`), or Status
 * 15 when the reference names no attachment.
 */
export function attachmentFetchAnswer(
  reference: string,
  attachment: ListedAttachment | undefined,
): EasElement {
  const referenceElement = el('AirSyncBase:FileReference', reference);
  if (!attachment) {
    return el('ItemOperations:Fetch', el('ItemOperations:Status', 15), referenceElement);
  }
  return el(
    'ItemOperations:Fetch',
    el('ItemOperations:Status', 1),
    referenceElement,
    el(
      'ItemOperations:Properties',
      el('AirSyncBase:ContentType', attachment.contentType),
      el('ItemOperations:Data', Buffer.from(attachment.content).toString('base64')),
    ),
  );
}
