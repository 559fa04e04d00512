import { createServer, IncomingMessage, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jest } from '@jest/globals';
import express from 'express';
import {
  appMessageClasses,
  createInProcessTransport,
  createServiceApp,
  createTestContext,
  dispatchToApp,
  headerRecord,
  isLabError,
  protocolErrorHandler,
} from '@hma-lab/core';

const json = (body: Buffer): unknown => JSON.parse(body.toString('utf8'));

describe('dispatchToApp', () => {
  it("hands an express app node's request with its body, and collects status, headers and a body written in pieces", async () => {
    const app = express();
    app.use(express.raw({ type: () => true }));
    app.post('/echo', (req, res) => {
      res.status(201).set('x-seen', `${req.method} ${req.url}`);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.write('{"bytes":');
      res.write(Buffer.from(String((req.body as Buffer).length)));
      res.end(
        `,"type":"${req.get('content-type')}","length":"${req.get('content-length')}","message":${req instanceof IncomingMessage}}`,
      );
    });
    const reply = await dispatchToApp(app, {
      method: 'POST',
      path: '/echo?x=1',
      headers: { host: 'mail.contoso.com', 'content-type': 'application/vnd.ms-sync.wbxml' },
      payload: Buffer.from([3, 1, 106, 0]),
    });
    expect(reply.status).toBe(201);
    expect(reply.statusText).toBe('Created');
    expect(reply.headers['x-seen']).toBe('POST /echo?x=1');
    expect(reply.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    // The length an HTTP client would have sent with the bytes is filled in.
    expect(json(reply.body)).toEqual({
      bytes: 4,
      type: 'application/vnd.ms-sync.wbxml',
      length: '4',
      message: true,
    });
  });

  it('collects what a plain listener writes, and closes the response after it finished', async () => {
    const events: string[] = [];
    const listener: RequestListener = (req, res) => {
      res.on('finish', () => events.push('finish'));
      res.on('close', () => events.push('close'));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('plain ');
      res.end(`${req.headers.host} ${req.socket.remoteAddress}`);
    };
    const reply = await dispatchToApp(listener, {
      method: 'GET',
      path: '/',
      headers: { Host: 'login.microsoftonline.com' },
    });
    expect(reply.body.toString()).toBe('plain login.microsoftonline.com 127.0.0.1');
    expect(reply.headers['content-type']).toBe('text/plain');
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['finish', 'close']);
  });

  it("builds an express app's request and response with the app's own prototypes", async () => {
    const app = express();
    app.get('/', (_req, res) => res.send('ok'));
    // Each prototype express sets, and whether the object had another before.
    const changes: string[] = [];
    const setPrototypeOf = Object.setPrototypeOf;
    const spy = jest.spyOn(Object, 'setPrototypeOf').mockImplementation((target, proto) => {
      if (proto === app.request || proto === app.response) {
        const kind = proto === app.request ? 'request' : 'response';
        changes.push(`${kind} ${Object.getPrototypeOf(target) === proto ? 'kept' : 'changed'}`);
      }
      return setPrototypeOf(target, proto) as unknown;
    });
    try {
      const reply = await dispatchToApp(app, { method: 'GET', path: '/', headers: {} });
      expect(reply.body.toString()).toBe('ok');
    } finally {
      spy.mockRestore();
    }
    expect(changes).toEqual(['request kept', 'response kept']);
    expect(appMessageClasses((_req, res) => res.end())).toBeUndefined();
  });

  it('leaves an app dispatched to able to serve a real socket in the same process', async () => {
    const app = express();
    app.get('/', (_req, res) => res.json({ served: true }));
    const dispatched = await dispatchToApp(app, { method: 'GET', path: '/', headers: {} });
    expect(json(dispatched.body)).toEqual({ served: true });

    const server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const overSocket = await fetch(`http://127.0.0.1:${port}/`);
      expect(await overSocket.json()).toEqual({ served: true });
    } finally {
      server.close();
    }
    // And dispatching still works after the socket served it.
    const again = await dispatchToApp(app, { method: 'GET', path: '/', headers: {} });
    expect(json(again.body)).toEqual({ served: true });
  });

  it('rejects when the listener throws before answering', async () => {
    await expect(
      dispatchToApp(
        () => {
          throw new Error('listener broke');
        },
        { method: 'GET', path: '/', headers: {} },
      ),
    ).rejects.toThrow('listener broke');
  });
});

