import { hybridLab } from './support.js';

describe('bad input never yields a stack trace, a hang or a 500', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  it('answers junk in the protocol shapes', async () => {
    lab = hybridLab();
    const fetch = lab.ctx.fetchFor('client');
    const token = lab.at1();
    const cases: Array<[string, RequestInit, number]> = [
      ['/autodiscover/autodiscover.json/v1.0/%ZZ?Protocol=ActiveSync', {}, 400],
      [
        '/autodiscover/autodiscover.json?Email=bob%40contoso.com&Protocol=ActiveSync&Protocol=Ews',
        {},
        200,
      ],
      [
        `/autodiscover/autodiscover.json?Email=${'a'.repeat(5000)}%40b.com&Protocol=ActiveSync`,
        {},
        400,
      ],
      [
        '/api/hma/v1/provision',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: '[1,2]',
        },
        400,
      ],
      [
        '/api/hma/v1/provision',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
          body: 'hello',
        },
        400,
      ],
      [
        '/api/hma/v1/provision',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: 'x'.repeat(2_000_000),
        },
        413,
      ],
      [
        '/api/hma/v1/mailbox/messages?folder=inbox&folder=drafts',
        { headers: { authorization: `Bearer ${token}` } },
        404,
      ],
      ['/api/hma/v1/account', { headers: { authorization: 'Bearer a.b.c' } }, 401],
      ['/api/hma/v1/account', { headers: { authorization: 'Basic Zm9vOmJhcg==' } }, 401],
      [
        '/Microsoft-Server-ActiveSync?Cmd=Sync',
        {
          method: 'POST',
          headers: { authorization: `Bearer ${lab.at1('bob@contoso.com')}` },
          body: 'junk',
        },
        400,
      ],
    ];
    for (const [path, init, status] of cases) {
      const res = await fetch(`https://outlook.office365.com${path}`, {
        redirect: 'manual',
        ...init,
      });
      const text = await res.text();
      expect([path.slice(0, 80), res.status]).toEqual([path.slice(0, 80), status]);
      expect(text).not.toMatch(/\bat [\w.<>]+ \(|node:internal|\.ts:\d+/);
    }
    expect(lab.ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });
});
