// An Exchange ActiveSync client: what Exchange Online's sync engine (DeviceType OutlookService),
// the reference device, e2e tests and diagnostics use to talk to an EAS server.
import { randomUUID } from 'node:crypto';
import { base64EasQuery, plainEasQuery, type EasRequestLine } from '../ashttp/request-line.js';
import { EasHttpError, EasStatusError } from '../errors.js';
import { decodeWbxml } from '../wbxml/decode.js';
import { child, children, el, textOf, type EasElement } from '../wbxml/element.js';
import { encodeWbxml } from '../wbxml/encode.js';
import { getItemEstimateRequest } from './get-item-estimate.js';
import { bodyOf, elementToObject, flattenData, statusOf, topStatus } from './flatten.js';
import { syncRequest, syncRequestCollection } from './sync-request.js';
import type {
  EasAttachment,
  EasClient,
  EasClientOptions,
  EasClientState,
  EasFolder,
  EasItem,
  EasSyncOptions,
} from './types.js';

const WBXML = 'application/vnd.ms-sync.wbxml';
/** Status codes that mean "provision again" (MS-ASCMD 2.2.2; MS-ASPROV 3.1.5.1). */
const REPROVISION_STATUSES = new Set([142, 143, 144]);
/** HTTP 449 Retry after sending a Provision command (MS-ASHTTP 2.2.2.1.1). */
const HTTP_NEED_PROVISION = 449;
/** syncAll() stops after this many rounds: a server that never clears MoreAvailable is a bug. */
const MAX_SYNC_ROUNDS = 10_000;

interface Exchange {
  status: number;
  headers: Headers;
  body?: EasElement;
}

/**
 * Creates an EAS client. It sends `Content-Type: application/vnd.ms-sync.wbxml`,
 * `MS-ASProtocolVersion` and `X-MS-PolicyKey` (plain request line) or the base64 request line,
 * `User-Agent` and the Authorization value asked of `options.authorization()` per request.
 * It provisions again once by itself on HTTP 449 or Status 142/143/144, restarts FolderSync
 * from SyncKey 0 on Status 9 and Sync from 0 on Status 3; other failures surface as
 * EasHttpError (non-2xx) or EasStatusError (Status other than success).
 *
 * @example
 * const eas = createEasClient({ fetch: deps.fetch, url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
 *   authorization: () => `Bearer ${token}`, deviceId: 'OutlookService', deviceType: 'OutlookService' });
 * await eas.provision(); const { folders } = await eas.folderSync(); await eas.syncAll(folders[0].serverId);
 * @see MS-ASHTTP, MS-ASCMD, MS-ASPROV
 */
