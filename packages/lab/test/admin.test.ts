import { jest } from '@jest/globals';
import type express from 'express';
import request from 'supertest';
import { createAdminApp, createLab, type Lab } from '@hma-lab/lab';

const ADVANCE = '/_lab/clock/advance';

describe('the lab admin API', () => {
  let lab: Lab;
  let app: express.Express;

  beforeEach(async () => {
    lab = await createLab({ mode: 'in-process', log: () => {} });
    app = createAdminApp(lab);
  });
  afterEach(() => lab.close());

  describe('POST /_lab/clock/advance', () => {
    it('moves the clock by a duration within the limit', async () => {
      const before = lab.clock.now();
      const { body } = await request(app).post(ADVANCE).send({ by: '2h' }).expect(200);
      expect(body).toMatchObject({ now: before + 7_200_000, advancedMs: 7_200_000 });
      expect(lab.clock.now()).toBe(before + 7_200_000);
    });

    it.each([
      [1e308],
      ['99999999999999w'],
      ['1000000d'],
      [1e15],
      ['367d'],
      [366 * 86_400_000 + 1],
      [0],
      ['0s'],
    ])('refuses {"by": %j} at once, in its own shape, without moving the clock', async (by) => {
      // Never let a missing limit run the jump itself: that would spin for hours.
      const advance = jest
        .spyOn(lab.clock, 'advance')
        .mockRejectedValue(new Error('advance must not be called'));
      const before = lab.clock.now();
      const started = Date.now();
      const res = await request(app).post(ADVANCE).send({ by });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_duration');
      expect(typeof res.body.error.message).toBe('string');
      expect(advance).not.toHaveBeenCalled();
      expect(lab.clock.now()).toBe(before);
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('accepts the longest advance the trainer UI accepts (366d)', async () => {
      const advance = jest
        .spyOn(lab.clock, 'advance')
        .mockResolvedValue({ fromMs: 0, toMs: 0, fired: [] });
      await request(app).post(ADVANCE).send({ by: '366d' }).expect(200);
      expect(advance).toHaveBeenCalledWith(366 * 86_400_000);
    });

    it('answers a second advance while one is running 409 busy, and the first completes', async () => {
      // A timer that holds the first advance until the second has been answered.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let entered!: () => void;
      const running = new Promise<void>((resolve) => (entered = resolve));
      lab.clock.schedule(
        lab.clock.now() + 60_000,
        async () => {
          entered();
          await held;
        },
        'held',
      );
      const before = lab.clock.now();
      const first = request(app)
        .post(ADVANCE)
        .send({ by: '1h' })
        .then((r) => r);
      await running;
      const second = await request(app).post(ADVANCE).send({ by: '1h' });
      release();
      const answered = await first;
      expect([answered.status, second.status]).toEqual([200, 409]);
      expect(second.body.error).toEqual({ code: 'busy', message: expect.any(String) });
      expect(lab.clock.now()).toBe(before + 3_600_000);
      // Not busy any more.
      await request(app).post(ADVANCE).send({ by: '1h' }).expect(200);
    });
  });

  describe('PUT and DELETE /_lab/faults/:name', () => {
    it('switches a catalogue fault on and off', async () => {
      const on = await request(app).put('/_lab/faults/eas-503').send({}).expect(200);
      expect(on.body.active).toEqual([{ name: 'eas-503', params: {} }]);
      const off = await request(app).delete('/_lab/faults/eas-503').expect(200);
      expect(off.body.active).toEqual([]);
    });

    it('answers a fault the catalogue does not have 404 unknown_fault, and stores nothing', async () => {
      const put = await request(app).put('/_lab/faults/gremlins').send({});
      expect(put.status).toBe(404);
      expect(put.body.error.code).toBe('unknown_fault');
      expect(lab.faults.active()).toEqual([]);
      const del = await request(app).delete('/_lab/faults/gremlins');
      expect(del.status).toBe(404);
      expect(del.body.error.code).toBe('unknown_fault');
    });

    it('answers parameters that are not a JSON object 400, and stores nothing', async () => {
      const res = await request(app).put('/_lab/faults/eas-503').send([1, 2]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
      expect(lab.faults.active()).toEqual([]);
    });

    it('answers fault parameters of the wrong kind 400 with the fault board’s code', async () => {
      const res = await request(app).put('/_lab/faults/entra-slow').send({ delayMs: 'soon' });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_fault_params');
      expect(lab.faults.active()).toEqual([]);
    });

    it('answers parameters nested 10,000 deep 400, stores nothing, and keeps answering', async () => {
      const deep = `{"retryAfterS":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
      const res = await request(app)
        .put('/_lab/faults/eas-503')
        .set('content-type', 'application/json')
        .send(deep);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_fault_params');
      expect(lab.faults.active()).toEqual([]);
      await request(app).get('/_lab/faults').expect(200);
    });

    it('a fault the catalogue does not have is refused at the library as at the API', async () => {
      expect(() => lab.faults.on('ssl-ofload')).toThrow('no fault "ssl-ofload" in the catalogue');
      expect(() => lab.faults.on(42 as never)).toThrow('no fault "42" in the catalogue');
      expect(() => lab.faults.on('eas-503', 'x' as never)).toThrow(
        'eas-503: parameters must be an object of numbers, texts or true/false',
      );
      expect(() => lab.faults.on('eas-503', null as never)).toThrow(/parameters must be an object/);
      await request(app).put('/_lab/faults/ssl-ofload').expect(404);
      expect(lab.faults.active()).toEqual([]);
    });
  });

  describe('errors of express itself', () => {
    it('answers a body over the 64 KB limit 413 in the admin shape', async () => {
      const res = await request(app)
        .put('/_lab/faults/eas-503')
        .set('content-type', 'application/json')
        .send(JSON.stringify({ pad: 'x'.repeat(70_000) }));
      expect(res.status).toBe(413);
      expect(res.body.error).toEqual({ code: 'payload_too_large', message: expect.any(String) });
      expect(lab.faults.active()).toEqual([]);
    });

    it('answers JSON that does not parse 400 invalid_request', async () => {
      const res = await request(app)
        .post(ADVANCE)
        .set('content-type', 'application/json')
        .send('{"by":');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('invalid_request');
    });

    it('answers an unsupported body encoding with its 4xx, not 500', async () => {
      const res = await request(app)
        .post(ADVANCE)
        .set('content-type', 'application/json; charset=koi8-r')
        .send('{"by":"1h"}');
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('unsupported_media_type');
    });
  });
});
