import {
  labelFlow,
  type FlowName,
  type Party,
  type TokenLifetimesMs,
  type TraceEntry,
  type TraceExchange,
} from '@hma-lab/core';
import { shortExchange, shortRequest, shortResponse } from './labels.js';
import {
  faultMarks,
  stopPoint,
  type AdvanceRecord,
  type RunRecord,
  type RunSummary,
} from './run-record.js';
import { collectTokens, tokenId, type TokenView } from './tokens.js';

/**
 * The diagram of one run, as the page draws it: the run's own trace entries,
 * then whatever happened later in the background (AT2 renewals, syncs,
 * expiries, purges), cut into segments at each clock advance the trainer made.
 * Each segment is a list of rows, one arrow or note each, numbered with
 * FLOWS.md steps by core's `labelFlow`.
 */

export interface RowView {
  id: string;
  /**
   * `exchange`: request and answer of one step on one arrow; `request` /
   * `response`: one leg; `event`: a party-internal step (a note); `group`:
   * consecutive exchanges of one step between the same parties, or (in a
   * summarised segment) every row of one kind.
   */
  kind: 'exchange' | 'request' | 'response' | 'event' | 'group';
  /** FLOWS.md step; null for trace entries no step rule recognises. */
  step: number | null;
  from: Party;
  to: Party;
  seq: number;
  atMs: number;
  label: string;
  status?: number;
  /** The entry the row shows (a group: its first member). */
  entryId: number;
  /** Ids of the tokens this leg carries (see `RunView.tokens`). */
  tokens: string[];
  children?: RowView[];
  count?: number;
}

export interface SegmentView {
  id: number;
  kind: 'run' | 'advance' | 'background';
  /** `clock +2h` for an advance. */
  title: string;
  fromMs: number;
  toMs: number;
  entryCount: number;
  /** True when the rows are one group per kind of row (a long background stretch). */
  summarised: boolean;
  rows: RowView[];
}

export interface RunView {
  run: RunSummary;
  nowMs: number;
  /** The distinct step numbers of the run itself, in order. */
  steps: number[];
  segments: SegmentView[];
  tokens: TokenView[];
}

export interface ViewInput {
  run: RunRecord;
  /** The lab's whole trace, oldest first. */
  entries: readonly TraceEntry[];
  advances: readonly AdvanceRecord[];
  nowMs: number;
  lifetimes: TokenLifetimesMs;
  /** Summarise background segments with more rows than this. */
  largeSegmentRows: number;
  /** Also show trace entries without a step number (JWKS fetches, internal events). */
  showUnnumbered?: boolean;
  /** One row per leg: never put a request and its answer on one arrow, never group. */
  everyLeg?: boolean;
  /**
   * The lab's users (UPNs): background work that names only other users (Bob's
   * syncs in Alice's run) is left out. Default: none, keep all background work.
   */
  users?: readonly string[];
}

interface Leg {
  step: number | null;
  leg: 'request' | 'response' | 'event';
  seq: number;
  from: Party;
  to: Party;
  entry: TraceEntry;
}

function mentions(text: string, upn: string): boolean {
  const plain = upn.toLowerCase();
  return text.includes(plain) || text.includes(encodeURIComponent(plain));
}

/**
 * The background work after a run (trace entries of no run: timers, renewals,
 * syncs, purges), without what concerns only other users of the lab.
 */
export function backgroundOf(
  entries: readonly TraceEntry[],
  run: Pick<RunRecord, 'user' | 'afterSeq'>,
  users: readonly string[] = [],
): TraceEntry[] {
  const others = users.filter((u) => u.toLowerCase() !== run.user.toLowerCase());
  return entries.filter((e) => {
    if (e.runId || doneSeq(e) <= run.afterSeq) return false;
    if (others.length === 0) return true;
    const text = JSON.stringify(e).toLowerCase();
    return mentions(text, run.user) || !others.some((u) => mentions(text, u));
  });
}

/** The sequence number at which an entry was complete. */
export function doneSeq(entry: TraceEntry): number {
  return entry.kind === 'exchange' ? entry.endSeq : entry.seq;
}

function legsOf(
  entries: readonly TraceEntry[],
  flow: FlowName,
  keepUnnumbered: (entry: TraceEntry) => boolean,
): Leg[] {
  const legs: Leg[] = labelFlow(entries, flow).map((s) => ({
    step: s.step,
    leg: s.leg,
    seq: s.seq,
    from: s.from,
    to: s.to,
    entry: s.entry,
  }));
  const covered = new Set(legs.map((l) => l.entry.id));
  for (const entry of entries) {
    if (covered.has(entry.id) || !keepUnnumbered(entry)) continue;
    if (entry.kind === 'event') {
      legs.push({
        step: null,
        leg: 'event',
        seq: entry.seq,
        from: entry.party,
        to: entry.party,
        entry,
      });
    } else {
      legs.push({
        step: null,
        leg: 'request',
        seq: entry.startSeq,
        from: entry.from,
        to: entry.to,
        entry,
      });
      legs.push({
        step: null,
        leg: 'response',
        seq: entry.endSeq,
        from: entry.to,
        to: entry.from,
        entry,
      });
    }
  }
  return legs.sort((a, b) => a.seq - b.seq);
}

