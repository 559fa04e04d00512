import { WELL_KNOWN_APPS, flowDefinition, type TraceExchange } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import { buildRunView, type RowView, type RunView } from '../src/protocol/run-view.js';
import { flowExplanations } from '../src/protocol/explanations.js';
import { shortRequest, shortResponse } from '../src/protocol/labels.js';
import { stopPoint, type AdvanceRecord, type RunRecord } from '../src/protocol/run-record.js';
import { durationText } from '../src/protocol/duration-text.js';
import { lastSeq } from '../src/http/session.js';
import { quietLab, recordRun } from './helpers.js';

function viewOf(
  lab: Lab,
  run: RunRecord,
  options: {
    advances?: AdvanceRecord[];
    largeSegmentRows?: number;
    everyLeg?: boolean;
    showUnnumbered?: boolean;
  } = {},
): RunView {
  return buildRunView({
    run,
    entries: lab.trace.entries(),
    advances: options.advances ?? [],
    nowMs: lab.clock.now(),
    lifetimes: lab.directory.lifetimes(),
    largeSegmentRows: options.largeSegmentRows ?? 40,
    ...(options.everyLeg ? { everyLeg: true } : {}),
    ...(options.showUnnumbered ? { showUnnumbered: true } : {}),
  });
}

const flat = (rows: readonly RowView[]): RowView[] =>
  rows.flatMap((r) => (r.children ? [r, ...flat(r.children)] : [r]));

