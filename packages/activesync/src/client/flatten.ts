// Turning response elements into plain data for EasItem and Settings results.
import { child, type EasElement } from '../wbxml/element.js';

function leafText(node: EasElement): string {
  if (node.text !== undefined) return node.text;
  if (node.opaque !== undefined) return Buffer.from(node.opaque).toString('utf8');
  return '';
}

/**
 * Flattens the children of ApplicationData / Properties into 'Tag/Tag' -> text. Repeated paths
 * get '[1]', '[2]' ... on later occurrences.
 */
export function flattenData(container: EasElement | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!container) return out;
  // How often each path came again: the next repeat's number at once (no tag
  // holds '[', so only repeats have such keys). Searching for the first free
  // number made N repeats of a path cost N²/2 lookups (16,000: a minute).
  const repeats = new Map<string, number>();
  const put = (key: string, value: string): void => {
    if (!(key in out)) {
      out[key] = value;
      return;
    }
    const n = (repeats.get(key) ?? 0) + 1;
    repeats.set(key, n);
    out[`${key}[${n}]`] = value;
  };
  const walk = (node: EasElement, prefix: string): void => {
    const key = prefix ? `${prefix}/${node.tag}` : node.tag;
    if (node.children.length === 0) put(key, leafText(node));
    else for (const kid of node.children) walk(kid, key);
  };
  for (const kid of container.children) walk(kid, '');
  return out;
}

/** The body text of a flattened item, if it has one. */
export function bodyOf(data: Record<string, string>): string | undefined {
  return data['AirSyncBase:Body/AirSyncBase:Data'] ?? data['Email:Body'];
}

/**
 * An element as JSON-like data keyed by local names: leaves become strings, containers
 * objects, repeated siblings arrays.
 */
export function elementToObject(node: EasElement): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kid of node.children) {
    const name = kid.tag.slice(kid.tag.indexOf(':') + 1);
    const value: unknown = kid.children.length === 0 ? leafText(kid) : elementToObject(kid);
    const existing = out[name];
    if (existing === undefined) out[name] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else out[name] = [existing, value];
  }
  return out;
}

/** The Status child of a command's root element, as a number. */
export function topStatus(root: EasElement | undefined): number | undefined {
  if (!root) return undefined;
  const status = root.children.find((c) => c.tag.endsWith(':Status'));
  return status?.text === undefined ? undefined : Number(status.text);
}

export function statusOf(node: EasElement | undefined, tag: string): number | undefined {
  const text = node ? child(node, tag)?.text : undefined;
  return text === undefined ? undefined : Number(text);
}
