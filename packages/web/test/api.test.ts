import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { FAULT_CATALOGUE, builtInScenarioNames, faultDefinition } from '@hma-lab/core';
import type { Lab } from '@hma-lab/lab';
import { createTrainerUi, type TrainerLab } from '@hma-lab/web';
import { quietLab } from './helpers.js';

const API = '/_ui/api';

describe('the trainer API', () => {
  let lab: Lab;
  let app: express.Express;

  beforeEach(async () => {
    lab = await quietLab();
    app = createTrainerUi({ lab: () => lab });
  });
  afterEach(() => lab.close());

  it('accepts a real Lab as its TrainerLab', () => {
    const asTrainerLab: TrainerLab = lab;
    expect(asTrainerLab.scenario.name).toBe('contoso');
  });

  describe('the page', () => {
    it('serves index.html at / with a same-origin-only content security policy', async () => {
      const res = await request(app).get('/');
      expect(res.status).toBe(200);
      expect(res.type).toBe('text/html');
      expect(res.text).toContain('<script type="module" src="app.js">');
      expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    });

    it('serves its scripts as JavaScript, with nothing loaded from elsewhere', async () => {
      for (const file of [
        'app.js',
        'api.js',
        'diagram.js',
        'details.js',
        'tokens.js',
        'faults.js',
        'dom.js',
        'types.js',
      ]) {
        const res = await request(app).get(`/${file}`);
        expect(res.status).toBe(200);
        expect(res.type).toBe('text/javascript');
        expect(res.text).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
      }
      const css = await request(app).get('/style.css');
      expect(css.type).toBe('text/css');
      expect(css.text).not.toMatch(/url\(|@import/);
    });

    it('serves nothing but the page’s own files', async () => {
      expect((await request(app).get('/tsconfig.json')).status).toBe(404);
      expect((await request(app).get('/../package.json')).status).toBe(404);
      expect((await request(app).get('/nothing.js')).status).toBe(404);
    });

    it('redirects a mount point without its trailing slash, so relative URLs work', async () => {
      const outer = express();
      outer.use('/ui', app);
      const res = await request(outer).get('/ui?x=1');
      expect(res.status).toBe(301);
      expect(res.headers.location).toBe('/ui/?x=1');
      expect((await request(outer).get('/ui/')).text).toContain('hma-lab');
      expect((await request(outer).get('/ui/_ui/api/state')).body.scenario.name).toBe('contoso');
    });
  });

  describe('GET /state', () => {
    it('describes the scenario, its users, the fault catalogue, flows and lanes', async () => {
      const { body } = await request(app).get(`${API}/state`).expect(200);
      expect(body.scenario.name).toBe('contoso');
      expect(body.scenarios.map((s: { name: string }) => s.name)).toEqual(
        expect.arrayContaining([
          'contoso',
          'managed-phs',
          'pta',
          'mfa-off',
          'ca-block',
          'hma-off',
          'basic-auth-blocked',
          'exchange-2010',
          'ssl-offload',
        ]),
      );
      expect(body.canSwitchScenario).toBe(false);
      expect(body.users).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            upn: 'alice@contoso.com',
            mailbox: 'onprem',
            authentication: 'federated',
            mfa: true,
            flow: 'A',
          }),
          expect.objectContaining({ upn: 'bob@contoso.com', mailbox: 'exo', flow: 'B' }),
          expect.objectContaining({ upn: 'dave@fabrikam.com', authentication: 'phs' }),
        ]),
      );
      expect(body.faults.catalogue).toHaveLength(FAULT_CATALOGUE.length);
      expect(body.faults.active).toEqual([]);
      expect(body.flows.A.title).toMatch(/Hybrid Modern Authentication/);
      expect(body.flows.A.explanations['17']).toMatch(/on-behalf-of/);
      expect(body.lanes.map((l: { party: string }) => l.party)).toEqual(
        expect.arrayContaining([
          'device',
          'autodetect',
          'exo',
          'entra',
          'wap',
          'adfs',
          'onprem-autodiscover',
          'onprem-eas',
        ]),
      );
      expect(body.clock.nowMs).toBe(lab.clock.now());
    });
  });

  describe('POST /runs', () => {
    it('runs flow A and answers the labelled view', async () => {
      const { body } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com' })
        .expect(200);
      expect(body.run).toMatchObject({
        user: 'alice@contoso.com',
        flow: 'A',
        status: 'ok',
        path: 'hma',
      });
      expect(body.steps).toHaveLength(20);
      const list = await request(app).get(`${API}/runs`).expect(200);
      expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([body.run.runId]);
      const again = await request(app).get(`${API}/runs/${body.run.runId}/view`).expect(200);
      expect(again.body.steps).toEqual(body.steps);
    });

    it.each([
      [{}, 400, 'invalid_request'],
      [{ user: 'nobody@contoso.com' }, 400, 'unknown_user'],
      [{ user: 'alice@contoso.com', path: 'smtp' }, 400, 'invalid_request'],
      [{ user: 'alice@contoso.com', freshAutodetect: 'yes' }, 400, 'invalid_request'],
    ])('refuses %j with %d %s', async (payload, status, code) => {
      const res = await request(app).post(`${API}/runs`).send(payload);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
      expect((await request(app).get(`${API}/runs`)).body.runs).toEqual([]);
    });

    it('refuses a form post (another site cannot drive the lab) and broken JSON', async () => {
      const form = await request(app)
        .post(`${API}/runs`)
        .type('form')
        .send('user=alice@contoso.com');
      expect(form.status).toBe(415);
      expect(form.body.error.code).toBe('unsupported_media_type');
      const broken = await request(app)
        .post(`${API}/runs`)
        .set('content-type', 'application/json')
        .send('{"user":');
      expect(broken.status).toBe(400);
      expect(broken.body.error).toEqual({
        code: 'invalid_request',
        message: 'the request body is not valid JSON',
      });
    });

    it('refuses a second run while one is running', async () => {
      // Entra held 50 ms per answer, so the first run is still going when the
      // second is asked for: an in-process flow makes its signatures on the
      // event loop and could otherwise end before the second request is read.
      await request(app).put(`${API}/faults/entra-slow`).send({ delayMs: 50 }).expect(200);
      const [a, b] = await Promise.all([
        request(app).post(`${API}/runs`).send({ user: 'alice@contoso.com' }),
        request(app).post(`${API}/runs`).send({ user: 'carol@contoso.com' }),
      ]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      expect([a, b].find((r) => r.status === 409)!.body.error.code).toBe('busy');
      await request(app).delete(`${API}/faults/entra-slow`).expect(200);
    });

    it('runs flow C on the basic path', async () => {
      await lab.close();
      lab = await quietLab('basic-auth');
      const { body } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com', path: 'basic' })
        .expect(200);
      expect(body.run.flow).toBe('C');
    });
  });

  describe('faults and reruns', () => {
    it('switches a catalogue fault on, shows where the rerun stops, and off again', async () => {
      await request(app).post(`${API}/runs`).send({ user: 'alice@contoso.com' }).expect(200);
      const on = await request(app)
        .put(`${API}/faults/missing-authorization-uri`)
        .send({})
        .expect(200);
      expect(on.body.active).toEqual([{ name: 'missing-authorization-uri', params: {} }]);
      const { body } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com' })
        .expect(200);
      expect(body.run.status).toBe('failed');
      expect(body.run.faults).toEqual(['missing-authorization-uri']);
      expect(body.run.stoppedAt).toMatchObject({
        step: faultDefinition('missing-authorization-uri')!.step,
        cause: 'fault',
        fault: 'missing-authorization-uri',
      });
      expect(body.steps).not.toContain(7);
      const five = body.segments[0].rows.find((r: { step: number }) => r.step === 5);
      expect(five.label).toMatch(/no authorization_uri/);
      const off = await request(app).delete(`${API}/faults/missing-authorization-uri`).expect(200);
      expect(off.body.active).toEqual([]);
    });

    it('keeps AutoDetect’s cached answer when asked to, so the fault is not reached', async () => {
      await request(app).post(`${API}/runs`).send({ user: 'alice@contoso.com' }).expect(200);
      await request(app).put(`${API}/faults/missing-authorization-uri`).send({}).expect(200);
      const { body } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com', freshAutodetect: false })
        .expect(200);
      expect(body.run.status).toBe('ok');
      expect(body.steps).not.toContain(5);
    });

    it('refuses faults the catalogue does not have, and parameters that are not an object', async () => {
      const unknown = await request(app).put(`${API}/faults/gremlins`).send({});
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('unknown_fault');
      expect((await request(app).delete(`${API}/faults/gremlins`)).status).toBe(404);
      const bad = await request(app).put(`${API}/faults/entra-slow`).send([1, 2]);
      expect(bad.status).toBe(400);
      expect(lab.faults.active()).toEqual([]);
    });

    it('refuses fault parameters of the wrong kind with 400, leaving the fault off', async () => {
      for (const params of [{ after: 'bogus' }, { after: -1 }]) {
        const res = await request(app).put(`${API}/faults/signing-key-rotation`).send(params);
        expect(res.status).toBe(400);
        expect(res.body.error.message).toMatch(/after must be a duration/);
      }
      expect(lab.faults.active()).toEqual([]);
    });
  });

  describe('POST /clock/advance', () => {
    it('moves the lab clock and records the advance as a segment of the run’s view', async () => {
      const { body: run } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com' })
        .expect(200);
      const before = lab.clock.now();
      const { body } = await request(app)
        .post(`${API}/clock/advance`)
        .send({ by: '2h' })
        .expect(200);
      expect(body.clock.nowMs).toBe(before + 7_200_000);
      expect(body.advance).toMatchObject({ by: '2h', fromMs: before });
      expect(body.fired).toBeGreaterThan(0);
      const view = await request(app).get(`${API}/runs/${run.run.runId}/view`).expect(200);
      const segment = view.body.segments[1];
      expect(segment).toMatchObject({ kind: 'advance', title: 'clock +2h' });
      const rows = segment.rows.flatMap((r: { children?: unknown[] }) => [
        r,
        ...(r.children ?? []),
      ]);
      expect(rows).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            step: 19,
            from: 'exo',
            to: 'entra',
            label: expect.stringMatching(/refresh_token/),
          }),
        ]),
      );
    });

    it.each([[{}], [{ by: 'soon' }], [{ by: '-1h' }], [{ by: '2y' }], [{ by: '400d' }]])(
      'refuses %j',
      async (payload) => {
        const before = lab.clock.now();
        const res = await request(app).post(`${API}/clock/advance`).send(payload);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_request');
        expect(lab.clock.now()).toBe(before);
      },
    );
  });

  describe('GET /entries/:id', () => {
    it('gives the whole exchange with its steps, explanations and the headers that matter', async () => {
      const { body: run } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com' })
        .expect(200);
      const row = run.segments[0].rows.find((r: { step: number }) => r.step === 5);
      const { body } = await request(app).get(`${API}/entries/${row.entryId}?flow=A`).expect(200);
      expect(body.entry.url).toBe('https://mail.contoso.com/Microsoft-Server-ActiveSync');
      expect(body.entry.status).toBe(401);
      expect(body.legs.map((l: { step: number }) => l.step)).toEqual([5, 5]);
      expect(body.legs[0].explanation).toMatch(/authorization_uri/);
      expect(body.important.response).toContain('www-authenticate');
    });

    it('answers 404 for an unknown entry and 400 for an unknown flow', async () => {
      expect((await request(app).get(`${API}/entries/999999`)).body.error.code).toBe(
        'unknown_entry',
      );
      expect((await request(app).get(`${API}/entries/abc`)).status).toBe(404);
      expect((await request(app).get(`${API}/entries/1?flow=Z`)).status).toBe(400);
    });
  });

  describe('exports', () => {
    let runId: string;
    beforeEach(async () => {
      runId = (await request(app).post(`${API}/runs`).send({ user: 'alice@contoso.com' })).body.run
        .runId;
    });

    it('exports the run as HAR with the lab’s step numbers', async () => {
      const res = await request(app).get(`${API}/runs/${runId}/export?format=har`).expect(200);
      expect(res.headers['content-disposition']).toMatch(
        /^attachment; filename="?hma-lab-contoso-flow-A-alice_contoso\.com-[0-9a-f]{8}\.har"?$/,
      );
      const har = JSON.parse(res.text);
      expect(har.log.version).toBe('1.2');
      const steps: number[] = har.log.entries.flatMap(
        (e: { _hmaLab: { steps: number[] } }) => e._hmaLab.steps,
      );
      // Steps 12 and 18 happen inside Entra and Exchange Online: no HTTP exchange of their own.
      expect([...new Set(steps)].sort((a, b) => a - b)).toEqual(
        [...Array(20).keys()].map((i) => i + 1).filter((n) => n !== 12 && n !== 18),
      );
    });

    it('exports Mermaid text and JSON', async () => {
      const mermaid = await request(app)
        .get(`${API}/runs/${runId}/export?format=mermaid`)
        .expect(200);
      expect(mermaid.text).toMatch(/^sequenceDiagram\n/);
      expect(mermaid.text).toContain('participant onprem_eas as On-prem ActiveSync');
      expect(mermaid.text).toMatch(/exo->>entra: 17\. POST login\.microsoftonline\.com/);
      const json = await request(app).get(`${API}/runs/${runId}/export?format=json`).expect(200);
      const body = JSON.parse(json.text);
      expect(body.run.runId).toBe(runId);
      expect(body.entries.length).toBeGreaterThan(20);
      expect(new Set(body.steps.map((s: { step: number }) => s.step)).size).toBe(20);
    });

    it('refuses an unknown format or run', async () => {
      expect((await request(app).get(`${API}/runs/${runId}/export?format=pdf`)).status).toBe(400);
      expect((await request(app).get(`${API}/runs/nope/export?format=har`)).status).toBe(404);
      expect((await request(app).get(`${API}/runs/nope/view`)).body.error.code).toBe('unknown_run');
    });
  });

  it('answers unknown API paths with a JSON 404', async () => {
    const res = await request(app).get(`${API}/nothing`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('scenario switching', () => {
  it('is refused when the lab offers no switcher', async () => {
    const lab = await quietLab();
    const app = createTrainerUi({ lab: () => lab });
    const res = await request(app).post(`${API}/scenario`).send({ name: 'managed-phs' });
    expect(res.status).toBe(501);
    expect(res.body.error.code).toBe('not_supported');
    expect(lab.scenario.name).toBe('contoso');
    await lab.close();
  });

  it('replaces the lab, forgets the old lab’s runs, and refuses unknown scenarios', async () => {
    let lab = await quietLab();
    const app = createTrainerUi({
      lab: () => lab,
      switchScenario: async (name) => {
        const next = await quietLab(name);
        await lab.close();
        lab = next;
        return next;
      },
    });
    await request(app).post(`${API}/runs`).send({ user: 'alice@contoso.com' }).expect(200);
    const unknown = await request(app).post(`${API}/scenario`).send({ name: 'atlantis' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_scenario');
    const { body } = await request(app)
      .post(`${API}/scenario`)
      .send({ name: 'managed-phs' })
      .expect(200);
    expect(body.scenario.name).toBe('managed-phs');
    expect(body.canSwitchScenario).toBe(true);
    expect(body.runs).toEqual([]);
    // A new lab, numbered anew: what the page compares before it forgets a run.
    expect(body.labSerial).toBe(2);
    // In managed-phs, contoso.com is no longer federated: steps 8-11 disappear.
    const run = await request(app)
      .post(`${API}/runs`)
      .send({ user: 'alice@contoso.com' })
      .expect(200);
    expect(run.body.steps).not.toContain(9);
    await lab.close();
  });
});

describe('every built-in scenario', () => {
  it.each(builtInScenarioNames())(
    '%s: alice’s run is drawn, and a stop is placed on a step it reached',
    async (name) => {
      const lab = await quietLab(name);
      const app = createTrainerUi({ lab: () => lab });
      const path = name === 'basic-auth' ? 'basic' : 'hma';
      const { body } = await request(app)
        .post(`${API}/runs`)
        .send({ user: 'alice@contoso.com', path })
        .expect(200);
      expect(body.run.flow).toBe(path === 'basic' ? 'C' : 'A');
      expect(body.steps[0]).toBe(1);
      expect(body.segments[0].rows.length).toBeGreaterThan(0);
      if (body.run.status === 'failed') {
        expect(body.steps).toContain(body.run.stoppedAt.step);
      } else {
        expect(body.run.status).toBe('ok');
        expect(body.run.stoppedAt).toBeUndefined();
      }
      await lab.close();
    },
  );
});

describe('two UIs in one process', () => {
  it('keep their labs apart', async () => {
    const [a, b] = [await quietLab(), await quietLab()];
    const [uiA, uiB] = [createTrainerUi({ lab: () => a }), createTrainerUi({ lab: () => b })];
    await request(uiA).post(`${API}/runs`).send({ user: 'alice@contoso.com' }).expect(200);
    expect((await request(uiA).get(`${API}/runs`)).body.runs).toHaveLength(1);
    expect((await request(uiB).get(`${API}/runs`)).body.runs).toHaveLength(0);
    expect(b.trace.entries()).toEqual([]);
    await Promise.all([a.close(), b.close()]);
  });
});

describe('GET /events', () => {
  it("names the new lab's serial in every lab event of a switch, as the state does", async () => {
    let lab = await quietLab();
    const server = createTrainerUi({
      lab: () => lab,
      heartbeatMs: 100_000,
      switchScenario: async (name) => {
        const next = await quietLab(name);
        await lab.close();
        lab = next;
        return next;
      },
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    const base = `http://127.0.0.1:${port}${API}`;
    const before = (await (await fetch(`${base}/state`)).json()) as { labSerial: number };
    let received = '';
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${base}/events`, resolve).on('error', reject);
    });
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (received += chunk));
    const switched = (await (
      await fetch(`${base}/scenario`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'managed-phs' }),
      })
    ).json()) as { labSerial: number };
    await new Promise((resolve) => setImmediate(resolve));
    const labEvents = received
      .split('\n\n')
      .filter((block) => block.startsWith('event: lab'))
      .map((block) => JSON.parse(block.split('\n')[1]!.slice(6)) as { serial: number });
    expect(switched.labSerial).toBe(before.labSerial + 1);
    expect(labEvents.length).toBeGreaterThan(0);
    expect(labEvents.map((e) => e.serial)).toEqual(labEvents.map(() => switched.labSerial));
    stream.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await lab.close();
  });

  it('streams the run and its trace entries live, as Server-Sent Events', async () => {
    const lab = await quietLab();
    const server = createTrainerUi({ lab: () => lab, heartbeatMs: 100_000 }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    let received = '';
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}${API}/events`, resolve).on('error', reject);
    });
    expect(stream.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (received += chunk));
    const res = await fetch(`http://127.0.0.1:${port}${API}/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user: 'alice@contoso.com' }),
    });
    const { run } = (await res.json()) as { run: { runId: string } };
    // The last event is written before the run's answer; give the socket a turn to deliver it.
    await new Promise((resolve) => setImmediate(resolve));
    const events = received
      .split('\n\n')
      .filter((block) => block.startsWith('event: '))
      .map((block) => {
        const [head, data] = block.split('\n');
        return { event: head!.slice(7), data: JSON.parse(data!.slice(6)) };
      });
    const runEvents = events.filter((e) => e.event === 'run').map((e) => e.data.status);
    expect(runEvents[0]).toBe('running');
    const entries = events.filter((e) => e.event === 'entry' && e.data.runId === run.runId);
    expect(entries.length).toBe(lab.trace.entries({ runId: run.runId }).length);
    expect(entries[0]!.data).toEqual(
      expect.objectContaining({ kind: 'exchange', from: 'autodetect', to: 'exo' }),
    );
    stream.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await lab.close();
  });
});
