// @ts-check
// The tokens tab: AT1 and AT2 side by side (client, audience, who minted it,
// who accepts it) and a timeline of every token's lifetime against lab time.
import { clear, h, labTime, s, shortTime, span, fit } from './dom.js';
import { FAMILY_COLORS, FONT_FAMILY } from './diagram.js';
import { appName, laneName, roleBadge } from './details.js';

/** @typedef {import('./types.js').TokenView} TokenView */
/** @typedef {import('./types.js').RunView} RunView */

/**
 * @param {TokenView} t
 * @param {string} key
 */
function claim(t, key) {
  const value = t.claims?.[key];
  if (value === undefined) return '–';
  return Array.isArray(value) ? value.join(' ') : String(value);
}

/**
 * Who took the token (2xx/3xx), by party, with the steps.
 * @param {TokenView} t
 * @param {boolean} accepted
 */
function parties(t, accepted) {
  /** @type {Map<string, Set<string>>} */
  const byParty = new Map();
  for (const use of t.presentedTo) {
    if (use.accepted !== accepted) continue;
    const how = /assertion/.test(use.where) ? ' as on-behalf-of assertion' : '';
    const key = `${laneName(use.party)}${how}`;
    const steps = byParty.get(key) ?? new Set();
    if (use.step !== null) steps.add(String(use.step));
    byParty.set(key, steps);
  }
  if (byParty.size === 0) return accepted ? 'nobody yet' : 'nobody';
  return [...byParty]
    .map(([who, steps]) => (steps.size ? `${who} (step ${[...steps].join(', ')})` : who))
    .join('; ');
}

/**
 * @param {TokenView[]} tokens
 * @param {string} family
 */
function familyOf(tokens, family) {
  return tokens.filter((t) => t.family === family);
}

/**
 * @param {TokenView} t
 * @param {number} nowMs
 */
function expiry(t, nowMs) {
  if (t.expiresAtMs === undefined) return '–';
  return t.expiresAtMs <= nowMs
    ? `${labTime(t.expiresAtMs)} (expired ${span(nowMs - t.expiresAtMs)} ago)`
    : `${labTime(t.expiresAtMs)} (${span(t.expiresAtMs - nowMs)} left)`;
}

/**
 * @param {RunView} view
 */
function comparison(view) {
  const tokens = view.tokens;
  const first = familyOf(tokens, 'AT1')[0] ?? familyOf(tokens, 'AT')[0];
  const at2s = familyOf(tokens, 'AT2');
  const second = at2s[0];
  const columns = [first, second].filter((t) => t !== undefined);
  if (columns.length === 0) {
    return h('p', {
      class: 'muted',
      text:
        view.run.flow === 'C'
          ? 'Flow C uses Basic authentication: no access tokens cross the wire, the password does (see the step panel).'
          : 'No access token was issued in this run yet.',
    });
  }
  const refreshOf = (/** @type {TokenView} */ t) =>
    tokens.find(
      (r) => r.family === (t.family === 'AT2' ? 'RT2' : t.family === 'AT1' ? 'RT1' : 'RT'),
    );
  /** @type {Array<[string, (t: TokenView) => Node | string]>} */
  const rows = [
    ['token', (t) => roleBadge(t.role, t.family)],
    ['client (appid)', (t) => appName(claim(t, 'appid'), t.claims)],
    ['audience (aud)', (t) => claim(t, 'aud')],
    [
      'minted by',
      (t) =>
        `${t.mintedBy ? laneName(t.mintedBy) : '?'}${t.grant ? ` · ${t.grant}` : ''}${t.firstStep ? ` · step ${t.firstStep}` : ''}`,
    ],
    ['held by', (t) => (t.mintedFor ? laneName(t.mintedFor) : '?')],
    ['accepted by', (t) => parties(t, true)],
    ['refused by', (t) => parties(t, false)],
    [
      'reaches on-prem ActiveSync',
      (t) =>
        t.presentedTo.some((u) => u.party === 'onprem-eas')
          ? 'yes'
          : 'never: its audience is not the on-premises server',
    ],
    ['scopes (scp)', (t) => claim(t, 'scp')],
    ['sign-in methods (amr)', (t) => claim(t, 'amr')],
    [
      'lifetime',
      (t) =>
        t.expiresAtMs !== undefined && t.issuedAtMs !== undefined
          ? span(t.expiresAtMs - t.issuedAtMs)
          : '–',
    ],
    ['expires', (t) => expiry(t, view.nowMs)],
    [
      'refresh token',
      (t) => {
        const r = refreshOf(t);
        return r ? `${r.role}, kept by ${r.mintedFor ? laneName(r.mintedFor) : '?'}` : '–';
      },
    ],
  ];
  const latest = at2s[at2s.length - 1];
  return h(
    'div',
    { class: 'compare' },
    h(
      'table',
      { class: 'compare-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}),
          columns.map((t) => h('th', { scope: 'col', 'data-role': t.role, text: t.role })),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map(([name, cell]) =>
          h(
            'tr',
            { 'data-field': name },
            h('th', { scope: 'row', text: name }),
            columns.map((t) => h('td', { 'data-role': t.role }, cell(t))),
          ),
        ),
      ),
    ),
    latest && latest !== second
      ? h('p', {
          class: 'renewals',
          text: `Exchange Online renewed AT2 with RT2 ${at2s.length - 1} time(s); the current one is ${latest.role}, ${expiry(latest, view.nowMs)}.`,
        })
      : null,
  );
}

