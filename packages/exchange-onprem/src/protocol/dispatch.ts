import { COMMAND_SHAPES, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../errors.js';
import type { CommandContext, CommandResult } from './command-context.js';

import { composeCommand } from './commands/compose-mail.js';
import {
  folderCreateCommand,
  folderDeleteCommand,
  folderSyncCommand,
  folderUpdateCommand,
} from './commands/folder-sync.js';
import { getItemEstimateCommand } from './commands/get-item-estimate.js';
import { getAttachmentCommand, itemOperationsCommand } from './commands/item-operations.js';
import { meetingResponseCommand } from './commands/meeting-response.js';
import { moveItemsCommand } from './commands/move-items.js';
import { pingCommand } from './commands/ping.js';
import { provisionCommand } from './commands/provision.js';
import { resolveRecipientsCommand } from './commands/resolve-recipients.js';
import { findCommand, searchCommand } from './commands/search.js';
import { settingsCommand } from './commands/settings.js';
import { syncCommand } from './commands/sync.js';
import { validateCertCommand } from './commands/validate-cert.js';

/**
 * The commands this server runs, by `Cmd=`. Each receives the decoded WBXML
 * body (undefined when empty; only Sync and Ping accept that) and, for the
 * mail commands before 14.0, the raw MIME body.
 */
type Handler = (
  body: EasElement | undefined,
  raw: Buffer,
  ctx: CommandContext,
) => CommandResult | Promise<CommandResult>;

const required =
  (
    run: (body: EasElement, ctx: CommandContext) => CommandResult | Promise<CommandResult>,
  ): Handler =>
  (body, _raw, ctx) => {
    if (!body)
      throw new EasStatusError(
        COMMAND_SHAPES[ctx.line.cmd]!.protocolError,
        `${ctx.line.cmd} needs a body`,
      );
    return run(body, ctx);
  };

const HANDLERS: Readonly<Record<string, Handler>> = {
  Provision: required(provisionCommand),
  Settings: required(settingsCommand),
  FolderSync: required(folderSyncCommand),
  FolderCreate: required(folderCreateCommand),
  FolderUpdate: required(folderUpdateCommand),
  FolderDelete: required(folderDeleteCommand),
  Sync: (body, _raw, ctx) => syncCommand(body, ctx),
  GetItemEstimate: required(getItemEstimateCommand),
  Ping: (body, _raw, ctx) => pingCommand(body, ctx),
  ItemOperations: required(itemOperationsCommand),
  GetAttachment: (_body, _raw, ctx) => getAttachmentCommand(ctx),
  Search: required(searchCommand),
  Find: required(findCommand),
  SendMail: (body, raw, ctx) => composeCommand('SendMail', body, raw, ctx),
  SmartReply: (body, raw, ctx) => composeCommand('SmartReply', body, raw, ctx),
  SmartForward: (body, raw, ctx) => composeCommand('SmartForward', body, raw, ctx),
  MoveItems: required(moveItemsCommand),
  ResolveRecipients: required(resolveRecipientsCommand),
  MeetingResponse: required(meetingResponseCommand),
  ValidateCert: required(validateCertCommand),
};

/** Commands the lab implements. */
export const IMPLEMENTED_COMMANDS: readonly string[] = Object.keys(HANDLERS);

/** Runs a command; the root element has been checked against `Cmd=` already. */
export function runCommand(
  command: string,
  body: EasElement | undefined,
  raw: Buffer,
  ctx: CommandContext,
): CommandResult | Promise<CommandResult> {
  const handler = HANDLERS[command];
  if (!handler) throw new Error(`no handler for ${command}`);
  return handler(body, raw, ctx);
}