describe("a service app's body reader in-process", () => {
  const ctx = createTestContext();
  const app = createServiceApp('entra', ctx.depsFor('entra'), { bodyLimitBytes: 64 });
  app.post('/token', (req, res) => {
    res.json({
      body: req.body as unknown,
      raw: req.rawBody?.toString('utf8'),
      // Taken whole from the dispatcher: the request's stream was never run.
      streamRun: req.readableFlowing !== null,
    });
  });
  app.use(
    protocolErrorHandler('entra', ctx.depsFor('entra'), (error, _req, res) => {
      res.status(isLabError(error) ? error.status : 500).json({ error: String(error) });
    }),
  );
  const post = (body: string, headers: Record<string, string> = {}) =>
    dispatchToApp(app, {
      method: 'POST',
      path: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      payload: Buffer.from(body),
    });

  it('takes the whole body as sent, parsed, without running the stream', async () => {
    const reply = await post('grant_type=password&username=a%40b.c');
    expect(reply.status).toBe(200);
    expect(json(reply.body)).toEqual({
      body: { grant_type: 'password', username: 'a@b.c' },
      raw: 'grant_type=password&username=a%40b.c',
      streamRun: false,
    });
  });

  it('refuses a body over the limit as it does from a socket, whatever its declared length', async () => {
    const body = `grant_type=password&padding=${'x'.repeat(80)}`;
    for (const headers of [{}, { 'content-length': '10' }] as Array<Record<string, string>>) {
      const reply = await post(body, headers);
      expect(reply.status).toBe(413);
      expect(reply.body.toString()).toContain('request body exceeds 64 bytes');
    }
  });
});

describe('the in-process transport over dispatchToApp', () => {
  it('fails like fetch when the app drops the connection instead of answering', async () => {
    const transport = createInProcessTransport({
      exo: (_req, res) => {
        res.destroy();
      },
    });
    const failure = transport.send('exo', new URL('https://outlook.office365.com/'), {});
    await expect(failure).rejects.toThrow(TypeError);
    await expect(failure).rejects.toMatchObject({
      message: 'fetch failed',
      cause: { code: 'ECONNRESET' },
    });
  });
});

describe('headerRecord', () => {
  it('holds request headers as fetch would: lower-case names, trimmed values, repeats joined', () => {
    expect(headerRecord({ Authorization: ' Bearer abc\t', 'X-A': '1', 'x-a': '2' })).toEqual({
      authorization: 'Bearer abc',
      'x-a': '1, 2',
    });
    expect(
      headerRecord([
        ['Accept', 'text/html'],
        ['accept', 'application/json'],
      ]),
    ).toEqual({ accept: 'text/html, application/json' });
    expect(headerRecord(new Headers({ 'Content-Type': 'text/plain' }))).toEqual({
      'content-type': 'text/plain',
    });
    expect(headerRecord(undefined)).toEqual({});
    // A record it made (the lab's fetch hands its transport one) comes back as a copy.
    const made = headerRecord({ 'X-One': '1' });
    const again = headerRecord(made);
    expect(again).toEqual({ 'x-one': '1' });
    expect(again).not.toBe(made);
  });

  it.each([
    [{ 'bad name': 'x' }, /invalid header name/],
    [{ 'x-smuggle': 'a\r\nx-injected: 1' }, /invalid header value/],
    [[['only-a-name']] as unknown as Array<[string, string]>, /pair/],
  ])('refuses %j with the TypeError fetch gives', (init, message) => {
    expect(() => headerRecord(init)).toThrow(TypeError);
    expect(() => headerRecord(init)).toThrow(message);
  });

  it("puts Host first in an in-process request, and a caller's own Host wins", async () => {
    const seen: string[][] = [];
    const transport = createInProcessTransport({
      exo: (req, res) => {
        seen.push(req.rawHeaders);
        res.end();
      },
    });
    const url = new URL('https://outlook.office365.com/x');
    await transport.send('exo', url, { headers: { 'X-One': '1' } });
    await transport.send('exo', url, { headers: { 'x-one': '1', Host: 'other.example' } });
    expect(seen).toEqual([
      ['host', 'outlook.office365.com', 'x-one', '1'],
      ['host', 'other.example', 'x-one', '1'],
    ]);
  });
});
