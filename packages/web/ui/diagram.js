// @ts-check
// The sequence diagram as SVG: one lane per party, one row per arrow or note,
// numbered with the FLOWS.md steps. Drawn with presentation attributes (not
// page CSS) so that the exported SVG and PNG look the same as the page.
import { clear, fit, s, shortTime, textWidth } from './dom.js';

/** @typedef {import('./types.js').RowView} RowView */
/** @typedef {import('./types.js').SegmentView} SegmentView */
/** @typedef {import('./types.js').TokenView} TokenView */
/** @typedef {import('./types.js').StopPoint} StopPoint */
/** @typedef {import('./types.js').Party} Party */

/**
 * A line of the diagram.
 * @typedef {{type: 'row', row: RowView, depth: number, open?: boolean}
 *   | {type: 'divider', segment: SegmentView}
 *   | {type: 'stop', stop: StopPoint}} Line
 */

/**
 * @typedef {object} Geometry
 * @property {number} width
 * @property {number} spacing
 * @property {Map<string, number>} x
 * @property {Array<{party: Party, label: string}>} lanes
 */

export const FONT_FAMILY = '"DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif';
const LABEL_FONT = `12px ${FONT_FAMILY}`;
const NOTE_FONT = `11.5px ${FONT_FAMILY}`;
const BADGE_FONT = `bold 10px ${FONT_FAMILY}`;
export const HEAD_H = 52;
export const ROW_H = 30;
const GUTTER = 48;
const MIN_SPACING = 84;

/** The cast of flow A, always shown; client, outlook-service and lab only when they take part. */
const BASE_LANES = [
  'device',
  'autodetect',
  'exo',
  'entra',
  'wap',
  'adfs',
  'onprem-autodiscover',
  'onprem-eas',
];

/** @type {Record<string, [string, string]>} */
const LANE_LINES = {
  device: ['Device', 'Outlook app'],
  client: ['Client', 'other app'],
  autodetect: ['AutoDetect', 'cloud'],
  exo: ['Exchange', 'Online'],
  entra: ['Entra ID', 'cloud'],
  wap: ['WAP', 'perimeter'],
  adfs: ['AD FS', 'on-premises'],
  'onprem-autodiscover': ['On-prem', 'AutoDiscover'],
  'onprem-eas': ['On-prem', 'ActiveSync'],
  'outlook-service': ['Outlook', 'service'],
  lab: ['Lab', ''],
};

/** @type {Record<string, {fill: string, stroke: string}>} */
const ZONE = {
  device: { fill: '#ecfeff', stroke: '#0e7490' },
  client: { fill: '#ecfeff', stroke: '#0e7490' },
  autodetect: { fill: '#eff6ff', stroke: '#1d4ed8' },
  exo: { fill: '#eff6ff', stroke: '#1d4ed8' },
  entra: { fill: '#eff6ff', stroke: '#1d4ed8' },
  'outlook-service': { fill: '#eff6ff', stroke: '#1d4ed8' },
  wap: { fill: '#f0fdf4', stroke: '#15803d' },
  adfs: { fill: '#f0fdf4', stroke: '#15803d' },
  'onprem-autodiscover': { fill: '#f0fdf4', stroke: '#15803d' },
  'onprem-eas': { fill: '#f0fdf4', stroke: '#15803d' },
  lab: { fill: '#f8fafc', stroke: '#64748b' },
};

/** Token colours by family (AT1 blue, AT2 violet, refresh tokens lighter). */
export const FAMILY_COLORS = /** @type {Record<string, string>} */ ({
  AT1: '#1d4ed8',
  AT: '#1d4ed8',
  RT1: '#3b82f6',
  RT: '#3b82f6',
  AT2: '#7c3aed',
  RT2: '#a855f7',
  ID: '#0f766e',
  code: '#475569',
  SAML: '#b45309',
  other: '#475569',
});

const STATUS_COLORS = { ok: '#1e293b', warn: '#b45309', err: '#b91c1c', muted: '#64748b' };

/** @param {number | undefined} status */
export function statusClass(status) {
  if (status === undefined) return 'ok';
  if (status === 0 || status >= 500) return 'err';
  if (status >= 400) return 'warn';
  return 'ok';
}

/**
 * Two short lines naming a lane.
 * @param {string} party
 * @param {string} label
 * @returns {[string, string]}
 */
export function laneLines(party, label) {
  return LANE_LINES[party] ?? [label, ''];
}

/**
 * The lanes to draw: the base cast, plus extra parties that appear in the lines.
 * @param {Array<{party: Party, label: string}>} all
 * @param {Line[]} lines
 */
