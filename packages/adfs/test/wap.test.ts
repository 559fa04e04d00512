import { createServiceApp, createTestContext, type TestContext } from '@hma-lab/core';
import { DOMParser } from '@xmldom/xmldom';
import { createServer } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { SignedXml } from 'xml-crypto';
import { createAdfs, createWap } from '@hma-lab/adfs';
import { TestBrowser } from './browser.js';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A stand-in AD FS that records what reached it and answers like a sign-in POST. */
function fakeAdfs(ctx: TestContext): Seen[] {
  const seen: Seen[] = [];
  const app = createServiceApp('adfs', ctx.depsFor('adfs'));
  const answer = (req: Request, res: Response): void => {
    seen.push({
      method: req.method,
      url: req.originalUrl,
      headers: req.headers,
      body: req.rawBody?.toString('utf8') ?? '',
    });
    res.append('set-cookie', 'MSISAuth=one; path=/adfs; secure; HttpOnly');
    res.append('set-cookie', 'MSISAuthenticated=two; path=/adfs; secure; HttpOnly');
    res.set('cache-control', 'no-cache, no-store');
    res.set('x-internal-only', 'secret');
    if (req.path === '/adfs/elsewhere') {
      res.redirect(302, 'https://login.microsoftonline.com/login.srf');
      return;
    }
    res.redirect(302, 'https://adfs.contoso.local/adfs/ls/?wa=wsignin1.0&x=1');
  };
  app.use(answer);
  // This stand-in records bodies its body reader could not parse, too.
  app.use((_error: unknown, req: Request, res: Response, _next: NextFunction) => answer(req, res));
  ctx.mount('adfs', app);
  return seen;
}

/**
 * Sends `requestLine` to `app` on a loopback socket exactly as written (fetch
 * and supertest would normalise the target first) and returns the status.
 */
async function rawStatus(
  app: ReturnType<typeof createWap>['app'],
  requestLine: string,
): Promise<number> {
  const server = createServer(app).listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  try {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    socket.end(`${requestLine}\r\nHost: sts.contoso.com\r\nConnection: close\r\n\r\n`);
    let answer = '';
    for await (const chunk of socket) answer += String(chunk);
    return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
  } finally {
    server.close();
  }
}

