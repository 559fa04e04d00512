import {
  child,
  children,
  createEasClient,
  el,
  syncRequest,
  syncRequestCollection,
  textOf,
} from '@hma-lab/activesync';
import { WELL_KNOWN_APPS } from '@hma-lab/core';
import { EXO, hybridLab, mintAccessToken } from './support.js';

/** Finding F5: NUL in text must not become a 500 or an unsyncable mailbox (docs/errors.md, "NUL in ActiveSync text"). */

const BOB = 'bob@contoso.com';
const A_NUL_B = new Uint8Array([0x41, 0x00, 0x42]);

describe('NUL characters (F5)', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  function bobDevice() {
    const token = mintAccessToken(lab.ctx, BOB, {
      appid: WELL_KNOWN_APPS.outlookMobile,
      amr: ['pwd', 'fed'],
    });
    return createEasClient({
      fetch: lab.ctx.fetchFor('device'),
      url: `${EXO}/Microsoft-Server-ActiveSync`,
      authorization: () => `Bearer ${token}`,
      deviceId: 'bobnul1',
      deviceType: 'iPhone',
      user: BOB,
      protocolVersion: '14.1',
    });
  }

  it('cloud engine: a PolicyType or CollectionId given as OPAQUE "A\\0B" gets a Status, not 500', async () => {
    lab = hybridLab();
    const eas = bobDevice();
    const provision = await eas.command(
      'Provision',
      el(
        'Provision:Provision',
        el('Provision:Policies', el('Provision:Policy', el('Provision:PolicyType', A_NUL_B))),
      ),
    );
    expect(provision.status).toBe(200);
    const policy = child(child(provision.body!, 'Provision:Policies')!, 'Provision:Policy')!;
    expect(textOf(policy, 'Provision:PolicyType')).toBe('A\uFFFDB');
    expect(textOf(policy, 'Provision:Status')).toBe('3');

    await eas.provision();
    const { folders } = await eas.folderSync();
    const inbox = folders.find((f) => f.type === 2)!.serverId;
    const sync = await eas.command('Sync', syncRequest(syncRequestCollection(A_NUL_B, A_NUL_B)));
    expect(sync.status).toBe(200);
    const [collection] = children(child(sync.body!, 'AirSync:Collections')!, 'AirSync:Collection');
    // An unknown CollectionId: 12, as on-premises and docs/errors.md say.
    expect(textOf(collection!, 'AirSync:Status')).toBe('12');

    lab.exo.deliver(BOB, { subject: 'A\0B' });
    const { added } = await eas.syncAll(inbox);
    expect(added.map((i) => i.data['Email:Subject'])).toContain('A\uFFFDB');
  });

  it('answers search q=%00 with 400 InvalidRequest, not 502', async () => {
    lab = hybridLab();
    await lab.provision();
    const res = await lab.call('GET', '/api/hma/v1/mailbox/search?q=%00', lab.at1());
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'InvalidRequest' });
  });
});