export function lanesFor(all, lines) {
  /** @type {Set<string>} */
  const used = new Set(BASE_LANES);
  for (const line of lines) {
    if (line.type !== 'row') continue;
    used.add(line.row.from);
    used.add(line.row.to);
  }
  return all.filter((lane) => used.has(lane.party));
}

/**
 * @param {number} available width of the pane
 * @param {Array<{party: Party, label: string}>} lanes
 * @returns {Geometry}
 */
export function layout(available, lanes) {
  const spacing = Math.max(MIN_SPACING, Math.floor((available - GUTTER - 12) / lanes.length));
  const x = new Map(lanes.map((lane, i) => [lane.party, GUTTER + spacing * (i + 0.5)]));
  return { width: GUTTER + spacing * lanes.length + 12, spacing, x, lanes };
}

/**
 * The lane headers.
 * @param {SVGSVGElement} svg
 * @param {Geometry} geo
 */
export function renderLanes(svg, geo) {
  clear(svg);
  svg.setAttribute('width', String(geo.width));
  svg.setAttribute('height', String(HEAD_H));
  svg.setAttribute('viewBox', `0 0 ${geo.width} ${HEAD_H}`);
  svg.append(
    s('text', {
      x: 8,
      y: 30,
      'font-family': FONT_FAMILY,
      'font-size': 11,
      fill: '#64748b',
      text: 'step',
    }),
  );
  for (const lane of geo.lanes) {
    const cx = geo.x.get(lane.party) ?? 0;
    const [first, second] = laneLines(lane.party, lane.label);
    const zone = ZONE[lane.party] ?? ZONE.lab;
    const w = geo.spacing - 8;
    // The name in the largest size that fits the box (narrow lanes when many parties take part).
    const size =
      [12, 11, 10].find((px) => textWidth(first, `bold ${px}px ${FONT_FAMILY}`) <= w - 6) ?? 10;
    svg.append(
      s(
        'g',
        { class: 'lane', 'data-party': lane.party },
        s('title', {}, `${lane.label} (${lane.party})`),
        s('rect', {
          x: cx - w / 2,
          y: 5,
          width: w,
          height: HEAD_H - 10,
          rx: 7,
          fill: zone.fill,
          stroke: zone.stroke,
          'stroke-width': 1.4,
        }),
        s('text', {
          x: cx,
          y: second ? 23 : 30,
          'text-anchor': 'middle',
          'font-family': FONT_FAMILY,
          'font-size': size,
          'font-weight': 'bold',
          fill: '#0f172a',
          text: fit(first, `bold ${size}px ${FONT_FAMILY}`, w - 6),
        }),
        second
          ? s('text', {
              x: cx,
              y: 38,
              'text-anchor': 'middle',
              'font-family': FONT_FAMILY,
              'font-size': 10.5,
              fill: '#334155',
              text: fit(second, `10.5px ${FONT_FAMILY}`, w - 6),
            })
          : null,
      ),
    );
  }
}

/**
 * @typedef {object} RowOptions
 * @property {number} cursor index of the selected line, -1 for none
 * @property {Map<string, TokenView>} tokens
 * @property {StopPoint | undefined} stop
 * @property {(index: number) => void} onPick
 * @property {number} [minHeight] draw the lifelines at least this tall
 */

/**
 * The rows of the diagram.
 * @param {SVGSVGElement} svg
 * @param {Geometry} geo
 * @param {Line[]} lines
 * @param {RowOptions} options
 */
