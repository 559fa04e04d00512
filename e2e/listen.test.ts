import { IncomingMessage, ServerResponse, type RequestListener } from 'node:http';
import express from 'express';
import { countedSocketServers } from '@hma-lab/core';
import { listen } from '@hma-lab/lab';

describe('listen', () => {
  it("hands an express app requests and responses born with the app's own prototypes", async () => {
    const app = express();
    app.post('/echo', (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => res.json({ body, path: req.path }));
    });
    const seen: boolean[] = [];
    // The app, watched: what reaches it before express sets any prototype.
    const watched = Object.assign(
      ((req, res) => {
        seen.push(
          Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response,
        );
        app(req, res);
      }) as RequestListener,
      { request: app.request, response: app.response },
    );
    const listener = await listen(watched);
    try {
      const answer = await fetch(`${listener.url}/echo`, { method: 'POST', body: 'hello' });
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({ body: 'hello', path: '/echo' });
      expect(seen).toEqual([true]);
    } finally {
      await listener.close();
    }
  });

  it("serves any other listener with Node's own request and response classes", async () => {
    const seen: boolean[] = [];
    const listener = await listen((req, res) => {
      seen.push(
        Object.getPrototypeOf(req) === IncomingMessage.prototype &&
          Object.getPrototypeOf(res) === ServerResponse.prototype,
      );
      res.end('plain');
    });
    try {
      const answer = await fetch(listener.url);
      expect(await answer.text()).toBe('plain');
      expect(seen).toEqual([true]);
    } finally {
      await listener.close();
    }
  });

  it('counts itself as a socket server while it listens (where signatures are made: core signJwtAsync)', async () => {
    const before = countedSocketServers();
    const listener = await listen((_req, res) => res.end());
    try {
      expect(countedSocketServers()).toBe(before + 1);
    } finally {
      await listener.close();
    }
    expect(countedSocketServers()).toBe(before);
  });
});
