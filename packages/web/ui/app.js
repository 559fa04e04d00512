// @ts-check
// The trainer page: loads the lab's state, draws the selected run as a
// sequence diagram, keeps it live through Server-Sent Events, and lets the
// trainer step through it (buttons, step chips, keyboard).
import * as API from './api.js';
import { byId, clear, download, h, labTime } from './dom.js';
import {
  lanesFor,
  layout,
  renderLanes,
  renderRows,
  ROW_H,
  standaloneSvg,
  svgToPng,
} from './diagram.js';
import { renderStep } from './details.js';
import { renderFaults } from './faults.js';
import { renderTokens } from './tokens.js';

/** @typedef {import('./types.js').LabState} LabState */
/** @typedef {import('./types.js').RunView} RunView */
/** @typedef {import('./types.js').RowView} RowView */
/** @typedef {import('./types.js').EntryDetail} EntryDetail */
/** @typedef {import('./diagram.js').Line} Line */

const PLAY_INTERVAL_MS = 1300;
/** Live updates redraw at most this often, so a long clock advance is not slowed by redraws. */
const REFRESH_GAP_MS = 400;

const ui = {
  /** @type {LabState | null} */
  state: null,
  /** @type {RunView | null} */
  view: null,
  /** @type {string | null} */
  runId: null,
  /** @type {Line[]} */
  lines: [],
  cursor: -1,
  /** @type {string | null} */
  selectedId: null,
  /** @type {Set<string>} */
  expanded: new Set(),
  /** @type {ReturnType<typeof setInterval> | null} */
  playing: null,
  flags: { unnumbered: false, legs: false },
  tab: 'step',
  /** Our own request in flight (a run, an advance, a switch). */
  pending: '',
  /** @type {Map<string, Promise<EntryDetail>>} */
  entries: new Map(),
  jumpBuffer: '',
  /** @type {ReturnType<typeof setTimeout> | null} */
  jumpTimer: null,
  clockMs: 0,
  /** The lab (`labSerial`) the page shows: a switch clears the page once. */
  shownSerial: 0,
};

const el = {
  scenario: /** @type {HTMLSelectElement} */ (byId('scenario')),
  restart: /** @type {HTMLButtonElement} */ (byId('restart')),
  user: /** @type {HTMLSelectElement} */ (byId('user')),
  path: /** @type {HTMLSelectElement} */ (byId('path')),
  fresh: /** @type {HTMLInputElement} */ (byId('fresh')),
  run: /** @type {HTMLButtonElement} */ (byId('run')),
  clock: byId('clock'),
  advanceBy: /** @type {HTMLInputElement} */ (byId('advance-by')),
  advance: /** @type {HTMLButtonElement} */ (byId('advance')),
  exportMenu: /** @type {HTMLDetailsElement} */ (byId('export-menu')),
  steps: byId('steps'),
  jump: /** @type {HTMLInputElement} */ (byId('jump')),
  status: byId('run-status'),
  play: /** @type {HTMLButtonElement} */ (byId('play')),
  lanes: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('lanes'))),
  diagram: /** @type {SVGSVGElement} */ (/** @type {unknown} */ (byId('diagram'))),
  scroll: byId('diagram-scroll'),
  empty: byId('empty'),
  panels: {
    step: byId('panel-step'),
    tokens: byId('panel-tokens'),
    faults: byId('panel-faults'),
  },
  faultCount: byId('fault-count'),
  toast: byId('toast'),
};

// ---------------------------------------------------------------- messages

/** @type {ReturnType<typeof setTimeout> | null} */
let toastTimer = null;
/** @param {string} message */
function toast(message) {
  el.toast.textContent = message;
  el.toast.hidden = false;
  if (toastTimer) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.toast.hidden = true), 6000);
}

/**
 * Runs a request the trainer asked for, with the controls locked meanwhile.
 * @template T
 * @param {string} doing
 * @param {() => Promise<T>} work
 * @returns {Promise<T | undefined>}
 */
