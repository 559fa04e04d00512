import { children, el, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';

/**
 * ResolveRecipients (MS-ASCMD 2.2.1.15) against the directory (Type 1, GAL)
 * and the user's contacts (Type 2). Certificates and availability are not
 * modelled. Status per `To`: 1 resolved, 2 ambiguous (several), 4 not found.
 */
export function resolveRecipientsCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const names = children(request, 'ResolveRecipients:To').map((t) => t.text ?? '');
  if (names.length === 0) throw new EasStatusError(5, 'ResolveRecipients without To');
  const contacts = ctx.mailbox
    .folders()
    .flatMap((f) => ctx.mailbox.items(f.serverId))
    .flatMap((i) => (i.data.kind === 'contact' ? [i.data] : []));
  const responses = names.map((name) => {
    const q = name.trim().toLowerCase();
    const gal = ctx.directory
      .users()
      .filter((u) => u.upn.toLowerCase() === q || u.displayName.toLowerCase().startsWith(q))
      .map((u) => ({ type: 1, name: u.displayName, email: u.upn }));
    const own = contacts
      .filter(
        (c) =>
          c.email.toLowerCase() === q || `${c.firstName} ${c.lastName}`.toLowerCase().startsWith(q),
      )
      .map((c) => ({ type: 2, name: `${c.firstName} ${c.lastName}`.trim(), email: c.email }));
    const found = [...gal, ...own];
    const status = found.length === 0 ? 4 : found.length === 1 ? 1 : 2;
    return el(
      'ResolveRecipients:Response',
      el('ResolveRecipients:To', name),
      el('ResolveRecipients:Status', status),
      el('ResolveRecipients:RecipientCount', found.length),
      found.map((r) =>
        el(
          'ResolveRecipients:Recipient',
          el('ResolveRecipients:Type', r.type),
          el('ResolveRecipients:DisplayName', r.name),
          el('ResolveRecipients:EmailAddress', r.email),
        ),
      ),
    );
  });
  return {
    body: el('ResolveRecipients:ResolveRecipients', el('ResolveRecipients:Status', 1), responses),
  };
}
