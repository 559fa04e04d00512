// @ts-check
// The trainer API, relative to the page (works wherever the lab mounts the UI).

/** @typedef {import('./types.js').LabState} LabState */
/** @typedef {import('./types.js').RunView} RunView */
/** @typedef {import('./types.js').EntryDetail} EntryDetail */

const BASE = '_ui/api/';

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {string} code
   */
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/**
 * @param {string} path
 * @param {{method?: string, body?: unknown}} [init]
 * @returns {Promise<any>}
 */
export async function api(path, init = {}) {
  /** @type {RequestInit} */
  const request = { method: init.method ?? 'GET', headers: {} };
  if (init.body !== undefined) {
    request.headers = { 'content-type': 'application/json' };
    request.body = JSON.stringify(init.body);
  }
  const res = await fetch(BASE + path, request);
  const json = await res.json().catch(() => null);
  if (!res.ok) {
    const error = json && json.error ? json.error : {};
    throw new ApiError(error.message ?? res.statusText, res.status, error.code ?? 'error');
  }
  return json;
}

/** @returns {Promise<LabState>} */
export const getState = () => api('state');

/**
 * @param {string} runId
 * @param {{unnumbered: boolean, legs: boolean}} flags
 * @returns {Promise<RunView>}
 */
export function getView(runId, flags) {
  const query = new URLSearchParams();
  if (flags.unnumbered) query.set('unnumbered', '1');
  if (flags.legs) query.set('legs', '1');
  const qs = query.toString();
  return api(`runs/${encodeURIComponent(runId)}/view${qs ? `?${qs}` : ''}`);
}

/**
 * @param {{user: string, path: string, freshAutodetect: boolean}} body
 * @returns {Promise<RunView>}
 */
export const startRun = (body) => api('runs', { method: 'POST', body });

/**
 * @param {number} entryId
 * @param {string} flow
 * @returns {Promise<EntryDetail>}
 */
export const getEntry = (entryId, flow) => api(`entries/${entryId}?flow=${flow}`);

/**
 * @param {string} name
 * @param {boolean} on
 */
export const setFault = (name, on) =>
  on
    ? api(`faults/${encodeURIComponent(name)}`, { method: 'PUT', body: {} })
    : api(`faults/${encodeURIComponent(name)}`, { method: 'DELETE' });

/** @param {string} by */
export const advanceClock = (by) => api('clock/advance', { method: 'POST', body: { by } });

/**
 * @param {string} name
 * @returns {Promise<LabState>}
 */
export const switchScenario = (name) => api('scenario', { method: 'POST', body: { name } });

/**
 * @param {string} runId
 * @param {'har'|'json'|'mermaid'} format
 */
export function exportUrl(runId, format) {
  return `${BASE}runs/${encodeURIComponent(runId)}/export?format=${format}`;
}

/**
 * Live updates from the lab (Server-Sent Events); the browser reconnects by itself.
 * @param {Record<string, (data: any) => void>} handlers
 */
export function liveUpdates(handlers) {
  const source = new EventSource(`${BASE}events`);
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (message) => {
      try {
        handle(JSON.parse(/** @type {MessageEvent} */ (message).data));
      } catch (error) {
        console.error('live update failed', error);
      }
    });
  }
  return source;
}