async function guarded(doing, work) {
  ui.pending = doing;
  renderControls();
  try {
    return await work();
  } catch (error) {
    toast(/** @type {Error} */ (error).message);
    return undefined;
  } finally {
    ui.pending = '';
    renderControls();
  }
}

// ---------------------------------------------------------------- state

async function loadState() {
  ui.state = await API.getState();
  ui.clockMs = Math.max(ui.clockMs, ui.state.clock.nowMs);
  renderControls();
  renderFaultsPanel();
}

function busy() {
  return Boolean(ui.pending || ui.state?.busy);
}

function renderControls() {
  const state = ui.state;
  if (!state) return;
  const isBusy = busy();
  if (
    el.scenario.options.length !== state.scenarios.length ||
    el.scenario.value !== state.scenario.name
  ) {
    clear(el.scenario);
    const names = state.scenarios.some((s) => s.name === state.scenario.name)
      ? state.scenarios
      : [
          { name: state.scenario.name, description: state.scenario.description },
          ...state.scenarios,
        ];
    for (const s of names)
      el.scenario.append(h('option', { value: s.name, title: s.description, text: s.name }));
    el.scenario.value = state.scenario.name;
  }
  el.scenario.title = state.scenario.description;
  el.scenario.disabled = isBusy || !state.canSwitchScenario;
  el.restart.disabled = isBusy || !state.canSwitchScenario;
  const chosen = el.user.value;
  const upns = state.users.map((u) => u.upn).join(',');
  if (el.user.dataset.upns !== upns) {
    clear(el.user);
    for (const u of state.users) {
      el.user.append(
        h('option', {
          value: u.upn,
          title: `${u.displayName}: ${u.mailbox === 'exo' ? 'mailbox in Exchange Online' : 'mailbox on-premises'}${u.exchangeVersion ? ` (Exchange ${u.exchangeVersion})` : ''}, ${u.authentication} sign-in${u.mfa ? ', MFA' : ''}`,
          text: `${u.upn} · flow ${u.flow}`,
        }),
      );
    }
    el.user.dataset.upns = upns;
    if (state.users.some((u) => u.upn === chosen)) el.user.value = chosen;
  }
  el.run.disabled = isBusy;
  el.advance.disabled = isBusy;
  for (const b of document.querySelectorAll('[data-advance]')) {
    /** @type {HTMLButtonElement} */ (b).disabled = isBusy;
  }
  el.run.textContent = ui.pending.startsWith('running') ? 'Running…' : 'Run flow';
  for (const control of el.panels.faults.querySelectorAll('input, button')) {
    /** @type {HTMLInputElement | HTMLButtonElement} */ (control).disabled =
      isBusy || (control.id === 'rerun' && !el.user.value);
  }
  const activeFaults = state.faults.active.length;
  el.faultCount.textContent = activeFaults ? `(${activeFaults} on)` : '';
  showClock();
}

function showClock() {
  el.clock.textContent = labTime(ui.clockMs);
  el.clock.setAttribute('datetime', new Date(ui.clockMs).toISOString());
}

function renderFaultsPanel() {
  if (!ui.state) return;
  renderFaults(el.panels.faults, ui.state, {
    user: el.user.value,
    busy: busy(),
    toggle: (name, on) =>
      void guarded(`switching ${name}`, async () => {
        await API.setFault(name, on);
        await loadState();
      }),
    rerun: () => void runFlow(),
  });
}

// ---------------------------------------------------------------- the run's view

