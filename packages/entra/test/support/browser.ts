import { parse, type HTMLElement } from 'node-html-parser';
import type { LabFetch } from '@hma-lab/core';

/**
 * A minimal browser for tests: a cookie jar, manual redirects, and HTML forms
 * read and submitted the way a user agent would (hidden fields included).
 */
export interface Page {
  status: number;
  url: string;
  headers: Headers;
  body: string;
  html: HTMLElement;
  location?: string;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly fetcher: LabFetch) {}

  private cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader();
    if (cookie) headers.set('cookie', cookie);
    const res = await this.fetcher(url, { ...init, headers, redirect: 'manual' });
    this.remember(res.headers);
    const body = await res.text();
    const location = res.headers.get('location') ?? undefined;
    return {
      status: res.status,
      url,
      headers: res.headers,
      body,
      html: parse(body),
      ...(location ? { location } : {}),
    };
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.request(url, { headers });
  }

  post(
    url: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Page> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** The page's form (the one containing `field`, or the first). */
  form(page: Page, field?: string): Form {
    const forms = page.html.querySelectorAll('form');
    const form = field ? forms.find((f) => f.querySelector(`[name="${field}"]`)) : forms[0];
    if (!form) throw new Error(`no form${field ? ` with ${field}` : ''} in page:\n${page.body}`);
    const fields: Record<string, string> = {};
    for (const input of form.querySelectorAll('input')) {
      const name = input.getAttribute('name');
      const type = input.getAttribute('type');
      if (!name || type === 'submit') continue;
      fields[name] = input.getAttribute('value') ?? '';
    }
    return {
      action: new URL(form.getAttribute('action') ?? '', page.url).href,
      method: (form.getAttribute('method') ?? 'get').toUpperCase(),
      fields,
    };
  }

  submit(page: Page, values: Record<string, string>, field?: string): Promise<Page> {
    const form = this.form(page, field ?? Object.keys(values)[0]);
    return this.post(form.action, { ...form.fields, ...values });
  }
}

/** The visible error text of a sign-in page, if any. */
export function pageError(page: Page): string | undefined {
  return page.html.querySelector('.error')?.text.trim();
}

/** The AADSTS code an error page or page message shows. */
export function pageErrorCode(page: Page): string | undefined {
  return page.html.querySelector('[data-error-code]')?.getAttribute('data-error-code') ?? undefined;
}