export function renderRows(svg, geo, lines, options) {
  clear(svg);
  const height = Math.max(lines.length * ROW_H + 12, options.minHeight ?? 40);
  svg.setAttribute('width', String(geo.width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${geo.width} ${height}`);
  svg.append(markers());
  for (const lane of geo.lanes) {
    const x = geo.x.get(lane.party) ?? 0;
    svg.append(
      s('line', {
        class: 'lifeline',
        x1: x,
        x2: x,
        y1: 0,
        y2: height,
        stroke: '#cbd5e1',
        'stroke-width': 1.2,
        'stroke-dasharray': '5 5',
      }),
    );
  }
  lines.forEach((line, index) => {
    const y = index * ROW_H;
    if (line.type === 'divider') svg.append(divider(geo, line.segment, y));
    else if (line.type === 'stop') svg.append(stopLine(geo, line.stop, y));
    else svg.append(row(geo, line, index, y, options));
  });
}

function markers() {
  const defs = s('defs');
  for (const [name, color] of Object.entries(STATUS_COLORS)) {
    defs.append(
      s(
        'marker',
        {
          id: `arrow-${name}`,
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 8,
          markerHeight: 8,
          orient: 'auto-start-reverse',
          markerUnits: 'userSpaceOnUse',
        },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }),
      ),
    );
  }
  return defs;
}

/**
 * @param {Geometry} geo
 * @param {SegmentView} segment
 * @param {number} y
 */
function divider(geo, segment, y) {
  const long = segment.toMs - segment.fromMs >= 86_400_000;
  const at = (/** @type {number} */ ms) =>
    long ? new Date(ms).toISOString().slice(5, 16).replace('T', ' ') : shortTime(ms);
  const when =
    segment.kind === 'advance'
      ? `◷ ${segment.title}: ${at(segment.fromMs)} → ${at(segment.toMs)} UTC`
      : `background activity ${at(segment.fromMs)} → ${at(segment.toMs)} UTC`;
  const text = `${when} · ${segment.entryCount} trace entries${segment.summarised ? ' · summarised, click a row to expand' : ''}`;
  const font = `bold 11.5px ${FONT_FAMILY}`;
  const label = fit(text, font, geo.width - 24);
  const w = textWidth(label, font) + 16;
  return s(
    'g',
    { class: 'divider', 'data-segment': segment.id, 'data-kind': segment.kind },
    s('line', {
      x1: 4,
      x2: geo.width - 4,
      y1: y + 15,
      y2: y + 15,
      stroke: '#64748b',
      'stroke-width': 1.2,
      'stroke-dasharray': '8 4',
    }),
    s('rect', { x: 8, y: y + 5, width: w, height: 20, rx: 10, fill: '#e2e8f0' }),
    s('text', {
      x: 16,
      y: y + 19,
      'font-family': FONT_FAMILY,
      'font-size': 11.5,
      'font-weight': 'bold',
      fill: '#1e293b',
      text: label,
    }),
  );
}

/**
 * @param {Geometry} geo
 * @param {StopPoint} stop
 * @param {number} y
 */
function stopLine(geo, stop, y) {
  const text =
    stop.cause === 'fault'
      ? `✕ The flow stops at step ${stop.step}: ${stop.title} (fault ${stop.fault})`
      : `✕ The flow stops at step ${stop.step}: ${stop.title}`;
  const font = `bold 12px ${FONT_FAMILY}`;
  const label = fit(text, font, geo.width - GUTTER - 20);
  return s(
    'g',
    { class: 'stop', 'data-step': stop.step },
    s('title', {}, `${text}\n${stop.detail}`),
    s('rect', {
      x: GUTTER - 4,
      y: y + 4,
      width: textWidth(label, font) + 20,
      height: 22,
      rx: 4,
      fill: '#fee2e2',
      stroke: '#b91c1c',
    }),
    s('text', {
      x: GUTTER + 6,
      y: y + 19,
      'font-family': FONT_FAMILY,
      'font-size': 12,
      'font-weight': 'bold',
      fill: '#991b1b',
      text: label,
    }),
  );
}

/**
 * @param {Geometry} geo
 * @param {{type: 'row', row: RowView, depth: number, open?: boolean}} line
 * @param {number} index
 * @param {number} y
 * @param {RowOptions} options
 */
function row(geo, line, index, y, options) {
  const r = line.row;
  const cls = r.kind === 'event' ? 'ok' : statusClass(r.status);
  const selected = index === options.cursor;
  const future = options.cursor >= 0 && index > options.cursor;
  const classes = ['row', `row-${r.kind}`, `status-${cls}`];
  if (selected) classes.push('selected');
  if (future) classes.push('future');
  if (line.depth > 0) classes.push('child');
  const g = s('g', {
    class: classes.join(' '),
    'data-index': index,
    'data-row': r.id,
    'data-step': r.step ?? '',
    'data-from': r.from,
    'data-to': r.to,
    'data-kind': r.kind,
    role: 'listitem',
    'aria-label': `${r.step !== null ? `step ${r.step}: ` : ''}${r.from} to ${r.to}: ${r.label}`,
    onclick: () => options.onPick(index),
  });
  g.append(s('title', {}, `${r.step !== null ? `Step ${r.step} · ` : ''}${r.label}`));
  g.append(
    s('rect', {
      class: 'hit',
      x: 0,
      y,
      width: geo.width,
      height: ROW_H,
      fill: selected ? '#fde68a' : 'transparent',
      'fill-opacity': selected ? 0.6 : 0,
    }),
  );
  g.append(stepBadge(r, line.depth, y, options.stop));
  if (r.kind === 'event' || r.from === r.to) g.append(note(geo, r, y));
  else g.append(...arrow(geo, line, y, options.tokens, cls));
  return g;
}

/**
 * @param {RowView} r
 * @param {number} depth
 * @param {number} y
 * @param {StopPoint | undefined} stop
 */
function stepBadge(r, depth, y, stop) {
  const cx = depth > 0 ? 30 : 22;
  const radius = depth > 0 ? 8.5 : 11;
  const stopped = stop && r.step === stop.step;
  const fill = r.step === null ? '#f1f5f9' : stopped ? '#b91c1c' : '#1e3a8a';
  return s(
    'g',
    { class: 'step-badge' },
    depth > 0
      ? s('line', { x1: 14, x2: 14, y1: y, y2: y + ROW_H, stroke: '#94a3b8', 'stroke-width': 2 })
      : null,
    s('circle', { cx, cy: y + 15, r: radius, fill, stroke: r.step === null ? '#94a3b8' : 'none' }),
    s('text', {
      x: cx,
      y: y + 19,
      'text-anchor': 'middle',
      'font-family': FONT_FAMILY,
      'font-size': depth > 0 ? 9.5 : 11,
      'font-weight': 'bold',
      fill: r.step === null ? '#64748b' : '#ffffff',
      text: r.step === null ? '·' : String(r.step),
    }),
  );
}

/**
 * @param {Geometry} geo
 * @param {RowView} r
 * @param {number} y
 */
function note(geo, r, y) {
  const cx = geo.x.get(r.from) ?? GUTTER;
  const maxW = Math.min(440, geo.width - GUTTER - 8);
  const text = fit(r.label, NOTE_FONT, maxW - 16);
  const w = Math.min(maxW, textWidth(text, NOTE_FONT) + 16);
  const left = Math.max(GUTTER + 2, Math.min(cx - w / 2, geo.width - w - 4));
  const numbered = r.step !== null;
  return s(
    'g',
    { class: 'note' },
    s('rect', {
      x: left,
      y: y + 4,
      width: w,
      height: 22,
      rx: 4,
      fill: numbered ? '#fef9c3' : '#f1f5f9',
      stroke: numbered ? '#ca8a04' : '#94a3b8',
    }),
    s('text', {
      x: left + w / 2,
      y: y + 19,
      'text-anchor': 'middle',
      'font-family': FONT_FAMILY,
      'font-size': 11.5,
      fill: '#1e293b',
      text,
    }),
  );
}

/**
 * @param {Geometry} geo
 * @param {{type: 'row', row: RowView, depth: number, open?: boolean}} line
 * @param {number} y
 * @param {Map<string, TokenView>} tokens
 * @param {'ok'|'warn'|'err'} cls
 */
function arrow(geo, line, y, tokens, cls) {
  const r = line.row;
  const x1 = geo.x.get(r.from) ?? GUTTER;
  const x2 = geo.x.get(r.to) ?? GUTTER;
  const left = Math.min(x1, x2);
  const pointsLeft = x2 < x1;
  const color = STATUS_COLORS[cls];
  const y0 = y + 23;
  const parts = [];
  parts.push(
    s('line', {
      class: 'arrow',
      x1: x1 + (pointsLeft ? -1 : 1),
      x2: x2 + (pointsLeft ? 1 : -1),
      y1: y0,
      y2: y0,
      stroke: color,
      'stroke-width': r.kind === 'group' ? 2.6 : 1.6,
      'stroke-dasharray': r.kind === 'response' ? '6 4' : 'none',
      'marker-end': `url(#arrow-${cls})`,
    }),
  );
  // Label above the arrow, from its left end; token badges after it.
  const carried = r.tokens
    .map((id) => tokens.get(id))
    .filter(
      /** @type {(t: TokenView | undefined) => t is TokenView} */
      ((t) => t !== undefined && t.family !== 'code'),
    );
  /** A group may carry dozens of renewed tokens: show a few and count the rest. */
  const MAX_BADGES = 4;
  /** @type {Array<TokenView | {role: string, family: string}>} */
  const badges = carried.slice(0, MAX_BADGES);
  if (carried.length > MAX_BADGES) {
    badges.push({ role: `+${carried.length - MAX_BADGES}`, family: 'other' });
  }
  const prefix = r.kind === 'group' ? (line.open ? '▾ ' : '▸ ') : '';
  const badgeWidths = badges.map((t) => textWidth(t?.role ?? '', BADGE_FONT) + 10);
  const badgesWidth = badgeWidths.reduce((a, b) => a + b + 4, 0);
  // From the arrow's left end; moved left when it would run off the right edge.
  const wanted = textWidth(prefix + r.label, LABEL_FONT) + 8 + badgesWidth;
  const start = Math.max(
    GUTTER + 4,
    Math.min(left + (pointsLeft ? 12 : 6), geo.width - 6 - wanted),
  );
  const room = geo.width - 6 - start;
  let badgeRoom = badgesWidth;
  if (room - badgeRoom < 90) badgeRoom = 0;
  const text = fit(prefix + r.label, LABEL_FONT, room - badgeRoom - 4);
  parts.push(
    s('text', {
      class: 'label',
      x: start,
      y: y + 15,
      'font-family': FONT_FAMILY,
      'font-size': 12,
      fill: cls === 'ok' ? '#0f172a' : color,
      stroke: '#ffffff',
      'stroke-width': 3,
      'stroke-linejoin': 'round',
      'paint-order': 'stroke',
      text,
    }),
  );
  if (badgeRoom > 0) {
    let bx = start + textWidth(text, LABEL_FONT) + 8;
    badges.forEach((t, i) => {
      if (!t) return;
      const w = badgeWidths[i] ?? 0;
      parts.push(
        s(
          'g',
          { class: 'token-badge', 'data-role': t.role },
          s('rect', {
            x: bx,
            y: y + 4,
            width: w,
            height: 14,
            rx: 7,
            fill: FAMILY_COLORS[t.family] ?? FAMILY_COLORS.other,
          }),
          s('text', {
            x: bx + w / 2,
            y: y + 14.5,
            'text-anchor': 'middle',
            'font-family': FONT_FAMILY,
            'font-size': 10,
            'font-weight': 'bold',
            fill: '#ffffff',
            text: t.role,
          }),
        ),
      );
      bx += w + 4;
    });
  }
  return parts;
}