export function createEasClient(options: EasClientOptions): EasClient {
  const version = options.protocolVersion ?? '16.1';
  const versionNumber = Number(version);
  const userAgent = options.userAgent ?? 'hma-lab-eas-client/1.0';
  const state: EasClientState = cloneState(options.state ?? { syncKeys: {} });

  async function send(
    cmd: string,
    body: Uint8Array | undefined,
    extra: Partial<EasRequestLine> = {},
    contentType = WBXML,
  ): Promise<Response> {
    const line = {
      cmd,
      deviceId: options.deviceId,
      deviceType: options.deviceType,
      protocolVersion: version,
      ...(options.user !== undefined ? { user: options.user } : {}),
      ...(state.policyKey !== undefined ? { policyKey: state.policyKey } : {}),
      ...extra,
    };
    const headers: Record<string, string> = {
      Authorization: await options.authorization(),
      'Content-Type': contentType,
      'User-Agent': userAgent,
    };
    let query: string;
    if (options.queryForm === 'base64') {
      query = base64EasQuery(line);
    } else {
      query = plainEasQuery(line);
      headers['MS-ASProtocolVersion'] = version;
      headers['X-MS-PolicyKey'] = line.policyKey ?? '0';
      if (line.acceptMultiPart) headers['MS-ASAcceptMultiPart'] = 'T';
    }
    const init: RequestInit = { method: 'POST', headers };
    if (body) init.body = body;
    return options.fetch(options.url + query, init);
  }

  async function readBody(res: Response): Promise<EasElement | undefined> {
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length === 0) return undefined;
    const type = res.headers.get('content-type') ?? '';
    if (type && !type.toLowerCase().includes('wbxml')) return undefined;
    return decodeWbxml(bytes);
  }

  /** One command with the automatic re-provisioning; throws on non-2xx. */
  async function exec(
    cmd: string,
    body?: EasElement,
    extra?: Partial<EasRequestLine>,
  ): Promise<Exchange> {
    for (let attempt = 0; ; attempt++) {
      const res = await send(cmd, requestBytes(cmd, body), extra);
      const mayReprovision = attempt === 0 && cmd !== 'Provision';
      if (res.status === HTTP_NEED_PROVISION && mayReprovision) {
        await res.arrayBuffer();
        await provision();
        continue;
      }
      if (!res.ok) throw new EasHttpError(cmd, res.status, res.headers, await res.text());
      const root = await readBody(res);
      const status = topStatus(root);
      if (status !== undefined && REPROVISION_STATUSES.has(status) && mayReprovision) {
        await provision();
        continue;
      }
      return { status: res.status, headers: res.headers, ...(root ? { body: root } : {}) };
    }
  }

  function requireStatus(cmd: string, status: number | undefined, detail?: string): void {
    if (status !== undefined && status !== 1) throw new EasStatusError(cmd, status, detail);
  }

  function deviceInformation(): EasElement {
    const model = options.deviceModel ?? options.deviceType;
    return el(
      'Settings:DeviceInformation',
      el(
        'Settings:Set',
        el('Settings:Model', model),
        el('Settings:FriendlyName', model),
        versionNumber >= 12.1 && el('Settings:UserAgent', userAgent),
      ),
    );
  }

  async function options_(): Promise<{
    status: number;
    versions: string[];
    commands: string[];
    headers: Headers;
  }> {
    const res = await options.fetch(options.url, {
      method: 'OPTIONS',
      headers: { Authorization: await options.authorization(), 'User-Agent': userAgent },
    });
    if (!res.ok) throw new EasHttpError('OPTIONS', res.status, res.headers, await res.text());
    await res.arrayBuffer();
    const list = (name: string): string[] =>
      (res.headers.get(name) ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    return {
      status: res.status,
      versions: list('MS-ASProtocolVersions'),
      commands: list('MS-ASProtocolCommands'),
      headers: res.headers,
    };
  }

  async function provision(): Promise<{
    policyKey: string;
    policy: Record<string, string>;
    remoteWipe: boolean;
  }> {
    const policyType =
      versionNumber >= 12 ? 'MS-EAS-Provisioning-WBXML' : 'MS-WAP-Provisioning-XML';
    // Phase 1 (MS-ASPROV 3.1.5.1.1): no key, ask for the policy; get a temporary key.
    delete state.policyKey;
    const first = await exec(
      'Provision',
      el(
        'Provision:Provision',
        versionNumber >= 14.1 && deviceInformation(),
        el('Provision:Policies', el('Provision:Policy', el('Provision:PolicyType', policyType))),
      ),
    );
    const root1 = expectBody('Provision', first);
    requireStatus('Provision', topStatus(root1));
    const policy1 = policyOf(root1);
    const remoteWipe = child(root1, 'Provision:RemoteWipe') !== undefined;
    const temporaryKey = policy1 ? textOf(policy1, 'Provision:PolicyKey') : undefined;
    const policyStatus = statusOf(policy1, 'Provision:Status');
    const policy: Record<string, string> = {};
    const doc =
      policy1 && child(child(policy1, 'Provision:Data') ?? policy1, 'Provision:EASProvisionDoc');
    if (doc) {
      for (const [key, value] of Object.entries(flattenData(doc))) {
        policy[key.split('/').map(localName).join('/')] = value;
      }
    }
    if (remoteWipe) {
      // The server asks for a wipe; acknowledging it is the caller's decision.
      return { policyKey: temporaryKey ?? '', policy, remoteWipe: true };
    }
    if (policyStatus === 2) {
      // No policy for this device (MS-ASPROV 2.2.2.54.1): nothing to acknowledge.
      state.policyKey = temporaryKey ?? '0';
      return { policyKey: state.policyKey, policy, remoteWipe: false };
    }
    requireStatus('Provision', policyStatus, 'policy status');
    if (!temporaryKey)
      throw new EasStatusError('Provision', 2, 'no PolicyKey in the phase 1 answer');
    // Phase 2 (MS-ASPROV 3.1.5.1.2): acknowledge with the temporary key; get the final key.
    state.policyKey = temporaryKey;
    const second = await exec(
      'Provision',
      el(
        'Provision:Provision',
        el(
          'Provision:Policies',
          el(
            'Provision:Policy',
            el('Provision:PolicyType', policyType),
            el('Provision:PolicyKey', temporaryKey),
            el('Provision:Status', 1),
          ),
        ),
      ),
    );
    const root2 = expectBody('Provision', second);
    requireStatus('Provision', topStatus(root2));
    const policy2 = policyOf(root2);
    requireStatus('Provision', statusOf(policy2, 'Provision:Status'), 'policy status');
    const finalKey = policy2 ? textOf(policy2, 'Provision:PolicyKey') : undefined;
    if (!finalKey)
      throw new EasStatusError('Provision', 2, 'no PolicyKey in the acknowledgement answer');
    state.policyKey = finalKey;
    return { policyKey: finalKey, policy, remoteWipe: false };
  }

  async function settings(): Promise<{ status: number; userInformation: Record<string, unknown> }> {
    const answer = await exec(
      'Settings',
      el(
        'Settings:Settings',
        versionNumber >= 12.1 && deviceInformation(),
        el('Settings:UserInformation', el('Settings:Get')),
      ),
    );
    const root = expectBody('Settings', answer);
    const status = topStatus(root) ?? 1;
    requireStatus('Settings', status);
    const info = child(root, 'Settings:UserInformation');
    requireStatus('Settings', statusOf(info, 'Settings:Status'), 'UserInformation');
    const get = info && child(info, 'Settings:Get');
    return { status, userInformation: get ? elementToObject(get) : {} };
  }

  async function folderSync(): Promise<{
    folders: EasFolder[];
    changes: { added: EasFolder[]; updated: EasFolder[]; deleted: string[] };
  }> {
    for (let attempt = 0; ; attempt++) {
      const key = state.folderSyncKey ?? '0';
      const answer = await exec(
        'FolderSync',
        el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', key)),
      );
      const root = expectBody('FolderSync', answer);
      const status = topStatus(root);
      if (status === 9 && attempt === 0) {
        // Bad or mismatched SyncKey (MS-ASCMD 2.2.3.177.8): start over from 0.
        state.folderSyncKey = '0';
        state.folders = [];
        continue;
      }
      requireStatus('FolderSync', status);
      const folders = key === '0' ? [] : [...(state.folders ?? [])];
      const changes = {
        added: [] as EasFolder[],
        updated: [] as EasFolder[],
        deleted: [] as string[],
      };
      const list = child(root, 'FolderHierarchy:Changes');
      for (const change of list?.children ?? []) {
        if (change.tag === 'FolderHierarchy:Add' || change.tag === 'FolderHierarchy:Update') {
          const folder: EasFolder = Object.freeze({
            serverId: textOf(change, 'FolderHierarchy:ServerId') ?? '',
            parentId: textOf(change, 'FolderHierarchy:ParentId') ?? '0',
            displayName: textOf(change, 'FolderHierarchy:DisplayName') ?? '',
            type: Number(textOf(change, 'FolderHierarchy:Type') ?? 1),
          });
          const at = folders.findIndex((f) => f.serverId === folder.serverId);
          if (at >= 0) folders[at] = folder;
          else folders.push(folder);
          (change.tag === 'FolderHierarchy:Add' ? changes.added : changes.updated).push(folder);
        } else if (change.tag === 'FolderHierarchy:Delete') {
          const id = textOf(change, 'FolderHierarchy:ServerId') ?? '';
          changes.deleted.push(id);
          const at = folders.findIndex((f) => f.serverId === id);
          if (at >= 0) folders.splice(at, 1);
        }
      }
      const newKey = textOf(root, 'FolderHierarchy:SyncKey');
      if (newKey !== undefined) state.folderSyncKey = newKey;
      state.folders = folders;
      return { folders: folders.map((f) => ({ ...f })), changes };
    }
  }

  /** The initial SyncKey 0 round (MS-ASCMD 2.2.1.21): no items, just a key. */
  async function primeSync(collectionId: string): Promise<string> {
    await primeCollections([collectionId]);
    return state.syncKeys[collectionId]!;
  }

  function syncCollection(root: EasElement, collectionId: string): EasElement | undefined {
    return findCollection(root, collectionId) ?? collectionsOf(root)[0];
  }

  function findCollection(root: EasElement, collectionId: string): EasElement | undefined {
    requireStatus('Sync', topStatus(root));
    return collectionsOf(root).find((c) => textOf(c, 'AirSync:CollectionId') === collectionId);
  }

  async function sync(
    collectionId: string,
    opts: EasSyncOptions = {},
  ): Promise<{
    status: number;
    added: EasItem[];
    changed: EasItem[];
    deleted: string[];
    moreAvailable: boolean;
  }> {
    for (let attempt = 0; ; attempt++) {
      let key = state.syncKeys[collectionId];
      if (key === undefined || key === '0') key = await primeSync(collectionId);
      const answer = await exec('Sync', syncRequest(changesRequest(collectionId, key, opts)));
      const empty = { status: 1, added: [], changed: [], deleted: [], moreAvailable: false };
      // An empty 200 answer means "no changes" (MS-ASCMD 2.2.1.21).
      if (!answer.body) return empty;
      const collection = syncCollection(answer.body, collectionId);
      if (!collection) return empty;
      const status = statusOf(collection, 'AirSync:Status') ?? 1;
      if (status === 3 && attempt === 0) {
        // Invalid SyncKey (MS-ASCMD 2.2.3.177.17): start over from 0.
        state.syncKeys[collectionId] = '0';
        continue;
      }
      requireStatus('Sync', status, `collection ${collectionId}`);
      return { status, ...readChanges(collection, collectionId) };
    }
  }

  /** A Sync collection asking for changes since `key` (MS-ASCMD 2.2.3.30.2). */
  function changesRequest(collectionId: string, key: string, opts: EasSyncOptions): EasElement {
    return syncRequestCollection(
      key,
      collectionId,
      el('AirSync:DeletesAsMoves', 1),
      el('AirSync:GetChanges'),
      el('AirSync:WindowSize', opts.windowSize ?? 100),
      el(
        'AirSync:Options',
        opts.filterType !== undefined && el('AirSync:FilterType', opts.filterType),
        el(
          'AirSyncBase:BodyPreference',
          el('AirSyncBase:Type', opts.bodyType ?? 1),
          opts.truncationSize !== undefined &&
            el('AirSyncBase:TruncationSize', opts.truncationSize),
        ),
      ),
    );
  }

  /** Keeps a successful collection's new SyncKey and reads its Commands. */
  function readChanges(
    collection: EasElement,
    collectionId: string,
  ): { added: EasItem[]; changed: EasItem[]; deleted: string[]; moreAvailable: boolean } {
    const newKey = textOf(collection, 'AirSync:SyncKey');
    if (newKey !== undefined) state.syncKeys[collectionId] = newKey;
    const className = textOf(collection, 'AirSync:Class');
    const result = {
      added: [] as EasItem[],
      changed: [] as EasItem[],
      deleted: [] as string[],
      moreAvailable: child(collection, 'AirSync:MoreAvailable') !== undefined,
    };
    for (const command of child(collection, 'AirSync:Commands')?.children ?? []) {
      const serverId = textOf(command, 'AirSync:ServerId') ?? '';
      if (command.tag === 'AirSync:Add' || command.tag === 'AirSync:Change') {
        const item = itemOf(
          serverId,
          collectionId,
          textOf(command, 'AirSync:Class') ?? className,
          child(command, 'AirSync:ApplicationData'),
        );
        (command.tag === 'AirSync:Add' ? result.added : result.changed).push(item);
      } else if (command.tag === 'AirSync:Delete' || command.tag === 'AirSync:SoftDelete') {
        result.deleted.push(serverId);
      }
    }
    return result;
  }

  /**
   * Several collections in one Sync request (MS-ASCMD 2.2.1.21 allows many), repeated
   * for the collections that still have MoreAvailable: what a sync engine does instead
   * of one Sync per folder. Collections without a key are primed together first
   * (SyncKey 0); a collection answered Status 3 starts over from 0 once.
   */
  async function syncCollections(
    requests: ReadonlyArray<{ collectionId: string; options?: EasSyncOptions }>,
  ): Promise<Record<string, Changes>> {
    const totals: Record<string, Changes> = {};
    const restarted = new Set<string>();
    let pending = requests.map((r) => ({ collectionId: r.collectionId, opts: r.options ?? {} }));
    for (const { collectionId } of pending) {
      totals[collectionId] = { added: [], changed: [], deleted: [] };
    }
    for (let round = 0; pending.length > 0; round++) {
      if (round >= MAX_SYNC_ROUNDS) throw tooManyRounds();
      const unprimed = pending.filter((p) => (state.syncKeys[p.collectionId] ?? '0') === '0');
      if (unprimed.length > 0) await primeCollections(unprimed.map((p) => p.collectionId));
      const answer = await exec(
        'Sync',
        syncRequest(
          ...pending.map((p) =>
            changesRequest(p.collectionId, state.syncKeys[p.collectionId]!, p.opts),
          ),
        ),
      );
      // An empty 200 answer means "no changes" in any collection (MS-ASCMD 2.2.1.21).
      if (!answer.body) return totals;
      requireStatus('Sync', topStatus(answer.body));
      const answered = new Map(
        collectionsOf(answer.body).map((c) => [textOf(c, 'AirSync:CollectionId') ?? '', c]),
      );
      const again: typeof pending = [];
      for (const p of pending) {
        // A collection left out of the answer has no changes.
        const collection = answered.get(p.collectionId);
        if (!collection) continue;
        const status = statusOf(collection, 'AirSync:Status') ?? 1;
        if (status === 3 && !restarted.has(p.collectionId)) {
          restarted.add(p.collectionId);
          state.syncKeys[p.collectionId] = '0';
          again.push(p);
          continue;
        }
        requireStatus('Sync', status, `collection ${p.collectionId}`);
        const changes = readChanges(collection, p.collectionId);
        addChanges(totals[p.collectionId]!, changes);
        if (changes.moreAvailable) again.push(p);
      }
      pending = again;
    }
    return totals;
  }

  /** The SyncKey 0 round for one or several collections at once; keeps each new key. */
  async function primeCollections(collectionIds: string[]): Promise<void> {
    const answer = await exec(
      'Sync',
      syncRequest(...collectionIds.map((id) => syncRequestCollection('0', id))),
    );
    const root = expectBody('Sync', answer);
    for (const id of collectionIds) {
      // With one collection asked, an answer without CollectionId is that collection.
      const collection =
        collectionIds.length === 1 ? syncCollection(root, id) : findCollection(root, id);
      requireStatus(
        'Sync',
        collection && statusOf(collection, 'AirSync:Status'),
        `collection ${id}`,
      );
      const key = collection && textOf(collection, 'AirSync:SyncKey');
      if (!key) throw new EasStatusError('Sync', 4, `no SyncKey for collection ${id}`);
      state.syncKeys[id] = key;
    }
  }

  async function syncAll(
    collectionId: string,
    opts?: EasSyncOptions,
  ): Promise<{ added: EasItem[]; changed: EasItem[]; deleted: string[]; rounds: number }> {
    const total = {
      added: [] as EasItem[],
      changed: [] as EasItem[],
      deleted: [] as string[],
      rounds: 0,
    };
    for (;;) {
      const round = await sync(collectionId, opts);
      total.rounds++;
      addChanges(total, round);
      if (!round.moreAvailable) return total;
      if (total.rounds >= MAX_SYNC_ROUNDS) throw tooManyRounds();
    }
  }

  async function getItemEstimate(collectionIds: string[]): Promise<Record<string, number>> {
    const keys: string[] = [];
    for (const id of collectionIds) {
      const key = state.syncKeys[id];
      keys.push(key === undefined || key === '0' ? await primeSync(id) : key);
    }
    const answer = await exec(
      'GetItemEstimate',
      getItemEstimateRequest(
        collectionIds.map((collectionId, i) => ({ collectionId, syncKey: keys[i]! })),
      ),
    );
    const root = expectBody('GetItemEstimate', answer);
    const out: Record<string, number> = {};
    for (const response of children(root, 'GetItemEstimate:Response')) {
      const collection = child(response, 'GetItemEstimate:Collection');
      const id = collection ? textOf(collection, 'GetItemEstimate:CollectionId') : undefined;
      requireStatus(
        'GetItemEstimate',
        statusOf(response, 'GetItemEstimate:Status'),
        id && `collection ${id}`,
      );
      if (id !== undefined) out[id] = Number(textOf(collection!, 'GetItemEstimate:Estimate') ?? 0);
    }
    requireStatus('GetItemEstimate', topStatus(root));
    return out;
  }

  async function ping(
    collectionIds: string[],
    heartbeatS: number,
  ): Promise<{ status: number; changedFolders: string[]; heartbeatS?: number }> {
    const answer = await exec(
      'Ping',
      el(
        'Ping:Ping',
        el('Ping:HeartbeatInterval', heartbeatS),
        el(
          'Ping:Folders',
          collectionIds.map((id) =>
            el('Ping:Folder', el('Ping:Id', id), el('Ping:Class', classOfFolder(id))),
          ),
        ),
      ),
    );
    const root = expectBody('Ping', answer);
    const status = topStatus(root) ?? 1;
    // 3 missing parameters, 4 syntax error, 8 server error are failures; 1, 2, 5, 6, 7 are
    // answers the caller acts on (MS-ASCMD 2.2.3.177.10).
    if (status === 3 || status === 4 || status >= 8) throw new EasStatusError('Ping', status);
    const folders = child(root, 'Ping:Folders');
    const changedFolders = folders ? children(folders, 'Ping:Folder').map((f) => f.text ?? '') : [];
    const allowed = Number(textOf(root, 'Ping:HeartbeatInterval'));
    return { status, changedFolders, ...(allowed > 0 ? { heartbeatS: allowed } : {}) };
  }

  function classOfFolder(id: string): string {
    const type = state.folders?.find((f) => f.serverId === id)?.type;
    if (type === 8 || type === 13) return 'Calendar';
    if (type === 9 || type === 14) return 'Contacts';
    if (type === 7 || type === 15) return 'Tasks';
    if (type === 10 || type === 17) return 'Notes';
    return 'Email';
  }

  async function sendMail(mime: string, opts: { saveInSent?: boolean } = {}): Promise<void> {
    if (versionNumber < 14) {
      // Before 14.0 the body is the MIME message itself (MS-ASCMD 2.2.1.16).
      const res = await send(
        'SendMail',
        Buffer.from(mime, 'utf8'),
        { saveInSent: opts.saveInSent ?? false },
        'message/rfc822',
      );
      if (!res.ok) throw new EasHttpError('SendMail', res.status, res.headers, await res.text());
      await res.arrayBuffer();
      return;
    }
    const answer = await exec(
      'SendMail',
      el(
        'ComposeMail:SendMail',
        el('ComposeMail:ClientId', randomUUID()),
        opts.saveInSent && el('ComposeMail:SaveInSentItems'),
        el('ComposeMail:Mime', new Uint8Array(Buffer.from(mime, 'utf8'))),
      ),
    );
    // Success is an empty 200; a body carries a failure Status (MS-ASCMD 2.2.1.16).
    requireStatus('SendMail', topStatus(answer.body));
  }

  async function getAttachment(
    fileReference: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }> {
    // Before 14.0 (MS-ASCMD 2.2.1.7): the file comes as it is; from 14.0, ItemOperations Fetch.
    const res = await send('GetAttachment', undefined, { attachmentName: fileReference });
    if (!res.ok) throw new EasHttpError('GetAttachment', res.status, res.headers, await res.text());
    return {
      contentType: res.headers.get('content-type') ?? 'application/octet-stream',
      bytes: new Uint8Array(await res.arrayBuffer()),
    };
  }

  /** One ItemOperations Fetch of the Mailbox store; its Fetch answer, Status 1 or thrown. */
  async function fetchOne(what: EasElement[], detail: string): Promise<EasElement> {
    const answer = await exec(
      'ItemOperations',
      el(
        'ItemOperations:ItemOperations',
        el('ItemOperations:Fetch', el('ItemOperations:Store', 'Mailbox'), ...what),
      ),
    );
    const root = expectBody('ItemOperations', answer);
    requireStatus('ItemOperations', topStatus(root));
    const fetch = child(child(root, 'ItemOperations:Response') ?? root, 'ItemOperations:Fetch');
    if (!fetch) throw new EasStatusError('ItemOperations', 2, 'no Fetch in the answer');
    requireStatus('ItemOperations', statusOf(fetch, 'ItemOperations:Status'), detail);
    return fetch;
  }

  async function fetchAttachment(
    fileReference: string,
  ): Promise<{ contentType: string; bytes: Uint8Array }> {
    const fetch = await fetchOne(
      [el('AirSyncBase:FileReference', fileReference)],
      `attachment ${fileReference}`,
    );
    const properties = child(fetch, 'ItemOperations:Properties');
    const data = properties && child(properties, 'ItemOperations:Data');
    return {
      contentType:
        (properties && textOf(properties, 'AirSyncBase:ContentType')) ?? 'application/octet-stream',
      // Base64 text, or the bytes themselves in a multipart answer.
      bytes: data?.opaque ?? new Uint8Array(Buffer.from(data?.text ?? '', 'base64')),
    };
  }

  async function itemOperationsFetch(collectionId: string, serverId: string): Promise<EasItem> {
    const fetch = await fetchOne(
      [
        el('AirSync:CollectionId', collectionId),
        el('AirSync:ServerId', serverId),
        el('ItemOperations:Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1))),
      ],
      `item ${serverId}`,
    );
    return itemOf(
      textOf(fetch, 'AirSync:ServerId') ?? serverId,
      textOf(fetch, 'AirSync:CollectionId') ?? collectionId,
      textOf(fetch, 'AirSync:Class'),
      child(fetch, 'ItemOperations:Properties'),
    );
  }

  async function search(
    query: string,
    opts: { collectionId?: string; range?: string } = {},
  ): Promise<EasItem[]> {
    const answer = await exec(
      'Search',
      el(
        'Search:Search',
        el(
          'Search:Store',
          el('Search:Name', 'Mailbox'),
          el(
            'Search:Query',
            el(
              'Search:And',
              opts.collectionId !== undefined && el('AirSync:CollectionId', opts.collectionId),
              el('Search:FreeText', query),
            ),
          ),
          el(
            'Search:Options',
            el('Search:Range', opts.range ?? '0-99'),
            opts.collectionId === undefined && el('Search:DeepTraversal'),
            el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 1)),
          ),
        ),
      ),
    );
    const root = expectBody('Search', answer);
    requireStatus('Search', topStatus(root));
    const store = child(child(root, 'Search:Response') ?? root, 'Search:Store');
    requireStatus('Search', statusOf(store, 'Search:Status'), 'store');
    const items: EasItem[] = [];
    for (const result of store ? children(store, 'Search:Result') : []) {
      const properties = child(result, 'Search:Properties');
      if (!properties) continue; // an empty Result means "no matches"
      items.push(
        itemOf(
          textOf(result, 'Search:LongId') ?? textOf(result, 'AirSync:ServerId') ?? '',
          textOf(result, 'AirSync:CollectionId') ?? opts.collectionId ?? '',
          textOf(result, 'AirSync:Class'),
          properties,
        ),
      );
    }
    return items;
  }

  async function validateCert(
    certificates: ReadonlyArray<Uint8Array | string>,
    opts: { chain?: ReadonlyArray<Uint8Array | string>; checkCrl?: boolean } = {},
  ): Promise<{ status: number; certificates: number[] }> {
    // MS-ASCMD 2.2.3.19: each Certificate is the base64 of the certificate's DER bytes.
    const base64 = (cert: Uint8Array | string): string =>
      typeof cert === 'string'
        ? cert.includes('-----BEGIN')
          ? cert.replace(/-----[^-]+-----|\s+/g, '')
          : cert
        : Buffer.from(cert).toString('base64');
    const list = (certs: ReadonlyArray<Uint8Array | string>) =>
      certs.map((cert) => el('ValidateCert:Certificate', base64(cert)));
    const answer = await exec(
      'ValidateCert',
      el(
        'ValidateCert:ValidateCert',
        opts.chain && el('ValidateCert:CertificateChain', list(opts.chain)),
        el('ValidateCert:Certificates', list(certificates)),
        opts.checkCrl !== undefined && el('ValidateCert:CheckCRL', opts.checkCrl ? 1 : 0),
      ),
    );
    const root = expectBody('ValidateCert', answer);
    return {
      status: topStatus(root) ?? 0,
      certificates: children(root, 'ValidateCert:Certificate').map(
        (c) => statusOf(c, 'ValidateCert:Status') ?? 0,
      ),
    };
  }

  async function command(
    cmd: string,
    body?: EasElement,
  ): Promise<{ status: number; headers: Headers; body?: EasElement }> {
    const res = await send(cmd, requestBytes(cmd, body));
    const decoded = res.ok ? await readBody(res) : (await res.arrayBuffer(), undefined);
    return { status: res.status, headers: res.headers, ...(decoded ? { body: decoded } : {}) };
  }

  return {
    options: options_,
    provision,
    settings,
    folderSync,
    sync,
    syncAll,
    syncCollections,
    getItemEstimate,
    ping,
    sendMail,
    getAttachment,
    fetchAttachment,
    itemOperationsFetch,
    validateCert,
    search,
    command,
    exportState: () => cloneState(state),
  };
}

