import { el, meetingResponse, responseTypeOf, type EasElement } from '@hma-lab/activesync';
import { findItem, mailboxChanged } from './cloud-store.js';
import { versionOf } from './collection-view.js';
import type { EasCommandContext } from './eas-engine.js';

/**
 * MeetingResponse (MS-ASCMD 2.2.1.11) for events of the calendar, as
 * on-premises: accepting or tentatively accepting shows on the event
 * (Calendar:ResponseType 3 or 2; other devices get a Change), declining
 * removes it. Result Status 2 for an item that is not an event; 103 without
 * any Request.
 */
export function answerMeetings(
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasElement {
  const answered =
    request &&
    meetingResponse(request, ({ requestId, collectionId, longId, userResponse }) => {
      const found = findItem(ctx.mailbox, {
        serverId: requestId || undefined,
        collectionId,
        longId,
      });
      if (!found || found.stored.item.kind !== 'calendar') return undefined;
      const { folder, stored } = found;
      if (userResponse === 3) folder.items.splice(folder.items.indexOf(stored), 1);
      else {
        stored.responseType = responseTypeOf(userResponse);
        stored.version = versionOf(stored) + 1;
      }
      mailboxChanged(ctx.mailbox);
      ctx.event(
        'exo.eas.meeting.responded',
        `${ctx.owner.email} answered ${userResponse} to ${stored.serverId}`,
        {
          serverId: stored.serverId,
          userResponse,
        },
      );
      return userResponse === 3 ? {} : { calendarId: stored.serverId };
    });
  return answered ?? el('MeetingResponse:MeetingResponse', el('MeetingResponse:Status', 103));
}