/** Renewals shown per family in the timeline (the first and the last few). */
const KEEP_LAST = 3;

/**
 * @param {TokenView[]} tokens
 */
function timelineTokens(tokens) {
  const withLife = tokens.filter(
    (t) => t.issuedAtMs !== undefined && t.expiresAtMs !== undefined && t.family !== 'code',
  );
  /** @type {Map<string, TokenView[]>} */
  const byFamily = new Map();
  for (const t of withLife) byFamily.set(t.family, [...(byFamily.get(t.family) ?? []), t]);
  /** @type {TokenView[]} */
  const shown = [];
  let hidden = 0;
  for (const list of byFamily.values()) {
    if (list.length <= KEEP_LAST + 1) shown.push(...list);
    else {
      shown.push(list[0], ...list.slice(-KEEP_LAST));
      hidden += list.length - KEEP_LAST - 1;
    }
  }
  shown.sort((a, b) => (a.issuedAtMs ?? 0) - (b.issuedAtMs ?? 0));
  return { shown: /** @type {TokenView[]} */ (shown.filter(Boolean)), hidden };
}

/**
 * @param {RunView} view
 * @param {number} width
 */
function timeline(view, width) {
  const { shown, hidden } = timelineTokens(view.tokens);
  if (shown.length === 0)
    return h('p', { class: 'muted', text: 'No token lifetimes to show yet.' });
  const LABEL_W = 74;
  const ROW = 20;
  const TOP = 22;
  const t0 = Math.min(...shown.map((t) => t.issuedAtMs ?? view.nowMs));
  const accessEnds = shown
    .filter((t) => t.lifetimeFrom !== 'policy')
    .map((t) => t.expiresAtMs ?? t0);
  const t1 = Math.max(view.nowMs, ...accessEnds, t0 + 3_600_000);
  const range = (t1 - t0) * 1.08;
  const plotW = width - LABEL_W - 8;
  const xOf = (/** @type {number} */ ms) => LABEL_W + Math.min(plotW, ((ms - t0) / range) * plotW);
  const height = TOP + shown.length * ROW + 20;
  const svg = s('svg', {
    class: 'timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': 'Token lifetimes against lab time',
  });
  const ticks = 4;
  for (let i = 0; i <= ticks; i++) {
    const ms = t0 + (range / ticks) * i;
    const x = xOf(ms);
    const long = range > 2 * 86_400_000;
    svg.append(
      s('line', { x1: x, x2: x, y1: TOP - 4, y2: height - 18, stroke: '#e2e8f0' }),
      s('text', {
        x: Math.min(x, width - 30),
        y: TOP - 8,
        'text-anchor': 'middle',
        'font-family': FONT_FAMILY,
        'font-size': 10,
        fill: '#64748b',
        text: long ? new Date(ms).toISOString().slice(5, 16).replace('T', ' ') : shortTime(ms),
      }),
    );
  }
  shown.forEach((t, i) => {
    const y = TOP + i * ROW;
    const from = xOf(t.issuedAtMs ?? t0);
    const to = xOf(t.expiresAtMs ?? t0);
    const clipped = (t.expiresAtMs ?? 0) > t0 + range;
    const expired = (t.expiresAtMs ?? 0) <= view.nowMs;
    const color = FAMILY_COLORS[t.family] ?? FAMILY_COLORS.other;
    svg.append(
      s(
        'g',
        { class: 'life', 'data-role': t.role },
        s(
          'title',
          {},
          `${t.role}: ${labTime(t.issuedAtMs ?? 0)} → ${labTime(t.expiresAtMs ?? 0)}${t.lifetimeFrom === 'policy' ? ' (tenant policy for refresh tokens, sliding with use)' : ''}`,
        ),
        s('text', {
          x: 4,
          y: y + 13,
          'font-family': FONT_FAMILY,
          'font-size': 11,
          'font-weight': 'bold',
          fill: color,
          text: fit(t.role, `bold 11px ${FONT_FAMILY}`, LABEL_W - 8),
        }),
        s('rect', {
          x: from,
          y: y + 3,
          width: Math.max(2, to - from),
          height: 13,
          rx: 3,
          fill: color,
          'fill-opacity': expired ? 0.3 : 0.9,
          'stroke-dasharray': t.lifetimeFrom === 'policy' ? '3 2' : 'none',
          stroke: color,
        }),
        clipped
          ? s('text', {
              x: width - 6,
              y: y + 13,
              'text-anchor': 'end',
              'font-family': FONT_FAMILY,
              'font-size': 10,
              fill: '#ffffff',
              text: `→ ${span((t.expiresAtMs ?? 0) - (t.issuedAtMs ?? 0))}`,
            })
          : null,
      ),
    );
  });
  const nowX = xOf(view.nowMs);
  svg.append(
    s('line', {
      x1: nowX,
      x2: nowX,
      y1: TOP - 4,
      y2: height - 16,
      stroke: '#dc2626',
      'stroke-width': 1.5,
      'stroke-dasharray': '4 3',
    }),
    s('text', {
      x: Math.min(nowX, width - 20),
      y: height - 4,
      'text-anchor': 'middle',
      'font-family': FONT_FAMILY,
      'font-size': 10,
      'font-weight': 'bold',
      fill: '#dc2626',
      text: 'now',
    }),
  );
  return h(
    'div',
    { class: 'timeline-wrap' },
    svg,
    hidden
      ? h('p', {
          class: 'muted',
          text: `${hidden} renewal(s) between the first and the last ${KEEP_LAST} are not drawn.`,
        })
      : null,
    h('p', {
      class: 'muted',
      text: 'Solid: lifetime from the token (iat → exp). Dashed: refresh tokens, whose lifetime is the tenant’s policy (inactivity window). Faded: expired.',
    }),
  );
}

/**
 * @param {HTMLElement} panel
 * @param {RunView | null} view
 */
export function renderTokens(panel, view) {
  clear(panel);
  if (!view) {
    panel.append(h('p', { class: 'muted', text: 'Run a flow to see its tokens.' }));
    return;
  }
  const width = Math.max(300, panel.clientWidth - 28);
  panel.append(
    h('h2', { text: view.run.flow === 'A' ? 'AT1 and AT2 side by side' : 'Tokens' }),
    comparison(view),
    h('h2', { text: 'Token lifetimes' }),
    timeline(view, width),
  );
}
