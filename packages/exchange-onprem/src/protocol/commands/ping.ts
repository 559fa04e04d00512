import { el, readPingRequest, type EasElement } from '@hma-lab/activesync';
import { EasStatusError } from '../../errors.js';
import type { CommandContext, CommandResult } from '../command-context.js';
import { countChanges, pendingChanges, visibleItems } from '../sync-view.js';

/**
 * Ping (MS-ASCMD 2.2.1.13): waits until one of the watched folders has
 * something new for this device (Status 2 with the folders) or the heartbeat
 * elapses on the lab clock (Status 1). With a virtual clock the answer comes
 * when a test advances time past the heartbeat, or as soon as mail arrives:
 * no real time passes and no socket is held longer than the test wants.
 *
 * Status: 1 heartbeat expired, 2 changes, 3 empty Ping with nothing cached,
 * 4 protocol error, 5 HeartbeatInterval out of range (with the limit),
 * 6 too many folders (with MaxFolders), 7 a folder is gone: FolderSync needed.
 */
export async function pingCommand(
  request: EasElement | undefined,
  ctx: CommandContext,
): Promise<CommandResult> {
  const read = readPingRequest(request, ctx.device.ping, ctx.config.ping);
  if ('status' in read) {
    throw new EasStatusError(read.status, read.detail, {
      ...(read.limit ? { extra: [{ tag: read.limit.tag, text: String(read.limit.value) }] } : {}),
    });
  }
  const { heartbeatS, folders } = read.ping;
  if (folders.some((f) => !ctx.mailbox.folder(f.id))) {
    throw new EasStatusError(7, 'Ping names a folder that does not exist');
  }
  ctx.device.ping = { heartbeatS, folders };

  // What the device holds of each folder: its sync state when asked (what it
  // syncs or changes meanwhile on another connection is no news), or (never
  // synced) the folder as it was when the Ping came, so that only new changes count.
  const neverSynced = new Map<string, ReadonlyMap<string, number>>();
  for (const { id } of folders) {
    neverSynced.set(
      id,
      new Map(ctx.mailbox.items(id).map((item) => [item.serverId, item.version])),
    );
  }
  const baselineOf = (id: string): ReadonlyMap<string, number> =>
    ctx.device.collections.get(id)?.chain.current?.state ?? neverSynced.get(id)!;
  const changedFolders = (): string[] | 'hierarchy' => {
    const changed: string[] = [];
    for (const { id } of folders) {
      const folder = ctx.mailbox.folder(id);
      if (!folder) return 'hierarchy';
      const filterType = ctx.device.collections.get(id)?.options?.filterType ?? 0;
      const view = visibleItems(ctx, folder, { filterType });
      const changes = pendingChanges(
        baselineOf(id),
        view,
        (sid) => ctx.mailbox.item(sid)?.folderId === id,
      );
      if (countChanges(changes) > 0) changed.push(id);
    }
    return changed;
  };
  const answer = (): CommandResult => {
    const changed = changedFolders();
    if (changed === 'hierarchy') return { body: el('Ping:Ping', el('Ping:Status', 7)) };
    if (changed.length === 0) return { body: el('Ping:Ping', el('Ping:Status', 1)) };
    return {
      body: el(
        'Ping:Ping',
        el('Ping:Status', 2),
        el(
          'Ping:Folders',
          changed.map((id) => el('Ping:Folder', id)),
        ),
      ),
    };
  };
  const now = changedFolders();
  if (now === 'hierarchy' || now.length > 0) return answer();
  ctx.event('onprem.eas.ping.waiting', `Ping holds up to ${heartbeatS}s`, {
    deviceId: ctx.device.deviceId,
    heartbeatS,
    folders: folders.map((f) => f.id),
  });
  await ctx.waitForChange({
    timeoutMs: heartbeatS * 1000,
    changed: () => {
      const result = changedFolders();
      return result === 'hierarchy' || result.length > 0;
    },
  });
  return answer();
}