/**
 * One standalone SVG of the whole diagram (title, lanes, rows), as text.
 * @param {{title: string, head: SVGSVGElement, body: SVGSVGElement}} parts
 */
export function standaloneSvg(parts) {
  const width = Number(parts.body.getAttribute('width'));
  const bodyH = Number(parts.body.getAttribute('height'));
  const titleH = 30;
  const height = titleH + HEAD_H + bodyH;
  const out = s('svg', {
    xmlns: 'http://www.w3.org/2000/svg',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
  });
  out.append(s('rect', { x: 0, y: 0, width, height, fill: '#ffffff' }));
  out.append(
    s('text', {
      x: 10,
      y: 20,
      'font-family': FONT_FAMILY,
      'font-size': 14,
      'font-weight': 'bold',
      fill: '#0f172a',
      text: parts.title,
    }),
  );
  const head = s('g', { transform: `translate(0 ${titleH})` });
  for (const child of parts.head.childNodes) head.append(child.cloneNode(true));
  const body = s('g', { transform: `translate(0 ${titleH + HEAD_H})` });
  for (const child of parts.body.childNodes) body.append(child.cloneNode(true));
  // The export shows every row as drawn, without the step-through dimming or selection.
  for (const el of body.querySelectorAll('.future, .selected')) {
    el.classList.remove('future', 'selected');
  }
  for (const hit of body.querySelectorAll('rect.hit')) {
    hit.setAttribute('fill', 'transparent');
    hit.setAttribute('fill-opacity', '0');
  }
  out.append(head, body);
  return {
    width,
    height,
    text: `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(out)}`,
  };
}

/**
 * The SVG drawn on a canvas, as PNG (twice the size, for projectors and slides).
 * @param {{width: number, height: number, text: string}} svg
 * @returns {Promise<Blob>}
 */
export function svgToPng(svg) {
  return new Promise((resolve, reject) => {
    const url = URL.createObjectURL(new Blob([svg.text], { type: 'image/svg+xml' }));
    const image = new Image();
    image.onload = () => {
      const scale = 2;
      const canvas = document.createElement('canvas');
      canvas.width = svg.width * scale;
      canvas.height = svg.height * scale;
      const context = canvas.getContext('2d');
      if (!context) {
        reject(new Error('no canvas'));
        return;
      }
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob(
        (blob) => (blob ? resolve(blob) : reject(new Error('PNG failed'))),
        'image/png',
      );
    };
    image.onerror = () => {
      URL.revokeObjectURL(url);
      reject(new Error('the SVG could not be drawn'));
    };
    image.src = url;
  });
}
