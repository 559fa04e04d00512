import { children, el, moveItemsResponse, textOf, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';

/**
 * MoveItems (MS-ASCMD 2.2.1.12). Status per item: 1 invalid source (item or
 * folder), 2 invalid destination, 3 success (with the new DstMsgId),
 * 4 source and destination are the same.
 */
export function moveItemsCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const moves = children(request, 'Move:Move');
  if (moves.length === 0) throw new EasStatusError(103, 'MoveItems without Move');
  const readOnly = ctx.config.quarantine === 'notice' && ctx.access().level === 'Quarantine';
  const responses = moves.map((move) => {
    const srcMsgId = textOf(move, 'Move:SrcMsgId') ?? '';
    const srcFldId = textOf(move, 'Move:SrcFldId') ?? '';
    const dstFldId = textOf(move, 'Move:DstFldId') ?? '';
    const answer = (status: number, dst?: string): EasElement =>
      moveItemsResponse(srcMsgId, status, dst);
    const item = ctx.mailbox.item(srcMsgId);
    if (readOnly || !item || item.folderId !== srcFldId) return answer(1);
    if (!ctx.mailbox.folder(dstFldId)) return answer(2);
    if (srcFldId === dstFldId) return answer(4);
    const moved = ctx.mailbox.moveItem(srcMsgId, dstFldId)!;
    return answer(3, moved.serverId);
  });
  return { body: el('Move:MoveItems', responses) };
}
