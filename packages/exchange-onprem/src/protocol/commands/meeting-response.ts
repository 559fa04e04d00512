import { children, el, textOf, type EasElement } from '@hma-lab/activesync';
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
  const requests = children(request, 'MeetingResponse:Request');
  if (requests.length === 0) throw new EasStatusError(103, 'MeetingResponse without Request');
  const results = requests.map((r) => {
    const requestId = textOf(r, 'MeetingResponse:RequestId') ?? '';
    const answer = Number(textOf(r, 'MeetingResponse:UserResponse'));
    const item = findItem(ctx.mailbox, {
      serverId: requestId || undefined,
      collectionId: textOf(r, 'MeetingResponse:CollectionId'),
      longId: textOf(r, 'Search:LongId'),
    });
    if (!item || item.data.kind !== 'calendar' || ![1, 2, 3].includes(answer)) {
      return el(
        'MeetingResponse:Result',
        el('MeetingResponse:RequestId', requestId),
        el('MeetingResponse:Status', 2),
      );
    }
    if (answer === 3) ctx.mailbox.deleteItem(item.serverId);
    else {
      // MS-ASCAL ResponseType: 2 tentative, 3 accepted.
      const responseType = el('Calendar:ResponseType', answer === 1 ? 3 : 2);
      ctx.mailbox.changeItem(item.serverId, (it) => {
        it.extra = [...it.extra.filter((e) => e.tag !== responseType.tag), responseType];
      });
    }
    ctx.event(
      'onprem.eas.meeting.responded',
      `${ctx.user.upn} answered ${answer} to ${item.serverId}`,
    );
    return el(
      'MeetingResponse:Result',
      el('MeetingResponse:RequestId', requestId),
      el('MeetingResponse:Status', 1),
      answer !== 3 && el('MeetingResponse:CalendarId', item.serverId),
    );
  });
  return { body: el('MeetingResponse:MeetingResponse', results) };
}
