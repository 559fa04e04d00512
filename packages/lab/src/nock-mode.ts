import type Nock from 'nock';
import {
  dispatchToApp,
  type HostMap,
  type RequestListener,
  type ServiceParty,
  type Transport,
} from '@hma-lab/core';

/**
 * The nock run mode: the real host names (`login.microsoftonline.com`,
 * `outlook.office365.com`, `mail.contoso.com`...) are intercepted with nock, so
 * code with hard-coded Microsoft URLs runs unchanged inside jest and no socket
 * is opened. Each intercepted request is handed to the party's app in-process.
 *
 * nock hands reply functions the request body as text: UTF-8 when it can be,
 * hex otherwise (binary WBXML), and parsed when it is JSON. The body is
 * rebuilt from that before the app sees it.
 */
export interface NockInterception {
  /**
   * Removes every interceptor this lab added (other tests' nock setups stay);
   * nock itself stays on.
   */
  remove(): void;
}

/** The nock-mode lab open in this process: two would answer for the same host names. */
let openNockLab = false;

/** A second nock-mode lab while one is open in the process. */
export class NockLabOpenError extends Error {
  constructor() {
    super(
      'a nock-mode lab is already open in this process, and nock would route both labs to the first: close it first, or use the in-process mode for the second',
    );
    this.name = 'NockLabOpenError';
  }
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'] as const;

export async function interceptWithNock(
  hosts: HostMap,
  appFor: (party: ServiceParty) => RequestListener | undefined,
): Promise<NockInterception> {
  let nock: typeof Nock;
  try {
    nock = ((await import('nock')) as unknown as { default: typeof Nock }).default;
  } catch {
    throw new Error('the nock run mode needs the nock package (npm i -D nock@14)');
  }
  if (openNockLab) throw new NockLabOpenError();
  openNockLab = true;
  // A suite's nock.restore() (as nock advises after its tests) leaves nock
  // off: the interceptors below would then catch nothing and every request
  // would go to the real network.
  if (!nock.isActive()) nock.activate();
  const interceptors: Nock.Interceptor[] = [];
  for (const { party, hostnames } of hosts.entries()) {
    for (const hostname of hostnames) {
      const scope = nock(`https://${hostname}`).persist();
      for (const method of METHODS) {
        const interceptor = scope.intercept(() => true, method);
        interceptors.push(interceptor);
        interceptor.reply(async function replyFromLab(
          this: Nock.ReplyFnContext,
          path: string,
          body: Nock.Body,
        ) {
          const app = appFor(party);
          if (!app) return [503, `${party} is not running`, { 'content-type': 'text/plain' }];
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(this.req.headers)) {
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
          }
          headers.host = hostname;
          const payload = requestBody(body, headers['content-type']);
          const reply = await dispatchToApp(app, {
            method,
            path,
            headers,
            ...(payload ? { payload } : {}),
          });
          const replyHeaders: Record<string, string | string[]> = {};
          for (const [name, value] of Object.entries(reply.headers)) {
            if (value !== undefined)
              replyHeaders[name] = Array.isArray(value) ? value : String(value);
          }
          return [reply.status, reply.body, replyHeaders];
        });
      }
    }
  }
  return {
    remove() {
      for (const interceptor of interceptors) nock.removeInterceptor(interceptor);
      // Nock stays on, even if this lab turned it on: a flow still running
      // when the lab closes then meets "no match" for the lab's host names
      // instead of reaching the real services on the network.
      openNockLab = false;
    },
  };
}

function requestBody(body: unknown, contentType: string | undefined): Buffer | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  if (typeof body === 'object') return Buffer.from(JSON.stringify(body));
  const text = String(body);
  const binaryType =
    !contentType || /wbxml|octet-stream|application\/vnd\.ms-sync/i.test(contentType);
  if (binaryType && text.length % 2 === 0 && /^[0-9a-f]+$/i.test(text))
    return Buffer.from(text, 'hex');
  return Buffer.from(text, 'utf8');
}

/**
 * In nock mode the parties call each other with the global fetch; nock routes
 * it. A request nock has nothing for (the lab closed while a flow ran) fails
 * as fetch fails when nothing answers, as it does over loopback: nock's own
 * error (`ERR_NOCK_NO_MATCH`) is kept as the cause.
 */
export function createGlobalFetchTransport(): Transport {
  return {
    send: (_party, url, init) =>
      fetch(url, init).catch((error: unknown) => {
        if ((error as { code?: unknown } | null)?.code !== 'ERR_NOCK_NO_MATCH') throw error;
        throw new TypeError('fetch failed', { cause: error });
      }),
  };
}