describe('Web Application Proxy', () => {
  it('forwards method, path, query, body and the headers that matter, adding the proxy headers', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    ctx.mount('wap', createWap(ctx.depsFor('wap'), { proxyName: 'EDGE-WAP-7' }).app);
    const response = await ctx.fetchFor('device')(
      'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&wctx=a%26b%3Dc',
      {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          cookie: 'MSISLoopDetectionCookie=xyz',
          'user-agent': 'Outlook-iOS/2.0',
          'accept-language': 'de-DE',
          accept: 'text/html',
          authorization: 'Bearer should-not-cross',
          'x-custom': 'nope',
        },
        body: 'UserName=alice%40contoso.com&Password=x&AuthMethod=FormsAuthentication',
      },
    );
    expect(response.status).toBe(302);
    expect(seen).toHaveLength(1);
    const request = seen[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/adfs/ls/?wa=wsignin1.0&wctx=a%26b%3Dc');
    expect(request.body).toBe(
      'UserName=alice%40contoso.com&Password=x&AuthMethod=FormsAuthentication',
    );
    expect(request.headers).toMatchObject({
      'content-type': 'application/x-www-form-urlencoded',
      cookie: 'MSISLoopDetectionCookie=xyz',
      'user-agent': 'Outlook-iOS/2.0',
      'accept-language': 'de-DE',
      accept: 'text/html',
      'x-ms-proxy': 'EDGE-WAP-7',
      'x-ms-forwarded-client-ip': '127.0.0.1',
      'x-ms-endpoint-absolute-path': '/adfs/ls/',
      'x-hma-lab-host': 'adfs.contoso.local',
      'x-hma-lab-from': 'wap',
    });
    expect(request.headers.authorization).toBeUndefined();
    expect(request.headers['x-custom']).toBeUndefined();

    // The answer: every cookie, the cache policy, Location on the public host, nothing internal.
    expect(response.headers.getSetCookie()).toEqual([
      'MSISAuth=one; path=/adfs; secure; HttpOnly',
      'MSISAuthenticated=two; path=/adfs; secure; HttpOnly',
    ]);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-store');
    expect(response.headers.get('location')).toBe(
      'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&x=1',
    );
    expect(response.headers.get('x-internal-only')).toBeNull();
  });

  it('leaves a Location to another host as it is', async () => {
    const ctx = createTestContext();
    fakeAdfs(ctx);
    ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
    const response = await ctx.fetchFor('device')('https://sts.contoso.com/adfs/elsewhere', {
      redirect: 'manual',
    });
    expect(response.headers.get('location')).toBe('https://login.microsoftonline.com/login.srf');
  });

  it('forwards a body it cannot parse byte for byte', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
    const response = await ctx.fetchFor('device')('https://sts.contoso.com/adfs/oauth2/token', {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/json' },
      body: '{"broken":',
    });
    expect(response.status).toBe(302);
    expect(seen[0]!.body).toBe('{"broken":');
  });

  it('publishes only AD FS: anything else is a 404 that never reaches AD FS', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
    const fetch = ctx.fetchFor('device');
    for (const path of [
      '/',
      '/Microsoft-Server-ActiveSync',
      '/autodiscover/autodiscover.json?Email=alice%40contoso.com&Protocol=ActiveSync',
      '/owa/',
      '/adfsx/ls/',
    ]) {
      const response = await fetch(`https://sts.contoso.com${path}`, { redirect: 'manual' });
      expect(response.status).toBe(404);
      expect(await response.text()).toContain(
        'HTTP Error 404. The requested resource is not found.',
      );
    }
    expect(seen).toEqual([]);
    expect((await fetch('https://sts.contoso.com/ADFS/ls/', { redirect: 'manual' })).status).toBe(
      302,
    );
  });

  it('forwards an absolute-form request target (as sent to a proxy) by its path and query', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    const wap = createWap(ctx.depsFor('wap')).app;
    expect(
      await rawStatus(wap, 'GET https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&x=%2F HTTP/1.1'),
    ).toBe(302);
    expect(seen.map((s) => [s.url, s.headers['x-ms-endpoint-absolute-path']])).toEqual([
      ['/adfs/ls/?wa=wsignin1.0&x=%2F', '/adfs/ls/'],
    ]);
  });

  it('judges the path it forwards: dot segments that leave /adfs/ are a 404 that never reaches AD FS', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    const wap = createWap(ctx.depsFor('wap')).app;
    for (const target of ['/adfs/../owa/', '/adfs/%2e%2e/owa/', '/adfs/ls/../../admin']) {
      expect([target, await rawStatus(wap, `GET ${target} HTTP/1.1`)]).toEqual([target, 404]);
    }
    expect(seen).toEqual([]);
    expect(await rawStatus(wap, 'GET /adfs/x/../ls/ HTTP/1.1')).toBe(302);
    expect(seen.map((s) => s.url)).toEqual(['/adfs/ls/']);
  });

  it('answers TRACE, which it cannot pass on, with 501 and never reaches AD FS', async () => {
    const ctx = createTestContext();
    const seen = fakeAdfs(ctx);
    const wap = createWap(ctx.depsFor('wap')).app;
    const response = await request(wap).trace('/adfs/ls/').set('host', 'sts.contoso.com');
    expect(response.status).toBe(501);
    expect(response.text).toContain('HTTP Error 501. The request method is not supported.');
    expect(seen).toEqual([]);
    expect(ctx.log.entries.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('answers a clean 503 page when AD FS is down, and records the failed hop', async () => {
    const ctx = createTestContext();
    ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
    const response = await ctx.fetchFor('device')(
      'https://sts.contoso.com/adfs/ls/?wa=wsignin1.0&wtrealm=urn%3afederation%3aMicrosoftOnline',
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await response.text();
    expect(text).toContain('HTTP Error 503. The service is unavailable.');
    expect(text).not.toMatch(/ECONNREFUSED|Error:|\.ts:\d+/);
    const hops = ctx.trace.exchanges().map((e) => `${e.from}->${e.to} ${e.status}`);
    expect(hops).toEqual(['wap->adfs 0', 'device->wap 503']);
    expect(ctx.trace.exchanges()[0]!.error).toMatch(/ECONNREFUSED/);
  });
});

describe('AD FS behind the proxy: metadata and probe', () => {
  function lab(): TestContext {
    const ctx = createTestContext();
    ctx.mount('wap', createWap(ctx.depsFor('wap')).app);
    ctx.mount('adfs', createAdfs(ctx.depsFor('adfs')).app);
    return ctx;
  }

  it('serves signed federation metadata naming the issuer, certificate and passive endpoint', async () => {
    const ctx = lab();
    const page = await new TestBrowser(ctx.fetchFor('device')).get(
      'https://sts.contoso.com/FederationMetadata/2007-06/FederationMetadata.xml',
    );
    expect(page.status).toBe(200);
    expect(page.response.headers.get('content-type')).toMatch(/^text\/xml/);
    const doc = new DOMParser().parseFromString(page.text, 'text/xml');
    const root = doc.documentElement!;
    expect(root.localName).toBe('EntityDescriptor');
    expect(root.getAttribute('entityID')).toBe('http://sts.contoso.com/adfs/services/trust');
    expect(page.text).toContain('<wsa:Address>https://sts.contoso.com/adfs/ls/</wsa:Address>');
    expect(page.text).toContain(
      `<X509Certificate>${ctx.keys.adfs.certificateBase64}</X509Certificate>`,
    );
    const signature = doc.getElementsByTagNameNS(
      'http://www.w3.org/2000/09/xmldsig#',
      'Signature',
    )[0]!;
    const verifier = new SignedXml({ publicCert: ctx.keys.adfs.certificatePem });
    verifier.loadSignature(signature.toString());
    expect(verifier.checkSignature(page.text)).toBe(true);
  });

  it('answers the health probe, and 404 for AD FS paths it does not emulate', async () => {
    const ctx = lab();
    const fetch = ctx.fetchFor('device');
    expect((await fetch('https://sts.contoso.com/adfs/probe')).status).toBe(200);
    const windows = await fetch('https://sts.contoso.com/adfs/services/trust/13/windowstransport');
    expect(windows.status).toBe(404);
    expect(await windows.text()).toContain('HTTP Error 404');
    const oauth = await fetch('https://sts.contoso.com/adfs/oauth2/authorize');
    expect(oauth.status).toBe(404);
  });
});
