import {
  child,
  children,
  easDateTime,
  el,
  parseEasDate,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { recordDeviceInformation } from '../device-information.js';
import type { OofSettings } from '../mailbox-store.js';
import { atLeast } from '../versions.js';

/**
 * Settings (MS-ASCMD 2.2.1.18): Oof Get/Set, DeviceInformation Set,
 * DevicePassword Set, UserInformation Get, RightsManagementInformation Get.
 * Each part answers with its own Status, in request order. Access rules are
 * applied after DeviceInformation is recorded (Status 129 for a blocked device).
 * The HTTP layer adds `X-MS-RP` (the versions the server supports).
 */
export function settingsCommand(request: EasElement, ctx: CommandContext): CommandResult {
  recordDeviceInformation(request, ctx.device);
  const access = ctx.access();
  if (
    access.level === 'Block' ||
    (access.level === 'Quarantine' && ctx.config.quarantine === 'block')
  ) {
    throw new EasStatusError(129, `device ${ctx.device.deviceId} is blocked (${access.reason})`);
  }
  const parts: EasElement[] = [];
  for (const part of request.children) {
    switch (part.tag) {
      case 'Settings:Oof':
        parts.push(oof(part, ctx));
        break;
      case 'Settings:DeviceInformation':
        parts.push(el('Settings:DeviceInformation', el('Settings:Status', 1)));
        break;
      case 'Settings:DevicePassword': {
        const password = textOf(part, 'Settings:Set', 'Settings:Password');
        ctx.device.recoveryPassword = password;
        parts.push(el('Settings:DevicePassword', el('Settings:Status', password ? 1 : 2)));
        break;
      }
      case 'Settings:UserInformation':
        parts.push(userInformation(ctx));
        break;
      case 'Settings:RightsManagementInformation':
        parts.push(
          el(
            'Settings:RightsManagementInformation',
            el('Settings:Status', 1),
            el('Settings:Get', el('RightsManagement:RightsManagementTemplates')),
          ),
        );
        break;
      default:
        throw new EasStatusError(2, `unexpected ${part.tag} in Settings`);
    }
  }
  return { body: el('Settings:Settings', el('Settings:Status', 1), parts) };
}

function userInformation(ctx: CommandContext): EasElement {
  const { user } = ctx;
  const addresses = el('Settings:EmailAddresses', el('Settings:SMTPAddress', user.upn));
  if (!atLeast(ctx.protocolVersion, '14.1')) {
    return el('Settings:UserInformation', el('Settings:Status', 1), el('Settings:Get', addresses));
  }
  return el(
    'Settings:UserInformation',
    el('Settings:Status', 1),
    el(
      'Settings:Get',
      el(
        'Settings:Accounts',
        el(
          'Settings:Account',
          el('Settings:UserDisplayName', user.displayName),
          el(
            'Settings:EmailAddresses',
            el('Settings:SMTPAddress', user.upn),
            el('Settings:PrimarySmtpAddress', user.upn),
          ),
        ),
      ),
    ),
  );
}

function oof(part: EasElement, ctx: CommandContext): EasElement {
  const get = child(part, 'Settings:Get');
  const set = child(part, 'Settings:Set');
  if (get) {
    const settings = ctx.mailbox.oof();
    const bodyType =
      (textOf(get, 'Settings:BodyType') ?? 'TEXT').toUpperCase() === 'HTML' ? 'HTML' : 'TEXT';
    const message = (audience: string, text: string, enabled: boolean): EasElement =>
      el(
        'Settings:OofMessage',
        el(`Settings:${audience}`),
        el('Settings:Enabled', enabled ? 1 : 0),
        el(
          'Settings:ReplyMessage',
          bodyType === 'HTML' ? `<html><body>${text}</body></html>` : text,
        ),
        el('Settings:BodyType', bodyType),
      );
    return el(
      'Settings:Oof',
      el('Settings:Status', 1),
      el(
        'Settings:Get',
        el('Settings:OofState', settings.state),
        settings.state === 2 &&
          settings.startMs !== undefined &&
          el('Settings:StartTime', easDateTime(settings.startMs)),
        settings.state === 2 &&
          settings.endMs !== undefined &&
          el('Settings:EndTime', easDateTime(settings.endMs)),
        message('AppliesToInternal', settings.internalReply, true),
        message(
          'AppliesToExternalKnown',
          settings.externalReply,
          settings.externalAudience !== 'none',
        ),
        message(
          'AppliesToExternalUnknown',
          settings.externalReply,
          settings.externalAudience === 'all',
        ),
      ),
    );
  }
  if (set) {
    const current = ctx.mailbox.oof();
    const state = Number(textOf(set, 'Settings:OofState') ?? current.state);
    if (state !== 0 && state !== 1 && state !== 2) {
      return el('Settings:Oof', el('Settings:Status', 2));
    }
    const next: OofSettings = { ...current, state };
    const start = parseEasDate(textOf(set, 'Settings:StartTime'));
    const end = parseEasDate(textOf(set, 'Settings:EndTime'));
    if (state === 2 && (start === undefined || end === undefined || end <= start)) {
      return el('Settings:Oof', el('Settings:Status', 2));
    }
    if (start !== undefined) next.startMs = start;
    if (end !== undefined) next.endMs = end;
    let knownEnabled = current.externalAudience !== 'none';
    let unknownEnabled = current.externalAudience === 'all';
    for (const message of children(set, 'Settings:OofMessage')) {
      const enabled = textOf(message, 'Settings:Enabled') !== '0';
      const reply = textOf(message, 'Settings:ReplyMessage');
      if (child(message, 'Settings:AppliesToInternal')) {
        if (reply !== undefined) next.internalReply = reply;
      } else if (child(message, 'Settings:AppliesToExternalKnown')) {
        knownEnabled = enabled;
        if (reply !== undefined) next.externalReply = reply;
      } else if (child(message, 'Settings:AppliesToExternalUnknown')) {
        unknownEnabled = enabled;
        if (reply !== undefined) next.externalReply = reply;
      }
      const bodyType = textOf(message, 'Settings:BodyType');
      if (bodyType) next.bodyType = bodyType.toUpperCase() === 'HTML' ? 'HTML' : 'TEXT';
    }
    next.externalAudience = unknownEnabled ? 'all' : knownEnabled ? 'known' : 'none';
    ctx.mailbox.setOof(next);
    ctx.event('onprem.eas.oof.set', `OOF state ${state} set for ${ctx.user.upn}`, { state });
    return el('Settings:Oof', el('Settings:Status', 1));
  }
  return el('Settings:Oof', el('Settings:Status', 2));
}