function expectBody(cmd: string, answer: Exchange): EasElement {
  if (!answer.body)
    throw new EasStatusError(cmd, 0, 'empty answer where a WBXML body was expected');
  return answer.body;
}

function policyOf(root: EasElement): EasElement | undefined {
  const policies = child(root, 'Provision:Policies');
  return policies && child(policies, 'Provision:Policy');
}

function localName(tag: string): string {
  return tag.slice(tag.indexOf(':') + 1);
}

function itemOf(
  serverId: string,
  collectionId: string,
  className: string | undefined,
  container: EasElement | undefined,
): EasItem {
  const data = flattenData(container);
  const item: EasItem = { serverId, collectionId, data };
  if (className !== undefined) item.class = className;
  const body = bodyOf(data);
  if (body !== undefined) item.body = body;
  const listed = container && child(container, 'AirSyncBase:Attachments');
  if (listed) item.attachments = children(listed, 'AirSyncBase:Attachment').map(attachmentOf);
  return item;
}

function attachmentOf(node: EasElement): EasAttachment {
  const contentId = textOf(node, 'AirSyncBase:ContentId');
  return {
    name: textOf(node, 'AirSyncBase:DisplayName') ?? '',
    fileReference: textOf(node, 'AirSyncBase:FileReference') ?? '',
    size: Number(textOf(node, 'AirSyncBase:EstimatedDataSize') ?? 0) || 0,
    method: Number(textOf(node, 'AirSyncBase:Method') ?? 1) || 1,
    ...(contentId !== undefined ? { contentId } : {}),
    isInline: textOf(node, 'AirSyncBase:IsInline') === '1',
  };
}

