import {
  child,
  children,
  el,
  getItemEstimateResponse,
  textOf,
  type EasElement,
} from '@hma-lab/activesync';
import { countNews, filterSince, lastFilterSince } from './collection-view.js';
import type { EasCommandContext } from './eas-engine.js';

/**
 * GetItemEstimate (MS-ASCMD 2.2.1.9): how many changes the next Sync of each
 * collection would bring, its keys left where they are. Status 1, 2 for an
 * unknown collection (or none at all), 3 for one never synced past key 0,
 * 4 for a SyncKey the device does not hold. The FilterType is the request's,
 * else the one of the device's last Sync of the collection.
 */
export function getItemEstimate(
  request: EasElement | undefined,
  ctx: EasCommandContext,
): EasElement {
  const collections = request
    ? children(
        child(request, 'GetItemEstimate:Collections') ?? el('x'),
        'GetItemEstimate:Collection',
      )
    : [];
  if (collections.length === 0) {
    return el('GetItemEstimate:GetItemEstimate', el('GetItemEstimate:Status', 2));
  }
  const responses = collections.map((collection) => {
    const id = textOf(collection, 'GetItemEstimate:CollectionId') ?? '';
    const answer = (status: number, estimate?: number): EasElement =>
      getItemEstimateResponse(status, id, estimate);
    const folder = ctx.mailbox.folders.find((f) => f.serverId === id);
    if (!folder) return answer(2);
    const key = textOf(collection, 'AirSync:SyncKey');
    const state = ctx.device.collections.get(id);
    if (!state || key === undefined || key === '0') return answer(3);
    const held =
      key === String(state.syncKey)
        ? state.sent
        : key === String(state.previous?.syncKey)
          ? state.previous!.sent
          : undefined;
    if (!held) return answer(4);
    const filter = textOf(child(collection, 'AirSync:Options') ?? collection, 'AirSync:FilterType');
    const sinceMs =
      filter !== undefined ? filterSince(filter, ctx.nowMs) : lastFilterSince(ctx, id);
    return answer(1, countNews(folder, held, sinceMs));
  });
  return el('GetItemEstimate:GetItemEstimate', responses);
}