/** @param {RunView} view */
function linesOf(view) {
  /** @type {Line[]} */
  const lines = [];
  /**
   * @param {RowView} row
   * @param {number} depth
   */
  const push = (row, depth) => {
    const open = row.kind === 'group' && ui.expanded.has(row.id);
    lines.push({ type: 'row', row, depth, open });
    if (open) for (const child of row.children ?? []) push(child, depth + 1);
  };
  for (const segment of view.segments) {
    if (segment.kind !== 'run') lines.push({ type: 'divider', segment });
    for (const row of segment.rows) push(row, 0);
    if (segment.kind === 'run' && view.run.stoppedAt)
      lines.push({ type: 'stop', stop: view.run.stoppedAt });
  }
  return lines;
}

/**
 * @param {RunView} view
 * @param {{follow?: boolean}} [options]
 */
function setView(view, options = {}) {
  const current = ui.view;
  if (
    current &&
    current.run.runId === view.run.runId &&
    current.run.status !== 'running' &&
    view.run.status === 'running'
  ) {
    return; // An older answer overtaken by the run's end.
  }
  ui.view = view;
  ui.clockMs = Math.max(ui.clockMs, view.nowMs);
  showClock();
  relayout();
  const stillThere = ui.selectedId
    ? ui.lines.findIndex((l) => l.type === 'row' && l.row.id === ui.selectedId)
    : -1;
  const previous = ui.cursor;
  ui.cursor = stillThere;
  if (stillThere < 0) ui.selectedId = null;
  drawRows();
  renderChips();
  renderRunStatus();
  if (ui.tab === 'tokens') renderTokens(el.panels.tokens, ui.view);
  if (stillThere < 0 && previous >= 0) renderStepPanel();
  if (!ui.view || ui.view.segments.every((s) => s.rows.length === 0)) el.empty.hidden = false;
  else el.empty.hidden = true;
  if (options.follow && view.run.status === 'running') el.scroll.scrollTop = el.scroll.scrollHeight;
}

function relayout() {
  ui.lines = ui.view ? linesOf(ui.view) : [];
}

/** @returns {import('./diagram.js').Geometry} */
function geometry() {
  const lanes = lanesFor(ui.state?.lanes ?? [], ui.lines);
  return layout(el.scroll.clientWidth, lanes);
}

function drawRows() {
  const geo = geometry();
  renderLanes(el.lanes, geo);
  renderRows(el.diagram, geo, ui.lines, {
    cursor: ui.cursor,
    tokens: new Map((ui.view?.tokens ?? []).map((t) => [t.id, t])),
    stop: ui.view?.run.stoppedAt,
    onPick: pick,
    minHeight: el.scroll.clientHeight - 4,
  });
}

let refreshing = false;
let dirty = false;
let lastRefreshAt = 0;
/** @type {ReturnType<typeof setTimeout> | null} */
let refreshTimer = null;

/**
 * A redraw asked for by the live stream: trailing, at most one per REFRESH_GAP_MS.
 * @param {boolean} follow
 */
function scheduleRefresh(follow) {
  if (refreshTimer) return;
  const wait = Math.max(0, lastRefreshAt + REFRESH_GAP_MS - Date.now());
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refreshView(follow);
  }, wait);
}

/** Fetches the view again (throttled: one request at a time, coalescing bursts). */
async function refreshView(follow = false) {
  const runId = ui.runId;
  // While the lab is being replaced its runs are going away: the switch redraws.
  if (!runId || ui.pending.startsWith('starting scenario')) return;
  if (refreshing) {
    dirty = true;
    return;
  }
  refreshing = true;
  try {
    const view = await API.getView(runId, ui.flags);
    if (ui.runId === runId) setView(view, { follow });
  } catch (error) {
    if (/** @type {API.ApiError} */ (error).status === 404) {
      ui.runId = null;
    } else console.error(error);
  } finally {
    refreshing = false;
    lastRefreshAt = Date.now();
    if (dirty) {
      dirty = false;
      setTimeout(() => void refreshView(follow), 120);
    }
  }
}

