import { el, type EasElement } from '../wbxml/element.js';

/** A MoveItems request (MS-ASCMD 2.2.1.12): each item from its folder to another. */
export function moveItemsRequest(
  moves: ReadonlyArray<{ srcMsgId: string; srcFldId: string; dstFldId: string }>,
): EasElement {
  return el(
    'Move:MoveItems',
    moves.map(({ srcMsgId, srcFldId, dstFldId }) =>
      el(
        'Move:Move',
        el('Move:SrcMsgId', srcMsgId),
        el('Move:SrcFldId', srcFldId),
        el('Move:DstFldId', dstFldId),
      ),
    ),
  );
}

/** One item's answer to MoveItems: its Status, and its new id when it moved (Status 3). */
export function moveItemsResponse(srcMsgId: string, status: number, dstMsgId?: string): EasElement {
  return el(
    'Move:Response',
    el('Move:SrcMsgId', srcMsgId),
    el('Move:Status', status),
    dstMsgId !== undefined ? el('Move:DstMsgId', dstMsgId) : undefined,
  );
}
