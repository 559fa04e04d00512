import { resolveRecipients, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';

/**
 * ResolveRecipients (MS-ASCMD 2.2.1.15) against the directory (Type 1, GAL)
 * and the user's contacts (Type 2), as @hma-lab/activesync's
 * `resolveRecipients` answers it. Status 5 without any `To`.
 */
export function resolveRecipientsCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const contacts = ctx.mailbox
    .folders()
    .flatMap((f) => ctx.mailbox.items(f.serverId))
    .flatMap((i) => (i.data.kind === 'contact' ? [i.data] : []));
  const body = resolveRecipients(request, ctx.directory.users(), contacts);
  if (!body) throw new EasStatusError(5, 'ResolveRecipients without To');
  return { body };
}
