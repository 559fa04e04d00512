import { children, el, moveItemsResponse, textOf, type EasElement } from '@hma-lab/activesync';
import { mailboxChanged } from './cloud-store.js';
import type { EasCommandContext } from './eas-engine.js';

/**
 * MoveItems (MS-ASCMD 2.2.1.12), as on-premises: per item Status 1 for an
 * unknown item or one not in its SrcFldId, 2 for an unknown destination, 4
 * when source and destination are the same, 3 moved (with its new DstMsgId:
 * the next Sync of the source reports a Delete, of the destination an Add).
 * Without any Move: Status 103 (a protocol error, 14.0+).
 */
export function moveItems(request: EasElement | undefined, ctx: EasCommandContext): EasElement {
  const moves = request ? children(request, 'Move:Move') : [];
  if (moves.length === 0) return el('Move:MoveItems', el('Move:Status', 103));
  const responses = moves.map((move) => {
    const srcMsgId = textOf(move, 'Move:SrcMsgId') ?? '';
    const srcFldId = textOf(move, 'Move:SrcFldId') ?? '';
    const dstFldId = textOf(move, 'Move:DstFldId') ?? '';
    const source = ctx.mailbox.folders.find((f) => f.serverId === srcFldId);
    const index = source ? source.items.findIndex((s) => s.serverId === srcMsgId) : -1;
    if (!source || index < 0) return moveItemsResponse(srcMsgId, 1);
    const destination = ctx.mailbox.folders.find((f) => f.serverId === dstFldId);
    if (!destination) return moveItemsResponse(srcMsgId, 2);
    if (destination === source) return moveItemsResponse(srcMsgId, 4);
    const [stored] = source.items.splice(index, 1);
    const serverId = `${destination.serverId}:${destination.nextItem++}`;
    destination.items.push({ serverId, item: stored!.item, addedAtMs: ctx.nowMs });
    return moveItemsResponse(srcMsgId, 3, serverId);
  });
  mailboxChanged(ctx.mailbox);
  return el('Move:MoveItems', responses);
}