function renderRunStatus() {
  clear(el.status);
  const view = ui.view;
  if (!view) {
    // No run shown: no outcome either (an empty status said "ok" after a switch).
    for (const name of ['data-status', 'data-flow', 'data-stopped-at', 'aria-label', 'title']) {
      el.status.removeAttribute(name);
    }
    return;
  }
  const run = view.run;
  const flow = ui.state?.flows[run.flow];
  el.status.dataset.status = run.status;
  el.status.dataset.flow = run.flow;
  el.status.dataset.stoppedAt = run.stoppedAt ? String(run.stoppedAt.step) : '';
  const head = `flow ${run.flow} · ${run.user}`;
  if (run.status === 'running') {
    el.status.append(h('span', { class: 'state running', text: '● running' }), ` ${head}`);
  } else if (run.status === 'ok') {
    el.status.append(
      h('span', { class: 'state ok', text: '✓' }),
      ` ${head} · ${view.steps.length} steps`,
      run.faults.length
        ? h('span', { class: 'faults-on', text: ` · faults: ${run.faults.join(', ')}` })
        : '',
    );
  } else if (run.stoppedAt) {
    el.status.append(
      h('span', { class: 'state failed', text: '✕' }),
      ' stopped at ',
      h('strong', { class: 'stopped-step', text: `step ${run.stoppedAt.step}` }),
      `: ${run.stoppedAt.title} · ${head}`,
    );
    el.status.title = `${run.stoppedAt.detail}${run.stoppedAt.deviceReason ? `\nThe device reported: ${run.stoppedAt.deviceReason} (step ${run.stoppedAt.deviceStep})` : ''}`;
  }
  if (flow) el.status.setAttribute('aria-label', `${flow.title}: ${el.status.textContent}`);
}

function renderChips() {
  clear(el.steps);
  const view = ui.view;
  const flowName = view?.run.flow ?? 'A';
  const flow = ui.state?.flows[flowName];
  if (!flow) return;
  const seen = new Set(view?.steps ?? []);
  const current = currentRow()?.step ?? null;
  const faultSteps = new Set((view?.run.faultMarks ?? []).map((m) => m.step));
  const numbers = Object.keys(flow.meanings)
    .map(Number)
    .sort((a, b) => a - b);
  el.jump.max = String(numbers[numbers.length - 1] ?? 20);
  for (const n of numbers) {
    const classes = ['step-chip', seen.has(n) ? 'seen' : 'unseen'];
    if (n === current) classes.push('current');
    if (view?.run.stoppedAt?.step === n) classes.push('stopped');
    if (faultSteps.has(n)) classes.push('fault');
    el.steps.append(
      h(
        'li',
        {},
        h('button', {
          type: 'button',
          class: classes.join(' '),
          'data-step': n,
          disabled: !seen.has(n),
          title: `${n}. ${flow.meanings[String(n)]}${seen.has(n) ? '' : ' (not in this run)'}`,
          'aria-label': `Step ${n}: ${flow.meanings[String(n)]}`,
          'aria-current': n === current ? 'step' : false,
          text: String(n),
          onclick: () => jumpTo(n),
        }),
      ),
    );
  }
}

// ---------------------------------------------------------------- selection and step-through

function currentRow() {
  const line = ui.lines[ui.cursor];
  return line && line.type === 'row' ? line.row : undefined;
}

/** @param {number} index */
function pick(index) {
  const line = ui.lines[index];
  if (!line || line.type !== 'row') return;
  if (line.row.kind === 'group') {
    if (ui.expanded.has(line.row.id)) ui.expanded.delete(line.row.id);
    else ui.expanded.add(line.row.id);
    relayout();
  }
  select(index);
}

/**
 * @param {number} index
 * @param {{scroll?: boolean}} [options]
 */
function select(index, options = {}) {
  const line = ui.lines[index];
  if (!line || line.type !== 'row') return;
  ui.cursor = index;
  ui.selectedId = line.row.id;
  drawRows();
  renderChips();
  renderStepPanel();
  if (ui.tab !== 'step') showTab('step');
  if (options.scroll !== false) scrollToLine(index);
}