describe('the view of flow A for alice', () => {
  let lab: Lab;
  let run: RunRecord;
  let view: RunView;

  beforeAll(async () => {
    lab = await quietLab();
    run = await recordRun(lab, 'alice@contoso.com');
    view = viewOf(lab, run);
  });
  afterAll(() => lab.close());

  it('numbers the run with the 20 steps of flow A, in order of first appearance', () => {
    expect(run.status).toBe('ok');
    expect(view.steps).toEqual([...Array(20).keys()].map((i) => i + 1));
    expect(view.segments).toHaveLength(1);
    expect(view.segments[0]!.kind).toBe('run');
  });

  it('puts a request and its answer on one arrow only when they are the same step and adjacent', () => {
    const rows = view.segments[0]!.rows;
    const step4 = rows.filter((r) => r.step === 4);
    expect(step4).toHaveLength(1);
    expect(step4[0]).toMatchObject({
      kind: 'exchange',
      from: 'autodetect',
      to: 'onprem-autodiscover',
    });
    // AutoDiscover v2 at Exchange Online: request is step 2, its 302 is step 3.
    expect(rows.find((r) => r.step === 2)).toMatchObject({ kind: 'request', to: 'exo' });
    expect(rows.find((r) => r.step === 3)).toMatchObject({
      kind: 'response',
      from: 'exo',
      status: 302,
    });
    // The provisioning answer (16) comes back after 17-19, as it happened.
    const sixteen = rows.filter((r) => r.step === 16).map((r) => r.kind);
    expect(sixteen).toEqual(['request', 'response']);
    const order = rows.map((r) => r.step);
    expect(order.lastIndexOf(16)).toBeGreaterThan(order.indexOf(19));
  });

  it('groups the sync of step 19 into one expandable row', () => {
    const group = view.segments[0]!.rows.find((r) => r.kind === 'group');
    expect(group).toMatchObject({ step: 19, from: 'exo', to: 'onprem-eas' });
    expect(group!.count).toBeGreaterThanOrEqual(3);
    expect(group!.label).toMatch(/OPTIONS/);
    expect(group!.label).toMatch(/FolderSync/);
    expect(group!.children!.every((c) => c.step === 19)).toBe(true);
  });

  it('labels the 401 of step 5 with the authorization_uri a trainer points at', () => {
    const five = view.segments[0]!.rows.find((r) => r.step === 5)!;
    expect(five.label).toBe('GET ActiveSync → 401 Bearer challenge + authorization_uri');
  });

  it('tells AT1 and AT2 apart: client, audience, who minted and who accepted them', () => {
    const at1 = view.tokens.find((t) => t.role === 'AT1')!;
    const at2 = view.tokens.find((t) => t.role === 'AT2')!;
    expect(at1.claims).toMatchObject({
      aud: 'https://outlook.office365.com',
      appid: WELL_KNOWN_APPS.outlookMobile,
    });
    expect(at1).toMatchObject({
      mintedBy: 'entra',
      mintedFor: 'device',
      grant: 'authorization_code',
      firstStep: 15,
    });
    expect(at2.claims).toMatchObject({
      aud: 'https://mail.contoso.com',
      appid: WELL_KNOWN_APPS.exchangeOnline,
    });
    expect(at2).toMatchObject({
      mintedBy: 'entra',
      mintedFor: 'exo',
      grant: 'on-behalf-of',
      firstStep: 17,
    });
    // AT1 never reaches the on-premises server; AT2 does, and is accepted there.
    expect(at1.presentedTo.map((u) => u.party)).not.toContain('onprem-eas');
    expect(new Set(at1.presentedTo.map((u) => u.party))).toEqual(new Set(['exo', 'entra']));
    expect(at2.presentedTo.length).toBeGreaterThan(0);
    expect(
      at2.presentedTo.every((u) => u.party === 'onprem-eas' && u.accepted && u.step === 19),
    ).toBe(true);
    expect(at2.expiresAtMs! - at2.issuedAtMs!).toBe(lab.directory.lifetimes().accessToken);
  });

  it('names the refresh tokens after their access tokens and gives them the policy lifetime', () => {
    expect(view.tokens.find((t) => t.role === 'RT1')).toMatchObject({
      mintedFor: 'device',
      lifetimeFrom: 'policy',
    });
    const rt2 = view.tokens.find((t) => t.role === 'RT2')!;
    expect(rt2.mintedFor).toBe('exo');
    expect(rt2.expiresAtMs! - rt2.issuedAtMs!).toBe(
      lab.directory.lifetimes().refreshTokenInactivity,
    );
  });

  it('reads the SAML token’s lifetime and credits AD FS with minting it', () => {
    const saml = view.tokens.find((t) => t.family === 'SAML')!;
    expect(saml.mintedBy).toBe('adfs');
    expect(saml.lifetimeFrom).toBe('saml');
    expect(saml.expiresAtMs).toBeGreaterThan(saml.issuedAtMs!);
  });

  it('marks which tokens each arrow carries', () => {
    const roles = (row: RowView) =>
      row.tokens.map((id) => view.tokens.find((t) => t.id === id)?.role);
    const seventeen = view.segments[0]!.rows.find((r) => r.step === 17)!;
    expect(roles(seventeen)).toEqual(expect.arrayContaining(['AT1', 'AT2', 'RT2']));
    const sixteen = view.segments[0]!.rows.find((r) => r.step === 16 && r.kind === 'request')!;
    expect(roles(sixteen)).toEqual(['AT1']);
  });

  it('shows one row per leg on request, never grouping', () => {
    const legs = viewOf(lab, run, { everyLeg: true }).segments[0]!.rows;
    expect(legs.some((r) => r.kind === 'group' || r.kind === 'exchange')).toBe(false);
    expect(legs.filter((r) => r.step === 4).map((r) => r.kind)).toEqual(['request', 'response']);
  });

  it('hides trace entries without a step number unless asked', () => {
    expect(flat(view.segments[0]!.rows).some((r) => r.step === null)).toBe(false);
    const all = flat(viewOf(lab, run, { showUnnumbered: true }).segments[0]!.rows);
    expect(all.some((r) => r.step === null && /discovery\/keys/.test(r.label))).toBe(true);
  });
});

