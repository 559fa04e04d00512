import { child, children, textOf, type EasElement } from '../wbxml/element.js';

/** What a Ping asks for: how long to wait, and on which folders. */
export interface PingParameters {
  heartbeatS: number;
  folders: Array<{ id: string; className: string }>;
}

/**
 * A Ping request read against the server's limits (MS-ASCMD 2.2.1.13): its
 * parameters (an empty Ping, or a part left out, takes them from `cached`,
 * the device's last Ping), or the Status to answer: 3 nothing given and
 * nothing cached, 5 a HeartbeatInterval out of range (answered with the
 * `limit`), 4 no folders, 6 too many folders (answered with MaxFolders).
 * Whether the folders exist is the server's to check (Status 7).
 */
export function readPingRequest(
  request: EasElement | undefined,
  cached: PingParameters | undefined,
  limits: { minHeartbeatS: number; maxHeartbeatS: number; maxFolders: number },
):
  | { ping: PingParameters }
  | { status: 3 | 4 | 5 | 6; detail: string; limit?: { tag: string; value: number } } {
  const heartbeatText = request ? textOf(request, 'Ping:HeartbeatInterval') : undefined;
  const foldersElement = request ? child(request, 'Ping:Folders') : undefined;
  if (!cached && (heartbeatText === undefined || !foldersElement)) {
    return { status: 3, detail: 'Ping without parameters and none cached' };
  }
  const heartbeatS = heartbeatText !== undefined ? Number(heartbeatText) : cached!.heartbeatS;
  const { minHeartbeatS, maxHeartbeatS, maxFolders } = limits;
  if (!Number.isInteger(heartbeatS) || heartbeatS < minHeartbeatS || heartbeatS > maxHeartbeatS) {
    return {
      status: 5,
      detail: `HeartbeatInterval ${heartbeatText} out of range`,
      limit: {
        tag: 'Ping:HeartbeatInterval',
        value: heartbeatS < minHeartbeatS ? minHeartbeatS : maxHeartbeatS,
      },
    };
  }
  const folders = foldersElement
    ? children(foldersElement, 'Ping:Folder').map((f) => ({
        id: textOf(f, 'Ping:Id') ?? '',
        className: textOf(f, 'Ping:Class') ?? '',
      }))
    : cached!.folders;
  if (folders.length === 0) return { status: 4, detail: 'Ping without folders' };
  if (folders.length > maxFolders) {
    return {
      status: 6,
      detail: `Ping watches ${folders.length} folders`,
      limit: { tag: 'Ping:MaxFolders', value: maxFolders },
    };
  }
  return { ping: { heartbeatS, folders } };
}