/** @param {number} index */
function scrollToLine(index) {
  const top = index * ROW_H;
  const view = el.scroll;
  if (top < view.scrollTop + ROW_H || top > view.scrollTop + view.clientHeight - 2 * ROW_H) {
    view.scrollTop = Math.max(0, top - view.clientHeight / 2);
  }
}

function navigable() {
  return ui.lines.flatMap((line, i) => (line.type === 'row' ? [i] : []));
}

function next() {
  const rows = navigable();
  const after = rows.find((i) => i > ui.cursor);
  if (after === undefined) return false;
  select(after);
  return true;
}

function prev() {
  const rows = navigable();
  const before = [...rows].reverse().find((i) => i < ui.cursor);
  if (before === undefined) return false;
  select(before);
  return true;
}

function first() {
  const rows = navigable();
  if (rows.length) select(/** @type {number} */ (rows[0]));
}

/** No selection: every row drawn as done. */
function showAll() {
  pause();
  ui.cursor = -1;
  ui.selectedId = null;
  drawRows();
  renderChips();
  renderStepPanel();
}

/** @param {number} direction */
function nextStep(direction) {
  const here = currentRow()?.step ?? null;
  const rows = navigable();
  const ordered =
    direction > 0
      ? rows.filter((i) => i > ui.cursor)
      : [...rows].reverse().filter((i) => i < ui.cursor);
  const target = ordered.find((i) => {
    const line = ui.lines[i];
    return line?.type === 'row' && line.row.step !== null && line.row.step !== here;
  });
  if (target !== undefined) select(target);
}

/** @param {number} step */
function jumpTo(step) {
  const index = ui.lines.findIndex((l) => l.type === 'row' && l.row.step === step);
  if (index < 0) {
    toast(`Step ${step} is not in this run.`);
    return;
  }
  pause();
  select(index);
}

function play() {
  if (!ui.view) return;
  const rows = navigable();
  if (ui.cursor < 0 || ui.cursor >= (rows[rows.length - 1] ?? -1)) first();
  el.play.textContent = '❚❚';
  el.play.setAttribute('aria-label', 'Pause');
  ui.playing = setInterval(() => {
    if (!next()) pause();
  }, PLAY_INTERVAL_MS);
}

function pause() {
  if (ui.playing) clearInterval(ui.playing);
  ui.playing = null;
  el.play.textContent = '▶';
  el.play.setAttribute('aria-label', 'Play');
}

function togglePlay() {
  if (ui.playing) pause();
  else play();
}

