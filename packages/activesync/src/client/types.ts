// Public types of the EAS client.
import type { EasElement } from '../wbxml/element.js';

/** One folder of the hierarchy (MS-ASCMD FolderSync Add/Update). */
export interface EasFolder {
  serverId: string;
  parentId: string;
  displayName: string;
  /** Folder type (MS-ASCMD 2.2.3.186.3): 2 Inbox, 3 Drafts, 4 Deleted, 5 Sent, 8 Calendar, 9 Contacts ... */
  type: number;
}

/**
 * One item as Sync, ItemOperations or Search return it. `data` flattens ApplicationData (or
 * Properties): each leaf under it keyed by its tag path, e.g. 'Email:Subject',
 * 'AirSyncBase:Body/AirSyncBase:Data'. A repeated path gets '[1]', '[2]'... on its later
 * occurrences. `body` is the body text (AirSyncBase:Body/Data, or the 2.5 Email:Body).
 */
export interface EasItem {
  serverId: string;
  collectionId: string;
  class?: string;
  data: Record<string, string>;
  body?: string;
  /** The item's `AirSyncBase:Attachments`, one entry per Attachment (the flattened `data` cannot pair optional fields). */
  attachments?: EasAttachment[];
}

/** One `AirSyncBase:Attachment` of an item (MS-ASAIRS 2.2.2.7). */
export interface EasAttachment {
  name: string;
  /** What ItemOperations Fetch (or GetAttachment) takes. */
  fileReference: string;
  /** EstimatedDataSize, bytes. */
  size: number;
  /** 1 a regular attachment, 5 an embedded message, 6 an OLE object. */
  method: number;
  contentId?: string;
  isInline: boolean;
}

/** What a client remembers between calls; exportState() hands it out, options.state takes it back. */
export interface EasClientState {
  /** The final policy key of the last successful Provision. */
  policyKey?: string;
  /** FolderSync SyncKey ('0' or absent before the first FolderSync). */
  folderSyncKey?: string;
  /** The folder hierarchy as of folderSyncKey; frozen objects, shared by the copies of a state. */
  folders?: EasFolder[];
  /** Sync SyncKey per collection id. */
  syncKeys: Record<string, string>;
}

export interface EasClientOptions {
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
  /** e.g. https://mail.contoso.com/Microsoft-Server-ActiveSync */
  url: string;
  /** Full Authorization header value, asked per request (tokens get renewed). */
  authorization: () => string | Promise<string>;
  deviceId: string;
  deviceType: string;
  user?: string;
  /** Default '16.1'. */
  protocolVersion?: string;
  /** Sent as User-Agent and in DeviceInformation. Default 'hma-lab-eas-client/1.0'. */
  userAgent?: string;
  /** Goes into Settings/Provision DeviceInformation (Model, FriendlyName). */
  deviceModel?: string;
  /** Request line form (MS-ASHTTP 2.2.1.1.1); default 'plain'. */
  queryForm?: 'plain' | 'base64';
  /** Resume from exported state. */
  state?: EasClientState;
}

export interface EasSyncOptions {
  windowSize?: number;
  filterType?: number;
  /** AirSyncBase:BodyPreference Type: 1 plain text, 2 HTML, 3 RTF, 4 MIME. Default 1. */
  bodyType?: 1 | 2 | 3 | 4;
  truncationSize?: number;
}

export interface EasClient {
  options(): Promise<{ status: number; versions: string[]; commands: string[]; headers: Headers }>;
  provision(): Promise<{ policyKey: string; policy: Record<string, string>; remoteWipe: boolean }>;
  settings(): Promise<{ status: number; userInformation: Record<string, unknown> }>;
  folderSync(): Promise<{
    folders: EasFolder[];
    changes: { added: EasFolder[]; updated: EasFolder[]; deleted: string[] };
  }>;
  sync(
    collectionId: string,
    options?: EasSyncOptions,
  ): Promise<{
    status: number;
    added: EasItem[];
    changed: EasItem[];
    deleted: string[];
    moreAvailable: boolean;
  }>;
  syncAll(
    collectionId: string,
    options?: EasSyncOptions,
  ): Promise<{ added: EasItem[]; changed: EasItem[]; deleted: string[]; rounds: number }>;
  /** Several collections per Sync request until none has MoreAvailable; changes per collection id. */
  syncCollections(
    requests: ReadonlyArray<{ collectionId: string; options?: EasSyncOptions }>,
  ): Promise<Record<string, { added: EasItem[]; changed: EasItem[]; deleted: string[] }>>;
  getItemEstimate(collectionIds: string[]): Promise<Record<string, number>>;
  /** `heartbeatS`: with Status 5, the interval the server allows (its limit). */
  ping(
    collectionIds: string[],
    heartbeatS: number,
  ): Promise<{ status: number; changedFolders: string[]; heartbeatS?: number }>;
  sendMail(mime: string, options?: { saveInSent?: boolean }): Promise<void>;
  /** ItemOperations Fetch of an attachment by its FileReference: its content type and bytes. Throws EasStatusError (15: no such attachment). */
  fetchAttachment(fileReference: string): Promise<{ contentType: string; bytes: Uint8Array }>;
  /** GetAttachment (before 14.0): an attachment's bytes by its FileReference. Throws EasHttpError. */
  getAttachment(fileReference: string): Promise<{ contentType: string; bytes: Uint8Array }>;
  itemOperationsFetch(collectionId: string, serverId: string): Promise<EasItem>;
  /**
   * ValidateCert: certificates (DER bytes, base64 or PEM) checked by the
   * server, with `chain` (intermediates) and CheckCRL when `checkCrl` is set.
   * The command's Status and one Status per certificate, in order (1 valid).
   */
  validateCert(
    certificates: ReadonlyArray<Uint8Array | string>,
    options?: { chain?: ReadonlyArray<Uint8Array | string>; checkCrl?: boolean },
  ): Promise<{ status: number; certificates: number[] }>;
  search(query: string, options?: { collectionId?: string; range?: string }): Promise<EasItem[]>;
  command(
    cmd: string,
    body?: EasElement,
  ): Promise<{ status: number; headers: Headers; body?: EasElement }>;
  exportState(): EasClientState;
}