describe('background activity after a run', () => {
  let lab: Lab;
  afterEach(() => lab.close());

  it('puts the AT2 renewal of a 2 h clock advance in its own segment, as step 19', async () => {
    lab = await quietLab();
    const run = await recordRun(lab, 'alice@contoso.com');
    const advance: AdvanceRecord = {
      id: 1,
      by: '2h',
      fromMs: lab.clock.now(),
      toMs: 0,
      afterSeq: lastSeq(lab),
    };
    await lab.clock.advance('2h');
    advance.untilSeq = lastSeq(lab);
    advance.toMs = lab.clock.now();
    const view = viewOf(lab, run, { advances: [advance] });
    expect(view.segments.map((s) => s.kind)).toEqual(['run', 'advance']);
    const segment = view.segments[1]!;
    expect(segment.title).toBe('clock +2h');
    expect(segment.summarised).toBe(false);
    const renewal = flat(segment.rows).find(
      (r) => r.from === 'exo' && r.to === 'entra' && r.kind !== 'response',
    );
    expect(renewal).toMatchObject({ step: 19 });
    expect(renewal!.label).toMatch(/refresh_token/);
    // The renewed AT2 is a new token of the same family.
    expect(view.tokens.filter((t) => t.family === 'AT2').map((t) => t.role)).toEqual(
      expect.arrayContaining(['AT2', 'AT2 #2']),
    );
    expect(view.tokens.find((t) => t.role === 'AT2 #2')?.grant).toBe('refresh_token');
    // Entries of the run itself never leak into the background.
    expect(segment.entryCount).toBe(
      lab.trace
        .entries()
        .filter((e) => !e.runId && (e.kind === 'event' ? e.seq : e.endSeq) > advance.afterSeq)
        .length,
    );
  });

  it('summarises a long stretch one row per kind, keeping every member', async () => {
    lab = await quietLab();
    const run = await recordRun(lab, 'alice@contoso.com');
    const advance: AdvanceRecord = {
      id: 1,
      by: '1d',
      fromMs: lab.clock.now(),
      toMs: 0,
      afterSeq: lastSeq(lab),
    };
    await lab.clock.advance('1d');
    advance.untilSeq = lastSeq(lab);
    const view = viewOf(lab, run, { advances: [advance], largeSegmentRows: 10 });
    const segment = view.segments[1]!;
    expect(segment.summarised).toBe(true);
    const renewals = segment.rows.find((r) => r.from === 'exo' && r.to === 'entra');
    expect(renewals).toMatchObject({ kind: 'group', step: 19 });
    expect(renewals!.label).toMatch(/refresh_token.*×\d+/);
    expect(renewals!.count).toBe(renewals!.children!.length);
    expect(renewals!.count).toBeGreaterThan(1);
  });

  it('leaves out background work that concerns only another user', async () => {
    lab = await quietLab();
    const alice = await recordRun(lab, 'alice@contoso.com');
    const dave = await recordRun(lab, 'dave@fabrikam.com');
    await lab.clock.advance('2h');
    const users = lab.directory.users().map((u) => u.upn);
    const background = (run: RunRecord) =>
      buildRunView({
        run,
        entries: lab.trace.entries(),
        advances: [],
        nowMs: lab.clock.now(),
        lifetimes: lab.directory.lifetimes(),
        largeSegmentRows: 1000,
        users,
      }).segments.slice(1);
    const text = (run: RunRecord) => JSON.stringify(background(run));
    const renewalsOf = (run: RunRecord) =>
      background(run)
        .flatMap((s) => flat(s.rows))
        .filter((r) => r.from === 'exo' && r.to === 'entra' && r.kind !== 'response');
    expect(renewalsOf(alice).length).toBeGreaterThan(0);
    expect(renewalsOf(dave).length).toBeGreaterThan(0);
    expect(text(alice)).toContain('alice');
    expect(text(alice)).not.toMatch(/dave/i);
    expect(text(dave)).not.toMatch(/alice/i);
  });

  it('shows entries outside the trainer’s advances as plain background', async () => {
    lab = await quietLab();
    const run = await recordRun(lab, 'alice@contoso.com');
    await lab.clock.advance('1h');
    const view = viewOf(lab, run);
    expect(view.segments.slice(1).map((s) => s.kind)).toEqual(['background']);
  });
});

describe('flows B and C', () => {
  let lab: Lab;
  afterEach(() => lab.close());

  it('labels a cloud mailbox run with flow B and calls its token AT', async () => {
    lab = await quietLab();
    const run = await recordRun(lab, 'bob@contoso.com');
    const view = viewOf(lab, run);
    expect(view.run.flow).toBe('B');
    expect(view.steps).toContain(15);
    expect(view.tokens.some((t) => t.role === 'AT')).toBe(true);
    expect(view.tokens.some((t) => t.family === 'AT2')).toBe(false);
  });

  it('draws flow C (basic auth) through the Outlook cloud service, with no tokens', async () => {
    lab = await quietLab('basic-auth');
    const run = await recordRun(lab, 'alice@contoso.com', { path: 'basic' });
    const view = viewOf(lab, run);
    expect(view.run.flow).toBe('C');
    expect(flat(view.segments[0]!.rows).some((r) => r.to === 'outlook-service')).toBe(true);
    expect(view.tokens.filter((t) => t.kind === 'jwt')).toEqual([]);
  });
});

