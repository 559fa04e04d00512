import { discardBody, lazyModule } from '@hma-lab/core';
import type * as HtmlParser from 'node-html-parser';
import type { HTMLElement } from 'node-html-parser';
import type * as ToughCookie from 'tough-cookie';
import type { CookieJar } from 'tough-cookie';

/** Loaded when the first device starts browsing: `hma-lab up` alone never needs them. */
const htmlParser = lazyModule<typeof HtmlParser>(import.meta.url, 'node-html-parser');
const toughCookie = lazyModule<typeof ToughCookie>(import.meta.url, 'tough-cookie');

/**
 * The part of the device that behaves like the in-app browser (the system web
 * view MSAL opens): it keeps cookies, follows redirects one hop at a time, reads
 * HTML pages and submits their forms. It stops when a redirect reaches the
 * app's own redirect URI, which a real web view hands back to the app.
 */
export interface BrowserPage {
  url: string;
  status: number;
  html: string;
  forms: BrowserForm[];
  /** Text of elements that look like error messages (role=alert, .error...). */
  errors: string[];
  title: string;
}

export interface BrowserForm {
  action: string;
  method: 'GET' | 'POST';
  fields: Record<string, string>;
  /** Names of the visible inputs (text, email, password, tel, number). */
  visible: string[];
}

export type BrowserFetch = (url: string, init?: RequestInit) => Promise<Response>;

export interface Browser {
  /** Navigates (GET) and follows redirects until a page, or the app's redirect URI. */
  open(url: string): Promise<BrowserResult>;
  /** Submits a form (fields merged over its own) and follows redirects. */
  submit(
    page: BrowserPage,
    form: BrowserForm,
    fields?: Record<string, string>,
  ): Promise<BrowserResult>;
  readonly cookies: CookieJar;
}

export type BrowserResult =
  | { kind: 'page'; page: BrowserPage }
  | { kind: 'redirect-uri'; url: string; params: URLSearchParams };

export interface BrowserOptions {
  fetch: BrowserFetch;
  /** Redirects starting with this are handed back to the app instead of followed. */
  redirectUri: string;
  userAgent?: string;
  /** Most hops per navigation (a redirect loop stops here). Default 20. */
  maxHops?: number;
}

export function createBrowser(options: BrowserOptions): Browser {
  const jar = new (toughCookie().CookieJar)(undefined, {
    rejectPublicSuffixes: false,
    allowSpecialUseDomain: true,
  });
  const maxHops = options.maxHops ?? 20;
  const userAgent =
    options.userAgent ??
    'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 PKeyAuth/1.0';

  async function request(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('user-agent', userAgent);
    headers.set('accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8');
    const cookie = await jar.getCookieString(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await options.fetch(url, { ...init, headers, redirect: 'manual' });
    for (const setCookie of response.headers.getSetCookie()) {
      await jar.setCookie(setCookie, url, { ignoreError: true });
    }
    return response;
  }

  async function navigate(url: string, init: RequestInit = {}): Promise<BrowserResult> {
    let current = url;
    let next: RequestInit = init;
    for (let hop = 0; hop <= maxHops; hop++) {
      if (current.startsWith(options.redirectUri)) {
        return { kind: 'redirect-uri', url: current, params: redirectParams(current) };
      }
      const response = await request(current, next);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await discardBody(response);
        current = location.startsWith(options.redirectUri)
          ? location
          : new URL(location, current).href;
        next = {};
        continue;
      }
      const html = await response.text();
      return { kind: 'page', page: readPage(current, response.status, html) };
    }
    throw new Error(`too many redirects (more than ${maxHops}) starting at ${url}`);
  }

  return {
    cookies: jar,
    open: (url) => navigate(url),
    submit(page, form, fields = {}) {
      const values = { ...form.fields, ...fields };
      const action = new URL(form.action || page.url, page.url).href;
      if (form.method === 'GET') {
        const target = new URL(action);
        for (const [k, v] of Object.entries(values)) target.searchParams.set(k, v);
        return navigate(target.href);
      }
      return navigate(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(values).toString(),
      });
    },
  };
}

function redirectParams(url: string): URLSearchParams {
  const queryStart = url.indexOf('?');
  const hashStart = url.indexOf('#');
  const params = new URLSearchParams(
    queryStart >= 0
      ? url.slice(queryStart + 1, hashStart > queryStart ? hashStart : undefined)
      : '',
  );
  if (hashStart >= 0)
    for (const [k, v] of new URLSearchParams(url.slice(hashStart + 1))) params.set(k, v);
  return params;
}

const VISIBLE = new Set(['text', 'email', 'password', 'tel', 'number', '']);

/** Reads a page the way the device needs it: its forms and its error messages. */
export function readPage(url: string, status: number, html: string): BrowserPage {
  const root = htmlParser().parse(html);
  const forms = root.querySelectorAll('form').map((form) => readForm(form));
  const errors = root
    .querySelectorAll('[role=alert], .error, .alert-error, #error, #errorText, .errorText')
    .map((e) => e.text.trim().replace(/\s+/g, ' '))
    .filter((t) => t.length > 0);
  return {
    url,
    status,
    html,
    forms,
    errors,
    title: root.querySelector('title')?.text.trim() ?? '',
  };
}

function readForm(form: HTMLElement): BrowserForm {
  const fields: Record<string, string> = {};
  const visible: string[] = [];
  for (const input of form.querySelectorAll('input, textarea, select')) {
    const name = input.getAttribute('name');
    if (!name) continue;
    const type = (input.getAttribute('type') ?? '').toLowerCase();
    if (type === 'submit' || type === 'button' || type === 'image' || type === 'reset') continue;
    if ((type === 'checkbox' || type === 'radio') && input.getAttribute('checked') === undefined)
      continue;
    fields[name] = input.tagName === 'TEXTAREA' ? input.text : (input.getAttribute('value') ?? '');
    if (VISIBLE.has(type) && input.tagName === 'INPUT') visible.push(name);
  }
  return {
    action: form.getAttribute('action') ?? '',
    method: (form.getAttribute('method') ?? 'GET').toUpperCase() === 'POST' ? 'POST' : 'GET',
    fields,
    visible,
  };
}
