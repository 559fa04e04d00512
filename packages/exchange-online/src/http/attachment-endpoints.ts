import type { Request, RequestHandler, Response } from 'express';
import type { MailItem } from '@hma-lab/core';
import { folderOfType } from '../cache/cloud-cache.js';
import { HmaApiError } from '../errors.js';
import {
  attachmentsFromCache,
  attachmentsFromSeed,
  type AttachmentBody,
  type FileAttachmentBody,
} from '../protocol/mailbox-view.js';
import { mailboxSourceOf, type MailboxSource, type MailboxSourceDeps } from './mailbox-source.js';

/** A message's files as listed, and how to read one's bytes. */
interface MessageFiles {
  listed: AttachmentBody[];
  read(index: number): Promise<{ contentType: string; bytes: Uint8Array }>;
}

/**
 * The message `:id` of the caller's mailbox: a cached Inbox message of a
 * hybrid account (its bytes fetched from on-premises when asked), or a
 * message of any folder of a cloud mailbox. 404 `MessageNotFound` otherwise.
 */
function messageFiles(deps: MailboxSourceDeps, source: MailboxSource, id: string): MessageFiles {
  if (source.kind === 'cloud') {
    const stored = source.mailbox.folders
      .flatMap((f) => f.items)
      .find((s) => s.serverId === id && s.item.kind === 'mail');
    if (stored) {
      const mail = stored.item as MailItem;
      return {
        listed: attachmentsFromSeed(mail),
        read: (index) => {
          const file = mail.attachments![index]!;
          return Promise.resolve({ contentType: file.contentType, bytes: file.content });
        },
      };
    }
  } else {
    const inbox = folderOfType(source.cache, 2);
    const cached = inbox ? source.cache.items.get(inbox.serverId)?.get(id) : undefined;
    if (cached) {
      const upn = source.account.upn;
      return {
        listed: attachmentsFromCache(cached),
        read: (index) =>
          deps.accounts.fetchAttachment(upn, cached.attachments![index]!.fileReference),
      };
    }
  }
  throw new HmaApiError(404, 'MessageNotFound', `No message "${id.slice(0, 80)}" in this mailbox.`);
}

/**
 * `GET /api/hma/v1/mailbox/messages/:id/attachments` (step 20): the files a
 * message carries, without their bytes. A hybrid account lists what
 * on-premises listed when the message was synced.
 */
export function attachmentsEndpoint(deps: MailboxSourceDeps): RequestHandler {
  return async function attachments(req: Request, res: Response) {
    const source = await mailboxSourceOf(deps, res);
    const { listed } = messageFiles(deps, source, String(req.params['id']));
    res.json({ value: listed });
  };
}

/**
 * `GET /api/hma/v1/mailbox/messages/:id/attachments/:attachmentId` (step
 * 20): one file with its bytes (`contentBytes`, base64). For a hybrid
 * account Exchange Online fetches it from on-premises with AT2 (ActiveSync
 * ItemOperations by its FileReference) each time: the cloud cache keeps no
 * file. 404 `AttachmentNotFound` for an id the message does not list.
 */
export function attachmentEndpoint(deps: MailboxSourceDeps): RequestHandler {
  return async function attachment(req: Request, res: Response) {
    const source = await mailboxSourceOf(deps, res);
    const files = messageFiles(deps, source, String(req.params['id']));
    const id = String(req.params['attachmentId']);
    const index = /^(0|[1-9][0-9]{0,5})$/.test(id) ? Number(id) : -1;
    const listed = files.listed[index];
    if (!listed) {
      throw new HmaApiError(404, 'AttachmentNotFound', 'The message has no such attachment.');
    }
    const file = await files.read(index);
    const body: FileAttachmentBody = {
      ...listed,
      contentType: file.contentType || listed.contentType,
      size: file.bytes.length,
      contentBytes: Buffer.from(file.bytes).toString('base64'),
    };
    res.json(body);
  };
}
