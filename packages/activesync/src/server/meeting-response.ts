import { children, el, textOf, type EasElement } from '../wbxml/element.js';

/** One Request of a MeetingResponse: which item, and the answer (1 accept, 2 tentative, 3 decline). */
export interface MeetingAnswer {
  requestId: string;
  collectionId?: string | undefined;
  longId?: string | undefined;
  userResponse: 1 | 2 | 3;
}

/**
 * MeetingResponse (MS-ASCMD 2.2.1.11): each Request handed to `respond`,
 * which records the answer and returns the event's CalendarId (none for a
 * decline), or undefined for an item it cannot answer. Result Status 1, or 2
 * for an invalid request (that item, or a UserResponse other than 1-3).
 * Undefined when the request holds no Request (Status 103).
 */
export function meetingResponse(
  request: EasElement,
  respond: (answer: MeetingAnswer) => { calendarId?: string } | undefined,
): EasElement | undefined {
  const requests = children(request, 'MeetingResponse:Request');
  if (requests.length === 0) return undefined;
  const results = requests.map((r) => {
    const requestId = textOf(r, 'MeetingResponse:RequestId') ?? '';
    const userResponse = Number(textOf(r, 'MeetingResponse:UserResponse'));
    const done =
      userResponse === 1 || userResponse === 2 || userResponse === 3
        ? respond({
            requestId,
            collectionId: textOf(r, 'MeetingResponse:CollectionId'),
            longId: textOf(r, 'Search:LongId'),
            userResponse,
          })
        : undefined;
    return el(
      'MeetingResponse:Result',
      el('MeetingResponse:RequestId', requestId),
      el('MeetingResponse:Status', done ? 1 : 2),
      done?.calendarId !== undefined && el('MeetingResponse:CalendarId', done.calendarId),
    );
  });
  return el('MeetingResponse:MeetingResponse', results);
}

/** MS-ASCAL ResponseType an accepted (3) or tentatively accepted (2) event shows. */
export function responseTypeOf(userResponse: 1 | 2): 2 | 3 {
  return userResponse === 1 ? 3 : 2;
}
