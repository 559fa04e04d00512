import { child, children, el, textOf, type EasElement } from '@hma-lab/activesync';
import type { CloudMailbox } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';

export function settings(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const parts: EasElement[] = [el('Settings:Status', 1)];
  if (request && child(request, 'Settings:DeviceInformation')) {
    parts.push(el('Settings:DeviceInformation', el('Settings:Status', 1)));
  }
  if (request && child(request, 'Settings:UserInformation')) {
    parts.push(
      el(
        'Settings:UserInformation',
        el('Settings:Status', 1),
        el(
          'Settings:Get',
          el('Settings:EmailAddresses', el('Settings:SMTPAddress', ctx.mailbox.upn)),
        ),
      ),
    );
  }
  const oofRequest = request ? child(request, 'Settings:Oof') : undefined;
  const oofSet = oofRequest ? child(oofRequest, 'Settings:Set') : undefined;
  if (oofSet) parts.push(el('Settings:Oof', el('Settings:Status', setOof(oofSet, ctx.mailbox))));
  else if (oofRequest) {
    const oof = ctx.mailbox.oof;
    parts.push(
      el(
        'Settings:Oof',
        el('Settings:Status', 1),
        el(
          'Settings:Get',
          el('Settings:OofState', oof.state === 'enabled' ? 1 : 0),
          oofMessage('Settings:AppliesToInternal', oof.state === 'enabled', oof.internalReply),
          oofMessage(
            'Settings:AppliesToExternalUnknown',
            oof.state === 'enabled',
            oof.externalReply,
          ),
        ),
      ),
    );
  }
  return el('Settings:Settings', parts);
}

/**
 * Settings Oof Set: OofState 0 or 1 with the replies it carries (internal;
 * external unknown, else known), the others kept. Scheduled OOF (2) is not
 * modelled here: Status 5, invalid arguments, nothing changed. Returns the
 * Oof Status.
 */
function setOof(set: EasElement, mailbox: CloudMailbox): number {
  const state = textOf(set, 'Settings:OofState');
  if (state !== '0' && state !== '1') return 5;
  const messages = children(set, 'Settings:OofMessage');
  const reply = (tag: string): string | undefined => {
    const message = messages.find((m) => child(m, tag));
    return message ? textOf(message, 'Settings:ReplyMessage') : undefined;
  };
  // A new object: the seed the mailbox started from may be shared.
  mailbox.oof = {
    state: state === '1' ? 'enabled' : 'disabled',
    internalReply: reply('Settings:AppliesToInternal') ?? mailbox.oof.internalReply,
    externalReply:
      reply('Settings:AppliesToExternalUnknown') ??
      reply('Settings:AppliesToExternalKnown') ??
      mailbox.oof.externalReply,
  };
  return 1;
}

/** One audience's OofMessage of an Oof Get answer (MS-ASCMD 2.2.3.114). */
function oofMessage(audience: string, enabled: boolean, reply: string): EasElement {
  return el(
    'Settings:OofMessage',
    el(audience),
    el('Settings:Enabled', enabled ? 1 : 0),
    el('Settings:ReplyMessage', reply),
    el('Settings:BodyType', 'Text'),
  );
}
