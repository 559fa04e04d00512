// A small ActiveSync server for the client tests, built on this package's codec: enough of
// Provision, Settings, FolderSync, Sync, GetItemEstimate, Ping, SendMail, ItemOperations and
// Search to drive the client, plus switches to make it misbehave.
import express from 'express';
import { createInProcessTransport } from '@hma-lab/core';
import {
  child,
  children,
  decodeWbxml,
  EAS_OPTIONS_HEADERS,
  el,
  encodeWbxml,
  parseEasQuery,
  textOf,
  type EasElement,
  type EasRequestLine,
} from '@hma-lab/activesync';

export interface FakeMail {
  serverId: string;
  subject: string;
  body: string;
}

export interface FakeServerState {
  token: string;
  tempKey: string;
  finalKey: string;
  /** Keys the server accepts; clear it to force re-provisioning. */
  validKeys: Set<string>;
  /** How the server asks for provisioning: HTTP 449 (≤12.1 style) or Status 142 (14.0+). */
  provisionSignal: 'http449' | 'status142';
  folders: Array<{ serverId: string; parentId: string; displayName: string; type: number }>;
  folderKeys: Set<string>;
  pendingFolderChanges: EasElement[];
  mail: Record<string, FakeMail[]>;
  /** Per collection: items already sent for each issued sync key. */
  syncKeys: Map<string, { collectionId: string; sent: number }>;
  /** Everything the server saw, for assertions. */
  requests: Array<{
    line: EasRequestLine;
    headers: Record<string, string | string[] | undefined>;
    body?: EasElement;
    raw: Buffer;
  }>;
  sent: Array<{ mime: string; saveInSent: boolean }>;
  /** Next answers to force, by command: an HTTP status, or an EAS status. */
  failNext: Record<string, { http?: number; status?: number; headers?: Record<string, string> }>;
  /** An EAS status to answer every time, by command. */
  alwaysStatus: Record<string, number>;
  counter: number;
}

