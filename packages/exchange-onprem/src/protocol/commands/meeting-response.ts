import { el, meetingResponse, responseTypeOf, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { findItem } from './item-lookup.js';

/**
 * MeetingResponse (MS-ASCMD 2.2.1.11) for calendar items: accepting (1),
 * tentatively accepting (2) or declining (3) records the answer on the event (Calendar:ResponseType)
 * (declined events are removed from the calendar, as Outlook does). Meeting
 * request messages are not modelled. Status per request: 1 ok, 2 invalid request.
 */
export function meetingResponseCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const body = meetingResponse(request, ({ requestId, collectionId, longId, userResponse }) => {
    const item = findItem(ctx.mailbox, { serverId: requestId || undefined, collectionId, longId });
    if (!item || item.data.kind !== 'calendar') return undefined;
    if (userResponse === 3) ctx.mailbox.deleteItem(item.serverId);
    else {
      const responseType = el('Calendar:ResponseType', responseTypeOf(userResponse));
      ctx.mailbox.changeItem(item.serverId, (it) => {
        it.extra = [...it.extra.filter((e) => e.tag !== responseType.tag), responseType];
      });
    }
    ctx.event(
      'onprem.eas.meeting.responded',
      `${ctx.user.upn} answered ${userResponse} to ${item.serverId}`,
    );
    return userResponse === 3 ? {} : { calendarId: item.serverId };
  });
  if (!body) throw new EasStatusError(103, 'MeetingResponse without Request');
  return { body };
}
