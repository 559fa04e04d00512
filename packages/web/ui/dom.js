// @ts-check
// Small DOM helpers: build elements without innerHTML, so trace text is never parsed as markup.

const SVG_NS = 'http://www.w3.org/2000/svg';

/**
 * @typedef {string | number | boolean | null | undefined | ((event: any) => void)} AttrValue
 * @typedef {Node | string | number | null | undefined | false} Child
 */

/**
 * @param {Element} el
 * @param {Record<string, AttrValue>} attrs
 */
function setAttrs(el, attrs) {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.replace(/^on/, ''), value);
    else if (name === 'text') el.textContent = String(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

/**
 * @param {Element} el
 * @param {Child[]} children
 */
function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'object' ? child : String(child));
  }
}

/**
 * An HTML element.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {...Child | Child[]} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, /** @type {Child[]} */ (children.flat()));
  return el;
}

/**
 * An SVG element.
 * @param {string} tag
 * @param {Record<string, AttrValue>} [attrs]
 * @param {...Child | Child[]} children
 * @returns {SVGElement}
 */
export function s(tag, attrs = {}, ...children) {
  const el = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttrs(el, attrs);
  append(el, /** @type {Child[]} */ (children.flat()));
  return el;
}

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
export function byId(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el;
}

/** @param {Element} el */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** @type {CanvasRenderingContext2D | null} */
let measurer = null;

/**
 * Width of a text in a CSS font, in pixels (for fitting labels on arrows).
 * @param {string} text
 * @param {string} font
 */
export function textWidth(text, font) {
  if (!measurer) measurer = document.createElement('canvas').getContext('2d');
  if (!measurer) return text.length * 7;
  measurer.font = font;
  return measurer.measureText(text).width;
}

/**
 * The longest start of `text` (with an ellipsis) that fits `maxWidth`.
 * @param {string} text
 * @param {string} font
 * @param {number} maxWidth
 */
export function fit(text, font, maxWidth) {
  if (textWidth(text, font) <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(`${text.slice(0, mid)}…`, font) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo <= 0 ? '' : `${text.slice(0, lo).trimEnd()}…`;
}

/**
 * Lab time as people read it: `2026-11-22 09:00:00 UTC`.
 * @param {number} ms
 */
export function labTime(ms) {
  if (!Number.isFinite(ms)) return '–';
  return new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}

/**
 * Hours and minutes of lab time: `09:00`.
 * @param {number} ms
 */
export function shortTime(ms) {
  return new Date(ms).toISOString().slice(11, 16);
}

/**
 * A span of time in words: `59 min`, `1 h`, `14 d 2 h`.
 * @param {number} ms
 */
export function span(ms) {
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${Math.round(abs / 1000)} s`;
  if (abs < 3_600_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 86_400_000) {
    const hours = Math.floor(abs / 3_600_000);
    const minutes = Math.round((abs % 3_600_000) / 60_000);
    return minutes ? `${hours} h ${minutes} min` : `${hours} h`;
  }
  const days = Math.floor(abs / 86_400_000);
  const hours = Math.round((abs % 86_400_000) / 3_600_000);
  return hours ? `${days} d ${hours} h` : `${days} d`;
}

/**
 * Saves text or a blob as a file.
 * @param {Blob} blob
 * @param {string} filename
 */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