function tokensOf(entry: TraceEntry, side: 'request' | 'response' | 'both'): string[] {
  if (entry.kind !== 'exchange') return [];
  const ids: string[] = [];
  for (const t of entry.tokens) {
    const onSide = t.where.startsWith('request.') ? 'request' : 'response';
    if (side !== 'both' && side !== onSide) continue;
    const id = tokenId(t.raw);
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

function rowOfLeg(leg: Leg): RowView {
  const e = leg.entry;
  const base = {
    step: leg.step,
    from: leg.from,
    to: leg.to,
    seq: leg.seq,
    atMs: e.atMs,
    entryId: e.id,
  };
  if (e.kind === 'event') {
    return { ...base, id: `${e.id}:e`, kind: 'event', label: e.summary, tokens: [] };
  }
  if (leg.leg === 'request') {
    return {
      ...base,
      id: `${e.id}:q`,
      kind: 'request',
      label: shortRequest(e),
      tokens: tokensOf(e, 'request'),
    };
  }
  return {
    ...base,
    id: `${e.id}:r`,
    kind: 'response',
    label: shortResponse(e),
    status: e.status,
    tokens: tokensOf(e, 'response'),
  };
}

function rowsOf(legs: readonly Leg[], everyLeg: boolean): RowView[] {
  const rows: RowView[] = [];
  for (let i = 0; i < legs.length; i++) {
    const leg = legs[i]!;
    const next = legs[i + 1];
    if (
      !everyLeg &&
      leg.leg === 'request' &&
      next?.leg === 'response' &&
      next.entry === leg.entry &&
      next.step === leg.step
    ) {
      const e = leg.entry as TraceExchange;
      rows.push({
        id: `${e.id}:x`,
        kind: 'exchange',
        step: leg.step,
        from: leg.from,
        to: leg.to,
        seq: leg.seq,
        atMs: e.atMs,
        label: shortExchange(e),
        status: e.status,
        entryId: e.id,
        tokens: tokensOf(e, 'both'),
      });
      i++;
      continue;
    }
    rows.push(rowOfLeg(leg));
  }
  return everyLeg ? rows : groupRepeats(rows);
}

/** What varies between the members of a group: the ActiveSync command, the path... */
function memberWord(row: RowView): string {
  const request = row.label.split(' → ')[0] ?? row.label;
  return request.replace(/^ActiveSync /, '');
}

function countWords(rows: readonly RowView[]): string {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(memberWord(row), (counts.get(memberWord(row)) ?? 0) + 1);
  return [...counts].map(([word, n]) => (n > 1 ? `${word} ×${n}` : word)).join(', ');
}

function statusSummary(rows: readonly RowView[]): { status?: number; text: string } {
  const statuses = [...new Set(rows.map((r) => r.status).filter((s) => s !== undefined))];
  if (statuses.length === 1) return { status: statuses[0]!, text: String(statuses[0]) };
  const worst = Math.max(...statuses.map((s) => (s === 0 ? 999 : s)));
  return { status: worst === 999 ? 0 : worst, text: statuses.join('/') };
}

function groupRow(id: string, members: RowView[], label: string): RowView {
  const first = members[0]!;
  const { status } = statusSummary(members);
  const tokens = [...new Set(members.flatMap((m) => m.tokens))];
  return {
    id,
    kind: 'group',
    step: first.step,
    from: first.from,
    to: first.to,
    seq: first.seq,
    atMs: first.atMs,
    label,
    ...(status !== undefined ? { status } : {}),
    entryId: first.entryId,
    tokens,
    children: members,
    count: members.length,
  };
}

/** Three or more consecutive exchanges of one step between the same two parties become one row. */
function groupRepeats(rows: readonly RowView[]): RowView[] {
  const out: RowView[] = [];
  for (let i = 0; i < rows.length;) {
    const row = rows[i]!;
    let j = i + 1;
    if (row.kind === 'exchange' && row.step !== null) {
      while (
        j < rows.length &&
        rows[j]!.kind === 'exchange' &&
        rows[j]!.step === row.step &&
        rows[j]!.from === row.from &&
        rows[j]!.to === row.to
      ) {
        j++;
      }
    }
    if (j - i >= 3) {
      const members = rows.slice(i, j);
      const prefix = members.every((m) => m.label.startsWith('ActiveSync ')) ? 'ActiveSync ' : '';
      out.push(
        groupRow(
          `g:${row.id}`,
          members,
          `${prefix}×${members.length}: ${countWords(members)} → ${statusSummary(members).text}`,
        ),
      );
      i = j;
    } else {
      out.push(row);
      i++;
    }
  }
  return out;
}

/** One group per kind of row (same step, parties and request), in first-seen order. */
function summarise(segment: number, rows: readonly RowView[]): RowView[] {
  const flat = rows.flatMap((r) => (r.kind === 'group' && r.children ? r.children : [r]));
  const kinds = new Map<string, RowView[]>();
  for (const row of flat) {
    const what = row.kind === 'event' ? row.label.replace(/\d+/g, '#') : memberWord(row);
    const key = `${row.step}|${row.kind}|${row.from}|${row.to}|${what}`;
    const list = kinds.get(key) ?? [];
    list.push(row);
    kinds.set(key, list);
  }
  return [...kinds.values()].map((members, index) => {
    const first = members[0]!;
    if (members.length === 1) return first;
    const label =
      first.kind === 'exchange'
        ? `${memberWord(first)} ×${members.length} → ${statusSummary(members).text}`
        : first.kind === 'response' && new Set(members.map((m) => m.label)).size > 1
          ? `answers ×${members.length} (${statusSummary(members).text})`
          : `${first.label} ×${members.length}`;
    return groupRow(`s:${segment}:${index}`, members, label);
  });
}

/**
 * Builds the view of a run from the lab's trace. Pure: the same trace, run
 * and advances give the same view.
 */
export function buildRunView(input: ViewInput): RunView {
  const { run, advances } = input;
  const showUnnumbered = input.showUnnumbered ?? false;
  const everyLeg = input.everyLeg ?? false;
  const runEntries = input.entries.filter((e) => e.runId === run.runId);
  const background = backgroundOf(input.entries, run, input.users);

  const runLegs = legsOf(runEntries, run.flow, () => showUnnumbered);
  const steps: number[] = [];
  for (const leg of runLegs) {
    if (leg.step !== null && !steps.includes(leg.step)) steps.push(leg.step);
  }
  const segments: SegmentView[] = [
    {
      id: 0,
      kind: 'run',
      title: `flow ${run.flow} for ${run.user}`,
      fromMs: run.startedAtMs,
      toMs: run.finishedAtMs ?? input.nowMs,
      entryCount: runEntries.length,
      summarised: false,
      rows: rowsOf(runLegs, everyLeg),
    },
  ];

  // Background entries, cut at the trainer's clock advances.
  const windowOf = (entry: TraceEntry): AdvanceRecord | undefined =>
    advances.find(
      (a) =>
        doneSeq(entry) > a.afterSeq && (a.untilSeq === undefined || doneSeq(entry) <= a.untilSeq),
    );
  const chunks: Array<{ advance?: AdvanceRecord; entries: TraceEntry[] }> = [];
  for (const entry of background) {
    const advance = windowOf(entry);
    const last = chunks[chunks.length - 1];
    if (last && last.advance === advance) last.entries.push(entry);
    else chunks.push({ ...(advance ? { advance } : {}), entries: [entry] });
  }
  for (const chunk of chunks) {
    const id = segments.length;
    const legs = legsOf(
      chunk.entries,
      run.flow,
      (entry) => showUnnumbered || entry.kind === 'event',
    );
    let rows = rowsOf(legs, everyLeg);
    const summarised = !everyLeg && rows.length > input.largeSegmentRows;
    if (summarised) rows = summarise(id, rows);
    const first = chunk.entries[0]!;
    const last = chunk.entries[chunk.entries.length - 1]!;
    segments.push({
      id,
      kind: chunk.advance ? 'advance' : 'background',
      title: chunk.advance ? `clock +${chunk.advance.by}` : 'background',
      fromMs: chunk.advance?.fromMs ?? first.atMs,
      toMs: chunk.advance?.toMs ?? last.atMs,
      entryCount: chunk.entries.length,
      summarised,
      rows,
    });
  }

  const exchanges = [...runEntries, ...background].filter(
    (e): e is TraceExchange => e.kind === 'exchange',
  );
  const stepIndex = new Map<string, number>();
  for (const leg of [...runLegs, ...legsOf(background, run.flow, () => false)]) {
    if (leg.step !== null && leg.leg !== 'event')
      stepIndex.set(`${leg.entry.id}:${leg.leg}`, leg.step);
  }
  const tokens = collectTokens(
    exchanges,
    run.flow,
    (id, leg) => stepIndex.get(`${id}:${leg}`) ?? null,
    input.lifetimes,
  );
  const stoppedAt = stopPoint(run, steps);
  return {
    run: { ...run, ...(stoppedAt ? { stoppedAt } : {}), faultMarks: faultMarks(run, steps) },
    nowMs: input.nowMs,
    steps,
    segments,
    tokens,
  };
}