let stepPanelVersion = 0;
function renderStepPanel() {
  const version = ++stepPanelVersion;
  const row = currentRow();
  const panel = el.panels.step;
  if (!row || !ui.view) {
    clear(panel);
    const stop = ui.view?.run.stoppedAt;
    if (stop) {
      panel.append(
        h(
          'section',
          { class: 'why-stopped' },
          h('h2', { text: `Why the flow stops at step ${stop.step}` }),
          h('p', { class: 'meaning', text: stop.title }),
          h('p', { text: stop.detail }),
          stop.deviceReason
            ? h('p', {
                class: 'muted',
                text: `The device gave up at step ${stop.deviceStep}: ${stop.deviceReason}`,
              })
            : null,
        ),
      );
    }
    panel.append(
      h('h2', { text: 'Step through the flow' }),
      h('p', { text: 'Click an arrow or a step number, or use the keyboard:' }),
      h(
        'ul',
        { class: 'keys' },
        h(
          'li',
          {},
          h('kbd', { text: '→' }),
          ' / ',
          h('kbd', { text: '←' }),
          ' next / previous arrow',
        ),
        h(
          'li',
          {},
          h('kbd', { text: 'PgDn' }),
          ' / ',
          h('kbd', { text: 'PgUp' }),
          ' next / previous step number',
        ),
        h('li', {}, h('kbd', { text: 'Space' }), ' play / pause'),
        h(
          'li',
          {},
          h('kbd', { text: 'Home' }),
          ' first, ',
          h('kbd', { text: 'End' }),
          ' show everything',
        ),
        h('li', {}, 'type a number and ', h('kbd', { text: 'Enter' }), ' to jump to that step'),
      ),
    );
    return;
  }
  const flowName = ui.view.run.flow;
  void renderStep(panel, {
    row,
    flow: ui.state?.flows[flowName],
    flowName,
    tokens: new Map(ui.view.tokens.map((t) => [t.id, t])),
    nowMs: ui.clockMs,
    loadEntry: (id) => {
      const key = `${id}:${flowName}`;
      let detail = ui.entries.get(key);
      if (!detail) {
        detail = API.getEntry(id, flowName);
        detail.catch(() => ui.entries.delete(key));
        ui.entries.set(key, detail);
      }
      return detail;
    },
    pickChild: (childId) => {
      const group = ui.lines.find(
        (l) => l.type === 'row' && l.row.children?.some((c) => c.id === childId),
      );
      if (group?.type === 'row') ui.expanded.add(group.row.id);
      relayout();
      const index = ui.lines.findIndex((l) => l.type === 'row' && l.row.id === childId);
      if (index >= 0) select(index);
    },
    stillShown: () => version === stepPanelVersion,
  });
}

// ---------------------------------------------------------------- actions

async function runFlow() {
  const user = el.user.value;
  if (!user) return;
  pause();
  await guarded(`running a flow for ${user}`, async () => {
    const view = await API.startRun({
      user,
      path: el.path.value,
      freshAutodetect: el.fresh.checked,
    });
    adoptRun(view.run.runId);
    setView(view, { follow: false });
    el.scroll.scrollTop = 0;
    await loadState();
  });
}

/** @param {string} runId */
function adoptRun(runId) {
  if (ui.runId === runId) return;
  ui.runId = runId;
  ui.view = null;
  ui.cursor = -1;
  ui.selectedId = null;
  ui.expanded.clear();
  renderStepPanel();
}

/** @param {string} by */
async function advance(by) {
  const text = by.trim();
  if (!text) {
    toast('Type a duration such as 2h, 30m or 3d.');
    return;
  }
  pause();
  await guarded(`advancing the clock by ${text}`, async () => {
    const result = await API.advanceClock(text);
    ui.clockMs = Math.max(ui.clockMs, result.clock.nowMs);
    await refreshView();
    await loadState();
    // What the advance did is news: draw it undimmed, whatever was selected before.
    showAll();
    showLastSegment();
  });
}

/** Scrolls the newest background segment (what the clock advance did) into view. */
function showLastSegment() {
  let index = -1;
  ui.lines.forEach((line, i) => {
    if (line.type === 'divider') index = i;
  });
  if (index >= 0) el.scroll.scrollTop = Math.max(0, index * ROW_H - ROW_H);
}

/** @param {string} name */
async function switchScenario(name) {
  pause();
  await guarded(`starting scenario ${name}`, async () => {
    ui.state = await API.switchScenario(name);
    forgetLab();
    renderControls();
    renderFaultsPanel();
  });
}

function forgetLab() {
  ui.shownSerial = ui.state?.labSerial ?? 0;
  ui.runId = null;
  ui.view = null;
  ui.lines = [];
  ui.cursor = -1;
  ui.selectedId = null;
  ui.entries.clear();
  ui.clockMs = ui.state?.clock.nowMs ?? 0;
  drawRows();
  renderChips();
  renderRunStatus();
  renderStepPanel();
  renderTokens(el.panels.tokens, null);
  el.empty.hidden = false;
}

