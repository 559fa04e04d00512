import {
  child,
  children,
  el,
  getItemEstimateResponse,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { stateForKey } from '../sync-keys.js';
import { countChanges, pendingChanges, visibleItems } from '../sync-view.js';

/**
 * GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Sync of each
 * collection would bring. Status 1 ok, 2 unknown collection, 3 the collection
 * was never synced (or only with key 0 and no state), 4 invalid SyncKey.
 * The SyncKey is not moved.
 */
export function getItemEstimateCommand(request: EasElement, ctx: CommandContext): CommandResult {
  const collections = children(
    child(request, 'GetItemEstimate:Collections') ?? el('x'),
    'GetItemEstimate:Collection',
  );
  if (collections.length === 0) throw new EasStatusError(2, 'GetItemEstimate without collections');
  const responses = collections.map((collection) => {
    const collectionId = textOf(collection, 'GetItemEstimate:CollectionId') ?? '';
    const syncKey = textOf(collection, 'AirSync:SyncKey');
    const answer = (status: number, estimate?: number): EasElement =>
      getItemEstimateResponse(status, collectionId, estimate);
    const folder = ctx.mailbox.folder(collectionId);
    if (!folder) return answer(2);
    const state = ctx.device.collections.get(collectionId);
    if (!state || syncKey === undefined || syncKey === '0') return answer(3);
    const held = stateForKey(state.chain, syncKey);
    if (!held) return answer(4);
    const options = child(collection, 'AirSync:Options');
    const filterText = textOf(options ?? collection, 'AirSync:FilterType');
    const filterType =
      filterText !== undefined ? Number(filterText) : (state.options?.filterType ?? 0);
    const view = visibleItems(ctx, folder, { filterType });
    const changes = pendingChanges(
      held,
      view,
      (id) => ctx.mailbox.item(id)?.folderId === folder.serverId,
    );
    return answer(1, countChanges(changes));
  });
  return { body: el('GetItemEstimate:GetItemEstimate', responses) };
}
