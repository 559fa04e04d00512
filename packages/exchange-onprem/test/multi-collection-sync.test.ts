import type { EasItem, EasClientOptions } from '@hma-lab/activesync';
import { createLab, type Lab } from './helpers.js';

/** A client whose Sync requests are counted. */
function countingClient(lab: Lab, options: Partial<EasClientOptions> = {}) {
  const counts = { sync: 0 };
  const client = lab.client({
    fetch: (url, init) => {
      if (String(url).includes('Cmd=Sync')) counts.sync++;
      return lab.fetch(url, init);
    },
    ...options,
  });
  return { client, counts };
}

const ids = (items: EasItem[]) => items.map((i) => i.serverId).sort();

describe('Sync of several collections in one request (EAS client syncCollections)', () => {
  it('gets the same items as one Sync per folder, with fewer requests, paging per collection', async () => {
    const lab = createLab();
    const { client, counts } = countingClient(lab, { deviceId: 'multi0001' });
    const single = lab.client({ deviceId: 'single0001' });
    await client.provision();
    await single.provision();
    const { folders } = await client.folderSync();
    await single.folderSync();
    const wanted = [2, 8, 9].map((type) => folders.find((f) => f.type === type)!.serverId);

    const together = await client.syncCollections(
      wanted.map((collectionId) => ({ collectionId, options: { windowSize: 3 } })),
    );
    for (const collectionId of wanted) {
      const alone = await single.syncAll(collectionId, { windowSize: 3 });
      expect(ids(together[collectionId]!.added)).toEqual(ids(alone.added));
      expect(together[collectionId]!.added.every((i) => i.collectionId === collectionId)).toBe(
        true,
      );
    }
    const items = wanted.reduce((n, id) => n + together[id]!.added.length, 0);
    expect(items).toBeGreaterThan(9);
    // One priming round for all three, then rounds of at most 3 items per collection.
    const largest = Math.max(...wanted.map((id) => together[id]!.added.length));
    expect(counts.sync).toBe(1 + Math.max(1, Math.ceil(largest / 3)));

    // Incremental: a new message shows up in the inbox only.
    lab.eas.deliver('alice@contoso.com', {
      subject: 'Arrived later',
      from: 'megan@contoso.com',
      bodyText: 'Hello',
    });
    counts.sync = 0;
    const next = await client.syncCollections(wanted.map((collectionId) => ({ collectionId })));
    expect(next[wanted[0]!]!.added.map((i) => i.data['Email:Subject'])).toEqual(['Arrived later']);
    expect(next[wanted[1]!]!.added).toEqual([]);
    expect(next[wanted[2]!]!.added).toEqual([]);
    expect(counts.sync).toBe(1);
  });

  it('starts a collection over from SyncKey 0 when the server does not know its key (Status 3)', async () => {
    const lab = createLab();
    const first = lab.client({ deviceId: 'multi0002' });
    await first.provision();
    const { folders } = await first.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const calendar = folders.find((f) => f.type === 8)!.serverId;
    const initial = await first.syncCollections([
      { collectionId: inbox },
      { collectionId: calendar },
    ]);

    // The same device comes back with a sync key the server never gave out for the inbox.
    const state = first.exportState();
    state.syncKeys[inbox] = '{00000000-0000-0000-0000-000000000000}99';
    const resumed = lab.client({ deviceId: 'multi0002', state });
    const again = await resumed.syncCollections([
      { collectionId: inbox },
      { collectionId: calendar },
    ]);
    expect(ids(again[inbox]!.added)).toEqual(ids(initial[inbox]!.added));
    expect(again[calendar]!.added).toEqual([]);
  });

  it('surfaces a collection the server refuses as EasStatusError', async () => {
    const lab = createLab();
    const client = lab.client({ deviceId: 'multi0003' });
    await client.provision();
    await client.folderSync();
    await expect(client.syncCollections([{ collectionId: '999' }])).rejects.toMatchObject({
      name: 'EasStatusError',
      command: 'Sync',
    });
  });
});