/** @param {string} format */
async function exportAs(format) {
  el.exportMenu.open = false;
  const view = ui.view;
  if (!view) {
    toast('Run a flow first: the export is of the run on screen.');
    return;
  }
  const run = view.run;
  const stem = `hma-lab-${ui.state?.scenario.name ?? 'lab'}-flow-${run.flow}-${run.user.replace(/[^a-z0-9.-]+/gi, '_')}`;
  if (format === 'svg' || format === 'png') {
    const svg = standaloneSvg({
      title: `Flow ${run.flow}: ${ui.state?.flows[run.flow]?.title ?? ''} · ${run.user} · scenario ${ui.state?.scenario.name ?? ''}`,
      head: el.lanes,
      body: el.diagram,
    });
    if (format === 'svg') download(new Blob([svg.text], { type: 'image/svg+xml' }), `${stem}.svg`);
    else {
      try {
        download(await svgToPng(svg), `${stem}.png`);
      } catch (error) {
        toast(`PNG export failed: ${/** @type {Error} */ (error).message}`);
      }
    }
    return;
  }
  const a = h('a', {
    href: API.exportUrl(run.runId, /** @type {'har'|'json'|'mermaid'} */ (format)),
    download: '',
    hidden: true,
  });
  document.body.append(a);
  a.click();
  a.remove();
}

/** @param {'step'|'tokens'|'faults'} tab */
function showTab(tab) {
  ui.tab = tab;
  for (const name of /** @type {const} */ (['step', 'tokens', 'faults'])) {
    const button = byId(`tab-${name}`);
    button.setAttribute('aria-selected', String(name === tab));
    el.panels[name].hidden = name !== tab;
  }
  if (tab === 'tokens') renderTokens(el.panels.tokens, ui.view);
  if (tab === 'faults') renderFaultsPanel();
}

// ---------------------------------------------------------------- wiring

function wire() {
  el.run.addEventListener('click', () => void runFlow());
  el.user.addEventListener('change', () => renderFaultsPanel());
  el.scenario.addEventListener('change', () => void switchScenario(el.scenario.value));
  el.restart.addEventListener('click', () => void switchScenario(el.scenario.value));
  el.advance.addEventListener('click', () => void advance(el.advanceBy.value));
  el.advanceBy.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') void advance(el.advanceBy.value);
  });
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener(
      'click',
      () => void advance(/** @type {HTMLElement} */ (b).dataset.advance ?? ''),
    );
  }
  for (const b of document.querySelectorAll('[data-export]')) {
    b.addEventListener(
      'click',
      () => void exportAs(/** @type {HTMLElement} */ (b).dataset.export ?? ''),
    );
  }
  byId('first').addEventListener('click', first);
  byId('prev').addEventListener('click', () => void prev());
  el.play.addEventListener('click', togglePlay);
  byId('next').addEventListener('click', () => void next());
  byId('last').addEventListener('click', showAll);
  el.jump.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') {
      const n = Number(el.jump.value);
      if (Number.isInteger(n)) jumpTo(n);
    }
  });
  for (const name of /** @type {const} */ (['step', 'tokens', 'faults'])) {
    byId(`tab-${name}`).addEventListener('click', () => showTab(name));
  }
  /** @type {HTMLInputElement} */ (byId('opt-unnumbered')).addEventListener('change', (event) => {
    ui.flags.unnumbered = /** @type {HTMLInputElement} */ (event.target).checked;
    void refreshView();
  });
  /** @type {HTMLInputElement} */ (byId('opt-legs')).addEventListener('change', (event) => {
    ui.flags.legs = /** @type {HTMLInputElement} */ (event.target).checked;
    void refreshView();
  });
  document.addEventListener('keydown', onKey);
  const head = /** @type {HTMLElement} */ (el.lanes.parentElement);
  el.scroll.addEventListener('scroll', () => {
    head.scrollLeft = el.scroll.scrollLeft;
  });
  /** @type {ReturnType<typeof setTimeout> | null} */
  let resizing = null;
  window.addEventListener('resize', () => {
    if (resizing) clearTimeout(resizing);
    resizing = setTimeout(drawRows, 100);
  });
}

