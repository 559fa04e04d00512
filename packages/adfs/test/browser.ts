import type { LabFetch } from '@hma-lab/core';

/** A cookie the test browser keeps. */
interface StoredCookie {
  value: string;
  path: string;
  attributes: string;
}

/**
 * Just enough of a browser for these tests: keeps cookies per host (honouring
 * path and deletion by a past `expires`), sends forms, and reads the forms of
 * a page. Redirects are not followed, so each hop can be asserted.
 */
export class TestBrowser {
  readonly jar = new Map<string, Map<string, StoredCookie>>();

  constructor(private readonly fetch: LabFetch) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.send(url, { method: 'GET', headers });
  }

  async post(url: string, fields: Record<string, string>): Promise<Page> {
    return this.send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** Cookies this browser holds for a host. */
  cookies(host: string): Record<string, StoredCookie> {
    return Object.fromEntries(this.jar.get(host) ?? []);
  }

  async send(url: string, init: RequestInit): Promise<Page> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    headers.set('user-agent', 'Mozilla/5.0 (iPhone) hma-lab-test');
    headers.set('accept-language', 'en-US');
    const cookie = [...(this.jar.get(target.hostname) ?? [])]
      .filter(([, c]) => target.pathname.toLowerCase().startsWith(c.path.toLowerCase()))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    if (cookie) headers.set('cookie', cookie);
    const response = await this.fetch(target, { ...init, headers, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    for (const line of setCookies) this.store(target.hostname, line);
    return { response, status: response.status, text: await response.text(), setCookies };
  }

  private store(host: string, line: string): void {
    const [pair, ...attributes] = line.split(';').map((p) => p.trim());
    const index = pair!.indexOf('=');
    const name = pair!.slice(0, index);
    const value = pair!.slice(index + 1);
    const path = /^path=(.*)$/i.exec(attributes.find((a) => /^path=/i.test(a)) ?? '')?.[1] ?? '/';
    const expires = attributes.find((a) => /^expires=/i.test(a));
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    this.jar.set(host, cookies);
    if (expires && Date.parse(expires.slice(8)) < Date.UTC(2000, 0, 1)) cookies.delete(name);
    else cookies.set(name, { value, path, attributes: attributes.join('; ') });
  }
}

export interface Page {
  response: Response;
  status: number;
  text: string;
  setCookies: string[];
}

const decode = (text: string): string =>
  text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** The first form of a page: its action and the name/value of each input. */
export function formOf(html: string): { action: string; fields: Record<string, string> } {
  const form = /<form\b[^>]*\baction="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in page:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const input of form[2]!.matchAll(/<input\b[^>]*>/gi)) {
    const name = /\bname="([^"]*)"/.exec(input[0])?.[1];
    const value = /\bvalue="([^"]*)"/.exec(input[0])?.[1] ?? '';
    if (name !== undefined) fields[decode(name)] = decode(value);
  }
  return { action: decode(form[1]!), fields };
}