function cloneState(state: EasClientState): EasClientState {
  const copy: EasClientState = { syncKeys: { ...state.syncKeys } };
  if (state.policyKey !== undefined) copy.policyKey = state.policyKey;
  if (state.folderSyncKey !== undefined) copy.folderSyncKey = state.folderSyncKey;
  // The folders of a state are frozen, so a state and its copies share them
  // (a client of a large lab keeps its hierarchy once, not once per copy).
  if (state.folders !== undefined) {
    copy.folders = state.folders.map((f) => (Object.isFrozen(f) ? f : Object.freeze({ ...f })));
  }
  return copy;
}

/** The AirSync:Collection elements of a Sync answer. */
function collectionsOf(root: EasElement): EasElement[] {
  const collections = child(root, 'AirSync:Collections');
  return collections ? children(collections, 'AirSync:Collection') : [];
}

type Changes = { added: EasItem[]; changed: EasItem[]; deleted: string[] };

function addChanges(total: Changes, round: Changes): void {
  total.added.push(...round.added);
  total.changed.push(...round.changed);
  total.deleted.push(...round.deleted);
}

/** A server that never clears MoreAvailable is a bug: stop instead of looping. */
function tooManyRounds(): EasStatusError {
  return new EasStatusError('Sync', 4, `MoreAvailable still set after ${MAX_SYNC_ROUNDS} rounds`);
}

/** A request's bytes; a Ping's in memory of their own, since the server holds it for up to an hour. */
function requestBytes(cmd: string, body: EasElement | undefined): Buffer | undefined {
  return body ? encodeWbxml(body, { standalone: cmd === 'Ping' }) : undefined;
}