/** @param {KeyboardEvent} event */
function onKey(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  const target = /** @type {HTMLElement} */ (event.target);
  const tag = target?.tagName;
  if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
  if (
    (tag === 'BUTTON' || tag === 'SUMMARY' || tag === 'A') &&
    (event.key === ' ' || event.key === 'Enter')
  ) {
    if (!(event.key === 'Enter' && ui.jumpBuffer)) return;
  }
  let handled = true;
  switch (event.key) {
    case 'ArrowRight':
    case 'ArrowDown':
    case 'j':
      pause();
      next();
      break;
    case 'ArrowLeft':
    case 'ArrowUp':
    case 'k':
      pause();
      prev();
      break;
    case 'PageDown':
      pause();
      nextStep(1);
      break;
    case 'PageUp':
      pause();
      nextStep(-1);
      break;
    case 'Home':
      pause();
      first();
      break;
    case 'End':
      showAll();
      break;
    case ' ':
      togglePlay();
      break;
    case 'Escape':
      pause();
      break;
    case 'g':
      el.jump.focus();
      break;
    case 'Enter':
      if (ui.jumpBuffer) jumpTo(Number(ui.jumpBuffer));
      ui.jumpBuffer = '';
      break;
    default:
      if (/^[0-9]$/.test(event.key)) {
        ui.jumpBuffer = (ui.jumpBuffer + event.key).slice(-2);
        el.jump.value = ui.jumpBuffer;
        if (ui.jumpTimer) clearTimeout(ui.jumpTimer);
        ui.jumpTimer = setTimeout(() => (ui.jumpBuffer = ''), 2000);
      } else handled = false;
  }
  if (handled) event.preventDefault();
}

function listen() {
  const source = API.liveUpdates({
    entry: (/** @type {{runId?: string, atMs: number}} */ entry) => {
      if (entry.atMs > ui.clockMs) {
        ui.clockMs = entry.atMs;
        showClock();
      }
      // Our own clock advance redraws once, when it is done.
      if (ui.pending.startsWith('advancing')) return;
      if (ui.runId && (entry.runId === ui.runId || !entry.runId)) scheduleRefresh(ui.cursor < 0);
    },
    run: (/** @type {import('./types.js').RunSummary} */ run) => {
      if (run.status === 'running') {
        adoptRun(run.runId);
        void refreshView(true);
      } else if (run.runId === ui.runId) void refreshView();
    },
    state: () => void loadState().catch(() => undefined),
    // The page's own switch forgot the old lab already; the stream's news of it
    // may come after a run in the new lab began, which must stay on screen.
    lab: () =>
      void loadState()
        .then(() => {
          if (ui.state?.labSerial !== ui.shownSerial) forgetLab();
        })
        .catch(() => undefined),
  });
  // On (re)connecting, catch up with whatever happened while the stream was down.
  source.addEventListener('open', () => {
    document.body.dataset.live = 'true';
    void loadState()
      .then(() => {
        const latest = ui.state?.runs[ui.state.runs.length - 1];
        if (latest && latest.runId !== ui.runId) adoptRun(latest.runId);
        return refreshView();
      })
      .catch(() => undefined);
  });
  source.addEventListener('error', () => {
    document.body.dataset.live = 'false';
  });
}

async function start() {
  wire();
  renderStepPanel();
  try {
    await loadState();
  } catch (error) {
    toast(`The lab did not answer: ${/** @type {Error} */ (error).message}`);
    return;
  }
  ui.shownSerial = ui.state?.labSerial ?? 0;
  drawRows();
  renderChips();
  const last = ui.state?.runs[ui.state.runs.length - 1];
  if (last) {
    adoptRun(last.runId);
    await refreshView();
  }
  listen();
  document.body.dataset.ready = 'true';
}

void start();
