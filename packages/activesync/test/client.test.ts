import {
  createEasClient,
  EasHttpError,
  EasStatusError,
  el,
  textOf,
  type EasClientOptions,
  type EasClientState,
} from '@hma-lab/activesync';
import { createFakeEasServer } from './support/fake-eas-server.js';

const URL_ = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';

function setup(overrides: Partial<EasClientOptions> = {}) {
  const server = createFakeEasServer();
  const client = createEasClient({
    fetch: server.fetch,
    url: URL_,
    authorization: () => 'Bearer good',
    deviceId: 'OutlookService',
    deviceType: 'OutlookService',
    deviceModel: 'Outlook for iOS and Android',
    ...overrides,
  });
  return { server, client, state: server.state };
}

/** A second client of the same device on the same server, resuming from `state`. */
function resumeOn(server: ReturnType<typeof createFakeEasServer>, state: EasClientState) {
  return createEasClient({
    fetch: server.fetch,
    url: URL_,
    authorization: () => 'Bearer good',
    deviceId: 'OutlookService',
    deviceType: 'OutlookService',
    state,
  });
}

describe('EAS client against a fake server', () => {
  it('reads OPTIONS: versions and commands', async () => {
    const { client } = setup();
    const answer = await client.options();
    expect(answer.status).toBe(200);
    expect(answer.versions).toContain('16.1');
    expect(answer.commands).toEqual(
      expect.arrayContaining(['Sync', 'FolderSync', 'Provision', 'Settings']),
    );
  });

  it('provisions in two phases and keeps the final key for later commands', async () => {
    const { client, state } = setup({ protocolVersion: '14.1' });
    const result = await client.provision();
    expect(result).toEqual({
      policyKey: '3942919513',
      policy: { DevicePasswordEnabled: '0', MaxAttachmentSize: '10485760', AllowCamera: '1' },
      remoteWipe: false,
    });
    const [phase1, phase2] = state.requests;
    expect(phase1!.headers['x-ms-policykey']).toBe('0');
    expect(
      textOf(phase1!.body!, 'Settings:DeviceInformation', 'Settings:Set', 'Settings:Model'),
    ).toBe('Outlook for iOS and Android');
    expect(phase2!.headers['x-ms-policykey']).toBe('1307199584');
    expect(
      textOf(phase2!.body!, 'Provision:Policies', 'Provision:Policy', 'Provision:Status'),
    ).toBe('1');
    await client.folderSync();
    expect(state.requests[2]!.headers['x-ms-policykey']).toBe('3942919513');
    expect(client.exportState().policyKey).toBe('3942919513');
  });

  it('sends the wire headers a server checks', async () => {
    const { client, state } = setup({ userAgent: 'Outlook-iOS/2.0', user: 'alice@contoso.com' });
    await client.provision();
    const { headers, line } = state.requests[0]!;
    expect(headers['content-type']).toBe('application/vnd.ms-sync.wbxml');
    expect(headers['ms-asprotocolversion']).toBe('16.1');
    expect(headers['user-agent']).toBe('Outlook-iOS/2.0');
    expect(headers['authorization']).toBe('Bearer good');
    expect(line).toMatchObject({ cmd: 'Provision', user: 'alice@contoso.com', form: 'plain' });
  });

  it('uses the base64 request line when asked, with the policy key inside the bytes', async () => {
    const { client, state } = setup({ queryForm: 'base64', protocolVersion: '14.1' });
    await client.provision();
    await client.folderSync();
    const last = state.requests[state.requests.length - 1]!;
    expect(last.line).toMatchObject({
      form: 'base64',
      cmd: 'FolderSync',
      policyKey: '3942919513',
      protocolVersion: '14.1',
    });
    expect(last.headers['x-ms-policykey']).toBeUndefined();
  });

  it('asks for the Authorization value on every request (tokens get renewed)', async () => {
    let calls = 0;
    const { client } = setup({ authorization: () => (calls++, Promise.resolve('Bearer good')) });
    await client.provision();
    await client.settings();
    expect(calls).toBe(3);
  });

  it.each(['status142', 'http449'] as const)(
    're-provisions once by itself when the server signals %s',
    async (signal) => {
      const { client, state } = setup();
      state.provisionSignal = signal;
      const { folders } = await client.folderSync(); // never provisioned: server demands it
      expect(folders.map((f) => f.displayName)).toEqual(['Inbox', 'Sent Items', 'Calendar']);
      expect(state.requests.map((r) => r.line.cmd)).toEqual([
        'FolderSync',
        'Provision',
        'Provision',
        'FolderSync',
      ]);
      // a policy refresh later on: the server forgets the key
      state.validKeys.clear();
      await client.settings();
      expect(state.requests.slice(4).map((r) => r.line.cmd)).toEqual([
        'Settings',
        'Provision',
        'Provision',
        'Settings',
      ]);
    },
  );

  it('surfaces Status 142 as an EasStatusError when re-provisioning did not help', async () => {
    const { client, state } = setup();
    await client.provision();
    state.alwaysStatus['FolderSync'] = 142;
    const failure = client.folderSync();
    await expect(failure).rejects.toBeInstanceOf(EasStatusError);
    await expect(failure).rejects.toMatchObject({ command: 'FolderSync', status: 142 });
    expect(state.requests.map((r) => r.line.cmd)).toEqual([
      'Provision',
      'Provision',
      'FolderSync',
      'Provision',
      'Provision',
      'FolderSync',
    ]);
  });

  it('reads Settings UserInformation', async () => {
    const { client } = setup();
    await client.provision();
    const { status, userInformation } = await client.settings();
    expect(status).toBe(1);
    expect(userInformation).toEqual({
      Accounts: {
        Account: {
          UserDisplayName: 'Alice Wilson',
          EmailAddresses: {
            SMTPAddress: ['alice@contoso.com', 'alice.wilson@contoso.com'],
            PrimarySmtpAddress: 'alice@contoso.com',
          },
        },
      },
    });
  });

  it('follows FolderSync changes and restarts from 0 on Status 9', async () => {
    const { client, state } = setup();
    await client.provision();
    const first = await client.folderSync();
    expect(first.changes.added).toHaveLength(3);
    state.pendingFolderChanges.push(
      el(
        'FolderHierarchy:Add',
        el('FolderHierarchy:ServerId', '4'),
        el('FolderHierarchy:ParentId', '1'),
        el('FolderHierarchy:DisplayName', 'Projects'),
        el('FolderHierarchy:Type', 12),
      ),
      el('FolderHierarchy:Delete', el('FolderHierarchy:ServerId', '2')),
    );
    const second = await client.folderSync();
    expect(second.changes).toEqual({
      added: [{ serverId: '4', parentId: '1', displayName: 'Projects', type: 12 }],
      updated: [],
      deleted: ['2'],
    });
    expect(second.folders.map((f) => f.serverId)).toEqual(['1', '3', '4']);
    state.folderKeys.clear(); // the server lost the hierarchy state
    const third = await client.folderSync();
    expect(third.changes.added).toHaveLength(3);
    const keys = state.requests
      .filter((r) => r.line.cmd === 'FolderSync')
      .map((r) => textOf(r.body!, 'FolderHierarchy:SyncKey'));
    expect(keys.slice(-2)).toEqual([expect.stringMatching(/^F\d+$/), '0']);
  });

  it('syncs a collection: initial key-0 round inside, then pages with MoreAvailable', async () => {
    const { client, state } = setup();
    await client.provision();
    const first = await client.sync('1', { windowSize: 2 });
    expect(first.status).toBe(1);
    expect(first.moreAvailable).toBe(true);
    expect(first.added.map((i) => i.serverId)).toEqual(['1:1', '1:2']);
    expect(first.added[0]).toEqual({
      serverId: '1:1',
      collectionId: '1',
      data: {
        'Email:Subject': 'Message 1',
        'Email:To': 'alice@contoso.com',
        'AirSyncBase:Body/AirSyncBase:Type': '1',
        'AirSyncBase:Body/AirSyncBase:Data': 'Body of message 1',
      },
      body: 'Body of message 1',
    });
    const syncKeys = state.requests
      .filter((r) => r.line.cmd === 'Sync')
      .map((r) => textOf(r.body!, 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey'));
    expect(syncKeys[0]).toBe('0');
    const rest = await client.syncAll('1', { windowSize: 2 });
    expect(rest.rounds).toBe(2);
    expect(rest.added.map((i) => i.serverId)).toEqual(['1:3', '1:4', '1:5']);
    const idle = await client.sync('1');
    expect(idle).toEqual({ status: 1, added: [], changed: [], deleted: [], moreAvailable: false });
  });

  it('restarts Sync from 0 on Status 3 (invalid SyncKey)', async () => {
    const { client, state } = setup();
    await client.provision();
    await client.syncAll('1');
    state.syncKeys.clear(); // the server forgot every sync key
    state.mail['1']!.push({ serverId: '1:6', subject: 'Late', body: 'x' });
    const again = await client.syncAll('1');
    expect(again.added).toHaveLength(6);
  });

  it('surfaces other Sync statuses as EasStatusError', async () => {
    const { client } = setup();
    await client.provision();
    await expect(client.sync('99')).rejects.toMatchObject({
      name: 'EasStatusError',
      command: 'Sync',
      status: 8,
    });
  });

  it('estimates items, priming sync state when needed', async () => {
    const { client } = setup();
    await client.provision();
    await client.folderSync();
    expect(await client.getItemEstimate(['1', '2'])).toEqual({ '1': 5, '2': 0 });
  });

  it("sends a Ping's bytes in memory of their own (a held request must not pin node's shared buffer pool)", async () => {
    const server = createFakeEasServer();
    const bodies = new Map<string, Uint8Array>();
    const { client } = setup({
      fetch: (url, init) => {
        const cmd = new URL(String(url)).searchParams.get('Cmd') ?? '';
        if (init?.body instanceof Uint8Array) bodies.set(cmd, init.body);
        return server.fetch(url, init);
      },
    });
    await client.provision();
    await client.folderSync();
    await client.ping(['1'], 480);
    const ping = bodies.get('Ping')!;
    expect(ping.byteLength).toBeGreaterThan(0);
    expect(ping.buffer.byteLength).toBe(ping.byteLength);
    // Other commands answer at once: their few bytes stay in the pool.
    const folderSync = bodies.get('FolderSync')!;
    expect(folderSync.buffer.byteLength).toBeGreaterThan(folderSync.byteLength);
  });

  it('pings and reports the folders with changes', async () => {
    const { client, state } = setup();
    await client.provision();
    await client.folderSync();
    expect(await client.ping(['1', '2', '3'], 480)).toEqual({ status: 2, changedFolders: ['1'] });
    const sent = state.requests[state.requests.length - 1]!.body!;
    expect(textOf(sent, 'Ping:HeartbeatInterval')).toBe('480');
    expect(sent.children[1]!.children.map((f) => textOf(f, 'Ping:Class'))).toEqual([
      'Email',
      'Email',
      'Calendar',
    ]);
  });

  it('sends mail as opaque MIME (14.0+) and as a raw body (before 14.0)', async () => {
    const mime = 'From: alice@contoso.com\r\nTo: bob@contoso.com\r\nSubject: hi\r\n\r\nhello';
    const modern = setup();
    await modern.client.provision();
    await modern.client.sendMail(mime, { saveInSent: true });
    expect(modern.state.sent).toEqual([{ mime, saveInSent: true }]);
    const legacy = setup({ protocolVersion: '12.1' });
    legacy.state.provisionSignal = 'http449';
    await legacy.client.provision();
    await legacy.client.sendMail(mime, { saveInSent: true });
    expect(legacy.state.sent).toEqual([{ mime, saveInSent: true }]);
    const last = legacy.state.requests[legacy.state.requests.length - 1]!;
    expect(last.headers['content-type']).toBe('message/rfc822');
    expect(last.line.saveInSent).toBe(true);
  });

  it('surfaces a SendMail failure Status', async () => {
    const { client, state } = setup();
    await client.provision();
    state.failNext['SendMail'] = { status: 120 };
    await expect(client.sendMail('x')).rejects.toMatchObject({ command: 'SendMail', status: 120 });
  });

  it('fetches one item with ItemOperations', async () => {
    const { client } = setup();
    await client.provision();
    const item = await client.itemOperationsFetch('1', '1:3');
    expect(item).toMatchObject({
      serverId: '1:3',
      collectionId: '1',
      class: 'Email',
      body: 'Body of message 3',
    });
    expect(item.data['Email:Subject']).toBe('Message 3');
    await expect(client.itemOperationsFetch('1', '1:99')).rejects.toMatchObject({
      command: 'ItemOperations',
      status: 6,
    });
  });

  it('searches the mailbox', async () => {
    const { client } = setup();
    await client.provision();
    const hits = await client.search('Message 2');
    expect(hits).toEqual([
      {
        serverId: 'RgAAAA1:2',
        collectionId: '1',
        class: 'Email',
        data: { 'Email:Subject': 'Message 2' },
      },
    ]);
    expect(await client.search('nothing like this')).toEqual([]);
  });

  it('surfaces a 401 with its challenge and x-ms-diagnostics', async () => {
    const { client } = setup({ authorization: () => 'Bearer expired' });
    const failure = client.provision();
    await expect(failure).rejects.toBeInstanceOf(EasHttpError);
    const err = (await failure.catch((e: unknown) => e)) as EasHttpError;
    expect(err.status).toBe(401);
    expect(err.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(err.message).toContain('2000003');
    await expect(client.options()).rejects.toMatchObject({ status: 401 });
  });

  it('surfaces 451 redirects and 503s with their headers', async () => {
    const { client, state } = setup();
    await client.provision();
    state.failNext['FolderSync'] = {
      http: 451,
      headers: { 'X-MS-Location': 'https://mail2.contoso.com/Microsoft-Server-ActiveSync' },
    };
    const err = (await client.folderSync().catch((e: unknown) => e)) as EasHttpError;
    expect(err).toBeInstanceOf(EasHttpError);
    expect(err.status).toBe(451);
    expect(err.headers.get('x-ms-location')).toBe(
      'https://mail2.contoso.com/Microsoft-Server-ActiveSync',
    );
    state.failNext['Sync'] = { http: 503, headers: { 'Retry-After': '30' } };
    await expect(client.sync('1')).rejects.toMatchObject({ status: 503, body: 'forced' });
  });

  it('raw command() returns whatever came back, without retries or throws', async () => {
    const { client } = setup();
    const raw = await client.command(
      'FolderSync',
      el('FolderHierarchy:FolderSync', el('FolderHierarchy:SyncKey', '0')),
    );
    expect(raw.status).toBe(200);
    expect(textOf(raw.body!, 'FolderHierarchy:Status')).toBe('142');
    const unauthorized = await createEasClient({
      fetch: createFakeEasServer().fetch,
      url: URL_,
      authorization: () => 'Bearer nope',
      deviceId: 'd',
      deviceType: 't',
    }).command('Settings');
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.body).toBeUndefined();
  });

  it('exports state and resumes from it', async () => {
    const { client, server } = setup();
    await client.provision();
    await client.folderSync();
    await client.sync('1', { windowSize: 2 });
    const saved = client.exportState();
    expect(saved).toMatchObject({
      policyKey: '3942919513',
      folderSyncKey: expect.stringMatching(/^F/),
      syncKeys: { '1': expect.any(String) },
    });
    saved.syncKeys['1'] = 'tampered-copy'; // exported state is a copy
    expect(client.exportState().syncKeys['1']).not.toBe('tampered-copy');
    const resumed = resumeOn(server, client.exportState());
    const next = await resumed.syncAll('1', { windowSize: 2 });
    expect(next.added.map((i) => i.serverId)).toEqual(['1:3', '1:4', '1:5']);
    expect(server.state.requests.filter((r) => r.line.cmd === 'Provision')).toHaveLength(2);
  });

  it('shares the folders of exported states as frozen objects, and freezes copies of those it is given', async () => {
    const { client, server } = setup();
    await client.provision();
    const { folders } = await client.folderSync();
    const first = client.exportState().folders!;
    const second = client.exportState().folders!;
    expect(first).not.toBe(second);
    expect(first[0]).toBe(second[0]);
    expect(first.every((f) => Object.isFrozen(f))).toBe(true);
    expect(() => {
      (first[0] as { displayName: string }).displayName = 'Renamed';
    }).toThrow(TypeError);
    // What folderSync answers stays the caller's own to change.
    folders[0]!.displayName = 'Mine';
    expect(client.exportState().folders![0]!.displayName).not.toBe('Mine');
    // A state given with plain folders: the client keeps frozen copies, so a later change by the giver does not reach it.
    const given = { ...client.exportState(), folders: first.map((f) => ({ ...f })) };
    const resumed = resumeOn(server, given);
    given.folders[0]!.displayName = 'Changed by the giver';
    expect(resumed.exportState().folders![0]!.displayName).toBe(first[0]!.displayName);
    expect(Object.isFrozen(resumed.exportState().folders![0])).toBe(true);
  });
});
