/**
 * One name or value of `application/x-www-form-urlencoded` text (a form body,
 * a query, the id and secret of `Authorization: Basic`): `+` is a space, then
 * percent-decoding. Malformed percent-encoding (a stray `%`, bytes that are
 * not UTF-8) never throws: what can be decoded is, the rest is kept as sent,
 * which is what `URLSearchParams` does with the same text.
 */
export function decodeFormComponent(text: string): string {
  if (!text.includes('%') && !text.includes('+')) return text;
  const spaced = text.replaceAll('+', ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return new URLSearchParams(`v=${text}`).get('v') ?? spaced;
  }
}

/**
 * The cookies of a `Cookie` header by name, the first of a repeated name,
 * values percent-decoded as `res.cookie` encoded them. A value that does not
 * decode is kept as sent: a browser also carries other sites' cookies on a
 * shared host name, and an unreadable one must not break the request.
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  // No prototype: a cookie may be named `constructor` or `__proto__`.
  const out = Object.create(null) as Record<string, string>;
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (name in out) continue;
    const value = part.slice(eq + 1).trim();
    out[name] = value.includes('%') ? decodeLeniently(value) : value;
  }
  return out;
}

function decodeLeniently(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