describe('where a failed run stopped', () => {
  const base: RunRecord = {
    runId: 'r',
    user: 'alice@contoso.com',
    path: 'hma',
    flow: 'A',
    status: 'failed',
    startedAtMs: 0,
    afterSeq: -1,
    faults: [],
    error: {
      step: 6,
      reason: 'not-office365',
      message: 'AutoDetect did not find an Office 365 account',
    },
  };

  it('names the fault’s catalogue step when an active fault explains the stop', () => {
    const stop = stopPoint({ ...base, faults: ['missing-authorization-uri'] }, [1, 2, 3, 4, 5, 6]);
    expect(stop).toMatchObject({
      step: 5,
      cause: 'fault',
      fault: 'missing-authorization-uri',
      deviceStep: 6,
    });
  });

  it('falls back to the device’s step when no active fault was reached', () => {
    // ssl-offload breaks step 19, which this run never reached.
    const stop = stopPoint({ ...base, faults: ['ssl-offload'] }, [1, 2, 3, 4, 5, 6]);
    expect(stop).toMatchObject({ step: 6, cause: 'device', title: 'not-office365' });
  });

  it('has no stop point for a run that went through', () => {
    expect(stopPoint({ ...base, status: 'ok' }, [1])).toBeUndefined();
  });
});

describe('arrow labels', () => {
  const exchange = (over: Partial<TraceExchange>): TraceExchange => ({
    kind: 'exchange',
    id: 1,
    startSeq: 0,
    endSeq: 1,
    atMs: 0,
    from: 'autodetect',
    to: 'onprem-eas',
    method: 'GET',
    url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync',
    status: 200,
    requestHeaders: {},
    responseHeaders: {},
    tokens: [],
    secrets: [],
    durationMs: 1,
    ...over,
  });

  it('says when a Bearer challenge lacks authorization_uri', () => {
    const e = exchange({
      status: 401,
      responseHeaders: {
        'www-authenticate': ['Bearer client_id="x", trusted_issuers="y"', 'Basic realm="m"'],
      },
    });
    expect(shortResponse(e)).toBe('401 Bearer challenge, no authorization_uri');
  });

  it('shows where a redirect goes, without its query', () => {
    const e = exchange({
      status: 302,
      responseHeaders: { location: 'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0' },
    });
    expect(shortResponse(e)).toBe('302 → sts.contoso.com/adfs/ls/');
  });

  it('names the ActiveSync command and the grant of a token call', () => {
    expect(
      shortRequest(
        exchange({
          method: 'POST',
          url: 'https://mail.contoso.com/Microsoft-Server-ActiveSync?Cmd=Sync&User=a',
        }),
      ),
    ).toBe('ActiveSync Sync');
    const obo = exchange({
      method: 'POST',
      url: 'https://login.microsoftonline.com/t/oauth2/token',
      requestHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
      requestBody: {
        size: 10,
        text: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&requested_token_use=on_behalf_of',
      },
    });
    expect(shortRequest(obo)).toBe('POST /oauth2/token (on-behalf-of)');
  });

  it('says when nothing answered', () => {
    expect(shortResponse(exchange({ status: 0, error: 'ECONNREFUSED' }))).toBe(
      'no answer (ECONNREFUSED)',
    );
  });
});

describe('explanations', () => {
  it.each(['A', 'B', 'C'] as const)(
    'exist for every step of flow %s and only for those',
    (flow) => {
      const steps = Object.keys(flowDefinition(flow).meanings).sort();
      expect(Object.keys(flowExplanations(flow)).sort()).toEqual(steps);
    },
  );
});

describe('durationText', () => {
  it.each([
    [7_200_000, '2h'],
    [14 * 86_400_000, '14d'],
    [90 * 60_000, '1h30m'],
    [1500, '1s500ms'],
  ])('%d ms is %s', (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});