export function createFakeEasServer(): {
  app: express.Express;
  state: FakeServerState;
  fetch: (url: string, init?: RequestInit) => Promise<Response>;
} {
  const state: FakeServerState = {
    token: 'Bearer good',
    tempKey: '1307199584',
    finalKey: '3942919513',
    validKeys: new Set(),
    provisionSignal: 'status142',
    folders: [
      { serverId: '1', parentId: '0', displayName: 'Inbox', type: 2 },
      { serverId: '2', parentId: '0', displayName: 'Sent Items', type: 5 },
      { serverId: '3', parentId: '0', displayName: 'Calendar', type: 8 },
    ],
    folderKeys: new Set(),
    pendingFolderChanges: [],
    mail: {
      '1': Array.from({ length: 5 }, (_, i) => ({
        serverId: `1:${i + 1}`,
        subject: `Message ${i + 1}`,
        body: `Body of message ${i + 1}`,
      })),
      '2': [],
    },
    syncKeys: new Map(),
    requests: [],
    sent: [],
    failNext: {},
    alwaysStatus: {},
    counter: 0,
  };

  const app = express();
  app.use(express.raw({ type: () => true, limit: '10mb' }));

  app.options('/Microsoft-Server-ActiveSync', function optionsEndpoint(req, res) {
    if (req.headers.authorization !== state.token) return challenge(res);
    res.set(EAS_OPTIONS_HEADERS).status(200).end();
  });

  app.post('/Microsoft-Server-ActiveSync', function easEndpoint(req, res) {
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let line: EasRequestLine;
    try {
      line = parseEasQuery(req.url, req.headers);
    } catch {
      return res.status(400).end();
    }
    const isWbxml = (req.headers['content-type'] ?? '').includes('wbxml');
    const body = isWbxml && raw.length > 0 ? decodeWbxml(raw) : undefined;
    state.requests.push({ line, headers: req.headers, ...(body ? { body } : {}), raw });
    if (req.headers.authorization !== state.token) return challenge(res);

    const forced = state.failNext[line.cmd];
    if (forced) {
      delete state.failNext[line.cmd];
      if (forced.http)
        return res
          .status(forced.http)
          .set(forced.headers ?? {})
          .send('forced');
      if (forced.status) return wbxml(res, statusOnly(line.cmd, forced.status));
    }
    const always = state.alwaysStatus[line.cmd];
    if (always !== undefined) return wbxml(res, statusOnly(line.cmd, always));
    if (line.cmd !== 'Provision' && !state.validKeys.has(line.policyKey ?? '')) {
      if (state.provisionSignal === 'http449') return res.status(449).end();
      return wbxml(res, statusOnly(line.cmd, 142));
    }
    const handler = handlers[line.cmd];
    if (!handler) return res.status(501).end();
    const answer = handler(line, body, raw);
    if (answer === undefined) return res.status(200).end();
    return wbxml(res, answer);
  });

  const handlers: Record<
    string,
    (line: EasRequestLine, body: EasElement | undefined, raw: Buffer) => EasElement | undefined
  > = {
    Provision(_line, body) {
      const policy = child(child(body!, 'Provision:Policies')!, 'Provision:Policy')!;
      const ack = textOf(policy, 'Provision:PolicyKey');
      if (ack === undefined) {
        return el(
          'Provision:Provision',
          child(body!, 'Settings:DeviceInformation') &&
            el('Settings:DeviceInformation', el('Settings:Status', 1)),
          el('Provision:Status', 1),
          el(
            'Provision:Policies',
            el(
              'Provision:Policy',
              el('Provision:PolicyType', 'MS-EAS-Provisioning-WBXML'),
              el('Provision:Status', 1),
              el('Provision:PolicyKey', state.tempKey),
              el(
                'Provision:Data',
                el(
                  'Provision:EASProvisionDoc',
                  el('Provision:DevicePasswordEnabled', 0),
                  el('Provision:MaxAttachmentSize', 10485760),
                  el('Provision:AllowCamera', 1),
                ),
              ),
            ),
          ),
        );
      }
      const ok = ack === state.tempKey;
      if (ok) state.validKeys.add(state.finalKey);
      return el(
        'Provision:Provision',
        el('Provision:Status', 1),
        el(
          'Provision:Policies',
          el(
            'Provision:Policy',
            el('Provision:PolicyType', 'MS-EAS-Provisioning-WBXML'),
            el('Provision:Status', ok ? 1 : 5),
            ok && el('Provision:PolicyKey', state.finalKey),
          ),
        ),
      );
    },
    Settings() {
      return el(
        'Settings:Settings',
        el('Settings:Status', 1),
        el('Settings:DeviceInformation', el('Settings:Status', 1)),
        el(
          'Settings:UserInformation',
          el('Settings:Status', 1),
          el(
            'Settings:Get',
            el(
              'Settings:Accounts',
              el(
                'Settings:Account',
                el('Settings:UserDisplayName', 'Alice Wilson'),
                el(
                  'Settings:EmailAddresses',
                  el('Settings:SMTPAddress', 'alice@contoso.com'),
                  el('Settings:SMTPAddress', 'alice.wilson@contoso.com'),
                  el('Settings:PrimarySmtpAddress', 'alice@contoso.com'),
                ),
              ),
            ),
          ),
        ),
      );
    },
    FolderSync(_line, body) {
      const key = textOf(body!, 'FolderHierarchy:SyncKey');
      const fresh = key === '0';
      if (!fresh && !state.folderKeys.has(key!)) return statusOnly('FolderSync', 9);
      const changes = fresh
        ? state.folders.map((f) =>
            el(
              'FolderHierarchy:Add',
              el('FolderHierarchy:ServerId', f.serverId),
              el('FolderHierarchy:ParentId', f.parentId),
              el('FolderHierarchy:DisplayName', f.displayName),
              el('FolderHierarchy:Type', f.type),
            ),
          )
        : state.pendingFolderChanges.splice(0);
      const newKey = `F${++state.counter}`;
      state.folderKeys.add(newKey);
      return el(
        'FolderHierarchy:FolderSync',
        el('FolderHierarchy:Status', 1),
        el('FolderHierarchy:SyncKey', newKey),
        el('FolderHierarchy:Changes', el('FolderHierarchy:Count', changes.length), changes),
      );
    },
    Sync(_line, body) {
      const collection = child(child(body!, 'AirSync:Collections')!, 'AirSync:Collection')!;
      const key = textOf(collection, 'AirSync:SyncKey')!;
      const id = textOf(collection, 'AirSync:CollectionId')!;
      const reply = (status: number, ...rest: EasElement[]): EasElement =>
        el(
          'AirSync:Sync',
          el(
            'AirSync:Collections',
            el(
              'AirSync:Collection',
              rest.length > 0 && el('AirSync:SyncKey', textOf(rest[0]!) ?? ''),
              el('AirSync:CollectionId', id),
              el('AirSync:Status', status),
              rest.slice(1),
            ),
          ),
        );
      if (!(id in state.mail)) return reply(8);
      const issue = (sent: number): EasElement => {
        const newKey = `S${++state.counter}`;
        state.syncKeys.set(newKey, { collectionId: id, sent });
        return el('AirSync:SyncKey', newKey);
      };
      if (key === '0') return reply(1, issue(0));
      const known = state.syncKeys.get(key);
      if (!known || known.collectionId !== id) return reply(3);
      const window = Number(textOf(collection, 'AirSync:WindowSize') ?? 100);
      const all = state.mail[id]!;
      const page = all.slice(known.sent, known.sent + window);
      if (page.length === 0) return undefined; // empty answer: no changes
      const more = known.sent + page.length < all.length;
      return reply(
        1,
        issue(known.sent + page.length),
        ...(more ? [el('AirSync:MoreAvailable')] : []),
        el(
          'AirSync:Commands',
          page.map((m) =>
            el(
              'AirSync:Add',
              el('AirSync:ServerId', m.serverId),
              el(
                'AirSync:ApplicationData',
                el('Email:Subject', m.subject),
                el('Email:To', 'alice@contoso.com'),
                el('AirSyncBase:Body', el('AirSyncBase:Type', 1), el('AirSyncBase:Data', m.body)),
              ),
            ),
          ),
        ),
      );
    },
    GetItemEstimate(_line, body) {
      const collections = children(
        child(body!, 'GetItemEstimate:Collections')!,
        'GetItemEstimate:Collection',
      );
      return el(
        'GetItemEstimate:GetItemEstimate',
        collections.map((c) => {
          const id = textOf(c, 'GetItemEstimate:CollectionId')!;
          const known = state.syncKeys.get(textOf(c, 'AirSync:SyncKey') ?? '');
          return el(
            'GetItemEstimate:Response',
            el('GetItemEstimate:Status', known ? 1 : 4),
            el(
              'GetItemEstimate:Collection',
              el('GetItemEstimate:CollectionId', id),
              known && el('GetItemEstimate:Estimate', (state.mail[id]?.length ?? 0) - known.sent),
            ),
          );
        }),
      );
    },
    Ping(_line, body) {
      const ids = children(child(body!, 'Ping:Folders')!, 'Ping:Folder').map((f) =>
        textOf(f, 'Ping:Id')!,
      );
      const changed = ids.filter((id) => (state.mail[id]?.length ?? 0) > 0);
      return el(
        'Ping:Ping',
        el('Ping:Status', changed.length > 0 ? 2 : 1),
        changed.length > 0 &&
          el(
            'Ping:Folders',
            changed.map((id) => el('Ping:Folder', id)),
          ),
      );
    },
    SendMail(line, body, raw) {
      if (body) {
        const mime = Buffer.from(child(body, 'ComposeMail:Mime')!.opaque!).toString('utf8');
        state.sent.push({
          mime,
          saveInSent: child(body, 'ComposeMail:SaveInSentItems') !== undefined,
        });
      } else {
        state.sent.push({ mime: raw.toString('utf8'), saveInSent: line.saveInSent ?? false });
      }
      return undefined;
    },
    ItemOperations(_line, body) {
      const fetch = child(body!, 'ItemOperations:Fetch')!;
      const id = textOf(fetch, 'AirSync:CollectionId')!;
      const serverId = textOf(fetch, 'AirSync:ServerId')!;
      const mail = state.mail[id]?.find((m) => m.serverId === serverId);
      return el(
        'ItemOperations:ItemOperations',
        el('ItemOperations:Status', 1),
        el(
          'ItemOperations:Response',
          el(
            'ItemOperations:Fetch',
            el('ItemOperations:Status', mail ? 1 : 6),
            el('AirSync:CollectionId', id),
            el('AirSync:ServerId', serverId),
            mail && el('AirSync:Class', 'Email'),
            mail &&
              el(
                'ItemOperations:Properties',
                el('Email:Subject', mail.subject),
                el(
                  'AirSyncBase:Body',
                  el('AirSyncBase:Type', 1),
                  el('AirSyncBase:Data', mail.body),
                ),
              ),
          ),
        ),
      );
    },
    Search(_line, body) {
      const query = child(child(body!, 'Search:Store')!, 'Search:Query')!;
      const text = textOf(query, 'Search:And', 'Search:FreeText') ?? '';
      const hits = Object.entries(state.mail).flatMap(([id, list]) =>
        list.filter((m) => m.subject.includes(text)).map((m) => ({ id, m })),
      );
      return el(
        'Search:Search',
        el('Search:Status', 1),
        el(
          'Search:Response',
          el(
            'Search:Store',
            el('Search:Status', 1),
            hits.length === 0
              ? el('Search:Result')
              : hits.map(({ id, m }) =>
                  el(
                    'Search:Result',
                    el('AirSync:Class', 'Email'),
                    el('Search:LongId', `RgAAAA${m.serverId}`),
                    el('AirSync:CollectionId', id),
                    el('Search:Properties', el('Email:Subject', m.subject)),
                  ),
                ),
            el('Search:Range', `0-${Math.max(0, hits.length - 1)}`),
            el('Search:Total', hits.length),
          ),
        ),
      );
    },
  };

  // In-process, no sockets: the lab's own transport hands the request to the app.
  const transport = createInProcessTransport({ 'onprem-eas': app });
  const fetch = (url: string, init: RequestInit = {}): Promise<Response> =>
    transport.send('onprem-eas', new URL(url), init);

  return { app, state, fetch };
}

function statusOnly(cmd: string, status: number): EasElement {
  const root: Record<string, string> = {
    Sync: 'AirSync:Sync',
    FolderSync: 'FolderHierarchy:FolderSync',
    Settings: 'Settings:Settings',
    Ping: 'Ping:Ping',
    GetItemEstimate: 'GetItemEstimate:GetItemEstimate',
    ItemOperations: 'ItemOperations:ItemOperations',
    Search: 'Search:Search',
    SendMail: 'ComposeMail:SendMail',
    Provision: 'Provision:Provision',
  };
  const tag = root[cmd] ?? 'AirSync:Sync';
  const page = tag.slice(0, tag.indexOf(':'));
  return el(tag, el(`${page}:Status`, status));
}

function wbxml(res: express.Response, body: EasElement): void {
  res.status(200).type('application/vnd.ms-sync.wbxml').send(encodeWbxml(body));
}

function challenge(res: express.Response): void {
  res
    .status(401)
    .set(
      'WWW-Authenticate',
      'Bearer client_id="00000002-0000-0ff1-ce00-000000000000", error="invalid_token"',
    )
    .set(
      'x-ms-diagnostics',
      '2000003;reason="The audience claim value is invalid.";error_category="invalid_resource"',
    )
    .end();
}
