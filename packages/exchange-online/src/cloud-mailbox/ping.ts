import { el, PING_LIMITS, readPingRequest, type EasElement } from '@hma-lab/activesync';
import type { StoredFolder } from './cloud-store.js';
import { countNews, lastFilterSince, versionOf } from './collection-view.js';
import type { EasCommandContext, EasCommandResult } from './eas-engine.js';

/**
 * Ping (MS-ASCMD 2.2.1.13): answers at once when a watched folder already has
 * something the device has not synced (Status 2 with the folders), otherwise
 * a wait for a change or the heartbeat's end (Status 1). Status 3: an empty
 * Ping with none before it; 4: no folders; 5: HeartbeatInterval out of range
 * (with the limit); 6: too many folders (with MaxFolders); 7: a folder the
 * mailbox does not have (FolderSync needed). An empty Ping repeats the last.
 */
export function ping(request: EasElement | undefined, ctx: EasCommandContext): EasCommandResult {
  const answer = (status: number, ...rest: Array<EasElement | undefined>): EasCommandResult => ({
    body: el('Ping:Ping', el('Ping:Status', status), ...rest),
  });
  // Exchange's default limits, as on-premises.
  const read = readPingRequest(request, ctx.device.ping, PING_LIMITS);
  if ('status' in read) {
    return answer(read.status, read.limit ? el(read.limit.tag, read.limit.value) : undefined);
  }
  const folders = read.ping.folders.map(({ id }) =>
    ctx.mailbox.folders.find((f) => f.serverId === id),
  );
  if (folders.some((f) => !f)) return answer(7);
  ctx.device.ping = read.ping;
  const heartbeatS = read.ping.heartbeatS;
  // What the device holds of each folder: what it was sent, or (never synced)
  // the folder as it is now, so that only what comes later counts.
  // Read when asked, not kept from the Ping's start: what the device syncs
  // meanwhile (on another connection), its own changes included, is no news.
  const watched = (folders as StoredFolder[]).map((folder) => {
    const neverSynced = new Map(folder.items.map((s) => [s.serverId, versionOf(s)]));
    return {
      folder,
      held: () => ctx.device.collections.get(folder.serverId)?.sent ?? neverSynced,
      sinceMs: () => lastFilterSince(ctx, folder.serverId),
    };
  });
  const changedFolders = (): string[] =>
    watched
      .filter((w) => countNews(w.folder, w.held(), w.sinceMs()) > 0)
      .map((w) => w.folder.serverId);
  // A watched folder deleted meanwhile: the device must FolderSync (Status 7).
  const folderGone = (): boolean => watched.some((w) => !ctx.mailbox.folders.includes(w.folder));
  const reply = (): EasElement => {
    if (folderGone()) return el('Ping:Ping', el('Ping:Status', 7));
    const changed = changedFolders();
    return changed.length === 0
      ? el('Ping:Ping', el('Ping:Status', 1))
      : el(
          'Ping:Ping',
          el('Ping:Status', 2),
          el(
            'Ping:Folders',
            changed.map((id) => el('Ping:Folder', id)),
          ),
        );
  };
  if (changedFolders().length > 0) return { body: reply() };
  return {
    wait: {
      heartbeatMs: heartbeatS * 1000,
      changed: () => folderGone() || changedFolders().length > 0,
      answer: reply,
    },
  };
}
