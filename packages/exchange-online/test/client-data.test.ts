import { ALICE, DAY_MS, exchangesBetween, hybridLab } from './support.js';

describe('client data API (step 20)', () => {
  let lab: ReturnType<typeof hybridLab>;
  afterEach(() => lab?.close());

  it('serves the account labelled "Exchange (Hybrid)", mail, calendar and contacts with AT1', async () => {
    lab = hybridLab();
    await lab.provision();
    const at1 = lab.at1();
    const account = await lab.call('GET', '/api/hma/v1/account', at1);
    expect(account.status).toBe(200);
    expect(account.body).toMatchObject({
      emailAddress: ALICE,
      accountType: 'Exchange (Hybrid)',
      state: 'ready',
      cloudCache: { mailWindowDays: 28 },
      outOfOffice: { state: 'disabled', internalReply: 'Alice Wong is out of the office.' },
    });

    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=inbox', at1);
    expect(messages.body.value[0]).toEqual({
      id: expect.any(String),
      subject: expect.any(String),
      from: { name: expect.any(String), address: expect.stringContaining('@') },
      toRecipients: expect.arrayContaining([
        expect.objectContaining({ address: expect.any(String) }),
      ]),
      receivedDateTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      isRead: expect.any(Boolean),
      importance: expect.stringMatching(/^(low|normal|high)$/),
      bodyPreview: expect.any(String),
      hasAttachments: false,
    });
    const received = messages.body.value.map(
      (m: { receivedDateTime: string }) => m.receivedDateTime,
    );
    expect([...received].sort().reverse()).toEqual(received);

    const events = await lab.call('GET', '/api/hma/v1/mailbox/events', at1);
    expect(events.body.value.length).toBeGreaterThan(0);
    expect(events.body.value[0]).toMatchObject({
      subject: expect.any(String),
      start: expect.stringMatching(/Z$/),
      end: expect.stringMatching(/Z$/),
      organizer: { address: expect.stringContaining('@') },
    });
    const contacts = await lab.call('GET', '/api/hma/v1/mailbox/contacts', at1);
    expect(contacts.body.value).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          givenName: 'Megan',
          surname: 'Bowen',
          emailAddress: 'megan@contoso.com',
        }),
      ]),
    );
    // Step 20 is served from the cloud cache: no call on-prem.
    const easCalls = exchangesBetween(lab.ctx, 'exo', 'onprem-eas').length;
    await lab.call('GET', '/api/hma/v1/mailbox/messages', at1);
    expect(exchangesBetween(lab.ctx, 'exo', 'onprem-eas')).toHaveLength(easCalls);
  });

  it("shows a recurring on-premises event's pattern and range, synced into the cloud cache", async () => {
    lab = hybridLab();
    const mailbox = lab.onprem.store.mailbox(ALICE)!;
    const calendar = mailbox.folders().find((f) => f.type === 8)!.serverId;
    const items = mailbox.items(calendar).map((i) => i.data);
    // The default seed's "Weekly sync" is a series; another event is made one on-premises.
    const weekly = items.find((e) => e.kind === 'calendar' && e.subject === 'Weekly sync');
    const other = items.find((e) => e.kind === 'calendar' && e.subject === 'Offsite');
    if (weekly?.kind !== 'calendar' || other?.kind !== 'calendar') throw new Error('seed changed');
    other.recurrence = { type: 5, interval: 1, dayOfMonth: 3, monthOfYear: 2, occurrences: 4 };
    await lab.provision();
    const events = await lab.call('GET', '/api/hma/v1/mailbox/events', lab.at1());
    const series = events.body.value.filter((e: { recurrence?: unknown }) => e.recurrence);
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const weekday = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
    expect(series).toEqual([
      expect.objectContaining({
        subject: 'Weekly sync',
        recurrence: {
          pattern: {
            type: 'weekly',
            interval: 1,
            daysOfWeek: [weekday[new Date(weekly.startMs).getUTCDay()]],
          },
          range: { type: 'noEnd', startDate: day(weekly.startMs) },
        },
      }),
      expect.objectContaining({
        subject: 'Offsite',
        recurrence: {
          pattern: { type: 'absoluteYearly', interval: 1, dayOfMonth: 3, month: 2 },
          range: { type: 'numbered', startDate: day(other.startMs), numberOfOccurrences: 4 },
        },
      }),
    ]);
  });

  it('never answers mail older than 28 days, even before the next sync prunes it', async () => {
    lab = hybridLab({ syncInterval: '7d', deviceInactivityTimeout: '30d' });
    await lab.provision();
    await lab.ctx.clock.advance('5d');
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages', lab.at1());
    for (const m of messages.body.value) {
      expect(lab.ctx.clock.now() - Date.parse(m.receivedDateTime)).toBeLessThanOrEqual(28 * DAY_MS);
    }
    expect(lab.exo.cloudCache(ALICE)!.oldestMailMs).toBeLessThan(lab.ctx.clock.now() - 28 * DAY_MS);
  });

  it('answers the features HMA does not offer on-prem mailboxes with "not supported for this account"', async () => {
    lab = hybridLab();
    await lab.provision();
    const at1 = lab.at1();
    const cases: Array<[string, string]> = [
      ['/api/hma/v1/mailbox/messages?folder=drafts', 'draftsSync'],
      ['/api/hma/v1/mailbox/drafts', 'draftsSync'],
      ['/api/hma/v1/mailbox/tasks', 'tasks'],
      ['/api/hma/v1/mailbox/calendars/shared', 'sharedCalendars'],
      ['/api/hma/v1/mailbox/calendars/delegate', 'sharedCalendars'],
      ['/api/hma/v1/mailbox/events?calendar=megan@contoso.com', 'sharedCalendars'],
      ['/api/hma/v1/mailbox/events/abc/attachments', 'calendarAttachments'],
    ];
    for (const [path, feature] of cases) {
      const res = await lab.call('GET', path, at1);
      expect([path, res.status]).toEqual([path, 403]);
      expect(res.body.error).toMatchObject({
        code: 'NotSupportedForThisAccount',
        feature,
        accountType: 'Exchange (Hybrid)',
        step: 20,
      });
      expect(res.body.error.message).toMatch(
        /is not supported for this account \(Exchange \(Hybrid\)\)/,
      );
    }
    // The same requests work for a mailbox in Exchange Online.
    const bob = lab.at1('bob@contoso.com');
    for (const [path] of cases) {
      expect([path, (await lab.call('GET', path, bob)).status]).toEqual([path, 200]);
    }
  });

  it('passes search through to on-prem ActiveSync Search and keeps the results one day', async () => {
    lab = hybridLab({ deviceInactivityTimeout: '30d', syncInterval: '12h' });
    await lab.provision();
    const searches = () =>
      exchangesBetween(lab.ctx, 'exo', 'onprem-eas').filter((e) => /Cmd=Search/.test(e.url));
    const first = await lab.call('GET', '/api/hma/v1/mailbox/search?q=Archive', lab.at1());
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hma-search-cache')).toBe('miss');
    expect(first.body).toMatchObject({ source: 'onPremises', cached: false });
    expect(searches()).toHaveLength(1);
    expect(searches()[0]!.status).toBe(200);
    // On-prem search reaches mail older than the cache window.
    const subjects = first.body.value.map((m: { subject: string }) => m.subject);
    expect(subjects).toEqual(expect.arrayContaining(['Archive: 2nd floor move']));

    await lab.ctx.clock.advance('23h');
    const second = await lab.call('GET', '/api/hma/v1/mailbox/search?q=archive', lab.at1());
    expect(second.headers.get('x-hma-search-cache')).toBe('hit');
    expect(second.body.value).toEqual(first.body.value);
    expect(searches()).toHaveLength(1);
    expect(lab.exo.cloudCache(ALICE)!.searches).toHaveLength(1);

    await lab.ctx.clock.advance('1h');
    const third = await lab.call('GET', '/api/hma/v1/mailbox/search?q=Archive', lab.at1());
    expect(third.body.cached).toBe(false);
    expect(searches()).toHaveLength(2);
    const empty = await lab.call('GET', '/api/hma/v1/mailbox/search?q=', lab.at1());
    expect(empty.status).toBe(400);
  });

  it('tells a user who has not provisioned to do so, and refuses AT1 problems with 401 (step 20)', async () => {
    lab = hybridLab();
    const missing = await lab.call('GET', '/api/hma/v1/mailbox/messages', lab.at1());
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'AccountNotProvisioned', step: 16 });
    const none = await lab.call('GET', '/api/hma/v1/account', undefined);
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'InvalidAuthenticationToken', step: 20 });
    const unknown = await lab.call('GET', '/api/hma/v1/nothing', lab.at1());
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('NotFound');
    const other = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=sentitems', lab.at1());
    expect(other.status).toBe(404); // not provisioned yet
    await lab.provision();
    const sent = await lab.call('GET', '/api/hma/v1/mailbox/messages?folder=sentitems', lab.at1());
    expect(sent.status).toBe(400);
    expect(sent.body.error.code).toBe('FolderNotSynced');
  });

  it('serves a cloud mailbox (flow B) straight from Exchange Online, without provisioning', async () => {
    lab = hybridLab();
    const bob = lab.at1('bob@contoso.com');
    const account = await lab.call('GET', '/api/hma/v1/account', bob);
    expect(account.body).toMatchObject({
      accountType: 'Office 365',
      state: 'ready',
      unsupportedFeatures: [],
    });
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages', bob);
    expect(messages.body.value.length).toBe(11);
    lab.exo.deliver('bob@contoso.com', { subject: 'Hello Bob' });
    const again = await lab.call('GET', '/api/hma/v1/mailbox/messages', bob);
    expect(again.body.value[0].subject).toBe('Hello Bob');
    const search = await lab.call('GET', '/api/hma/v1/mailbox/search?q=hello', bob);
    expect(search.body).toMatchObject({
      source: 'exchangeOnline',
      value: [{ subject: 'Hello Bob' }],
    });
    expect(
      exchangesBetween(lab.ctx, 'exo', 'entra').filter((e) => e.method === 'POST'),
    ).toHaveLength(0);
  });

  it("serves a cloud message's files from Exchange Online's store", async () => {
    lab = hybridLab();
    const bob = lab.at1('bob@contoso.com');
    lab.exo.deliver('bob@contoso.com', {
      subject: 'Logo',
      bodyText: 'See the logo',
      attachments: [
        {
          name: 'logo.png',
          contentType: 'image/png',
          content: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
          inline: true,
          contentId: 'logo@x',
        },
      ],
    });
    const messages = await lab.call('GET', '/api/hma/v1/mailbox/messages', bob);
    const logo = messages.body.value.find((m: { subject: string }) => m.subject === 'Logo');
    expect(logo.hasAttachments).toBe(true);
    const base = `/api/hma/v1/mailbox/messages/${encodeURIComponent(logo.id)}/attachments`;
    const listed = { id: '0', name: 'logo.png', contentType: 'image/png', size: 4, isInline: true };
    expect((await lab.call('GET', base, bob)).body).toEqual({
      value: [{ ...listed, contentId: 'logo@x' }],
    });
    expect((await lab.call('GET', `${base}/0`, bob)).body).toEqual({
      ...listed,
      contentId: 'logo@x',
      contentBytes: 'iVBORw==',
    });
    expect((await lab.call('GET', `${base}/1`, bob)).status).toBe(404);
    // Another user's message id is not found in this mailbox.
    await lab.provision();
    expect((await lab.call('GET', base, lab.at1())).body.error.code).toBe('MessageNotFound');
    expect(
      exchangesBetween(lab.ctx, 'exo', 'onprem-eas').filter((e) => /ItemOperations/.test(e.url)),
    ).toHaveLength(0);
  });
});
