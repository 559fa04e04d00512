import type { Request, RequestHandler, Response } from 'express';
import type { Clock, FolderRole } from '@hma-lab/core';
import { folderOfType, itemsOf } from '../cache/cloud-cache.js';
import type { CloudMailbox } from '../cloud-mailbox/cloud-store.js';
import { HmaApiError } from '../errors.js';
import {
  byReceivedDesc,
  contactFromCache,
  contactFromSeed,
  eventFromCache,
  eventFromSeed,
  messageFromCache,
  messageFromSeed,
  type MessageBody,
} from '../protocol/mailbox-view.js';
import { mailboxSourceOf, unsupportedFeature, type MailboxSourceDeps } from './mailbox-source.js';

export interface MailboxEndpointDeps extends MailboxSourceDeps {
  clock: Clock;
  mailWindowMs: number;
}

/** Folder names the API accepts, and the store role they map to. */
const FOLDERS: Record<string, FolderRole> = {
  inbox: 'inbox',
  drafts: 'drafts',
  sentitems: 'sent',
  sent: 'sent',
  deleteditems: 'deleted',
  deleted: 'deleted',
  outbox: 'outbox',
};

function folderParam(req: Request): string {
  const value = req.query.folder;
  return (typeof value === 'string' && value ? value : 'inbox').toLowerCase();
}

function cloudFolder(mailbox: CloudMailbox, role: FolderRole) {
  return mailbox.folders.find((f) => f.role === role);
}

/**
 * `GET /api/hma/v1/mailbox/messages?folder=inbox` (step 20). A hybrid account
 * is served from the cloud cache, never mail older than the cache window;
 * drafts are refused ("not supported for this account"); only the Inbox is
 * synced. A cloud mailbox is served from Exchange Online's store.
 */
export function messagesEndpoint(deps: MailboxEndpointDeps): RequestHandler {
  return async function messages(req: Request, res: Response) {
    const folder = folderParam(req);
    const role = FOLDERS[folder];
    if (!role) {
      throw new HmaApiError(400, 'InvalidFolder', `Unknown folder "${folder.slice(0, 50)}".`);
    }
    const source = await mailboxSourceOf(deps, res);
    if (source.kind === 'cloud') {
      const items = cloudFolder(source.mailbox, role)?.items ?? [];
      const value = items
        .filter((s) => s.item.kind === 'mail')
        .map((s) => messageFromSeed(s.serverId, s.item as Parameters<typeof messageFromSeed>[1], s))
        .sort(byReceivedDesc);
      res.json({ value });
      return;
    }
    if (role === 'drafts') throw unsupportedFeature('draftsSync');
    if (role !== 'inbox') {
      throw new HmaApiError(
        400,
        'FolderNotSynced',
        `Only the Inbox is kept in the cloud cache of a hybrid account in this lab, not "${folder}".`,
      );
    }
    const windowStartMs = deps.clock.now() - deps.mailWindowMs;
    const inbox = folderOfType(source.cache, 2);
    const value: MessageBody[] = itemsOf(source.cache, inbox?.serverId)
      .filter((item) => item.receivedMs !== undefined && item.receivedMs >= windowStartMs)
      .map(messageFromCache)
      .sort(byReceivedDesc);
    res.json({ value, accountState: source.account.state });
  };
}

/** `GET /api/hma/v1/mailbox/events` (step 20): the default calendar; others are shared/delegate calendars. */
export function eventsEndpoint(deps: MailboxEndpointDeps): RequestHandler {
  return async function events(req: Request, res: Response) {
    const calendar = typeof req.query.calendar === 'string' ? req.query.calendar.toLowerCase() : '';
    const source = await mailboxSourceOf(deps, res);
    const isDefault = calendar === '' || calendar === 'default' || calendar === 'primary';
    if (source.kind === 'hybrid') {
      if (!isDefault) throw unsupportedFeature('sharedCalendars');
      const folder = folderOfType(source.cache, 8);
      const value = itemsOf(source.cache, folder?.serverId)
        .map(eventFromCache)
        .sort((a, b) => a.start.localeCompare(b.start));
      res.json({ value, accountState: source.account.state });
      return;
    }
    const items = isDefault ? (cloudFolder(source.mailbox, 'calendar')?.items ?? []) : [];
    const value = items
      .filter((s) => s.item.kind === 'calendar')
      .map((s) => eventFromSeed(s.serverId, s.item as Parameters<typeof eventFromSeed>[1]))
      .sort((a, b) => a.start.localeCompare(b.start));
    res.json({ value });
  };
}

/** `GET /api/hma/v1/mailbox/contacts` (step 20). */
export function contactsEndpoint(deps: MailboxEndpointDeps): RequestHandler {
  return async function contacts(_req: Request, res: Response) {
    const source = await mailboxSourceOf(deps, res);
    if (source.kind === 'hybrid') {
      const folder = folderOfType(source.cache, 9);
      const value = itemsOf(source.cache, folder?.serverId).map(contactFromCache);
      res.json({ value, accountState: source.account.state });
      return;
    }
    const items = cloudFolder(source.mailbox, 'contacts')?.items ?? [];
    const value = items
      .filter((s) => s.item.kind === 'contact')
      .map((s) => contactFromSeed(s.serverId, s.item as Parameters<typeof contactFromSeed>[1]));
    res.json({ value });
  };
}

/**
 * The features HMA does not offer on-prem mailboxes: tasks, shared/delegate
 * calendars, calendar attachments, drafts. A hybrid account gets 403
 * `NotSupportedForThisAccount`; a cloud mailbox gets its (empty) data.
 */
export function featureEndpoint(
  deps: MailboxEndpointDeps,
  feature: 'tasks' | 'sharedCalendars' | 'calendarAttachments' | 'draftsSync',
): RequestHandler {
  return async function optionalFeature(_req: Request, res: Response) {
    const source = await mailboxSourceOf(deps, res);
    if (source.kind === 'hybrid') throw unsupportedFeature(feature);
    if (feature === 'tasks') {
      const items = cloudFolder(source.mailbox, 'tasks')?.items ?? [];
      res.json({ value: items.map((s) => ({ id: s.serverId })) });
      return;
    }
    if (feature === 'draftsSync') {
      const items = cloudFolder(source.mailbox, 'drafts')?.items ?? [];
      res.json({
        value: items
          .filter((s) => s.item.kind === 'mail')
          .map((s) =>
            messageFromSeed(s.serverId, s.item as Parameters<typeof messageFromSeed>[1], s),
          ),
      });
      return;
    }
    res.json({ value: [] });
  };
}
