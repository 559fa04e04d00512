import { jest } from '@jest/globals';
import express from 'express';
import request from 'supertest';
import { LabError, jsonApiErrorHandler } from '@hma-lab/core';

/** An API as the admin API and the trainer UI build theirs, with the shared error middleware. */
function api() {
  const app = express();
  app.use(express.json({ limit: '1kb' }));
  app.post('/echo', (req, res) => {
    res.json(req.body);
  });
  app.get('/conflict', () => {
    throw new LabError(409, 'busy', 'the clock is already advancing');
  });
  app.get('/not-here', () => {
    throw new LabError(501, 'not_supported', 'this lab cannot do that');
  });
  app.get('/bug', () => {
    throw new TypeError('x is undefined');
  });
  app.get('/half', (_req, res) => {
    res.write('{"partial":');
    throw new TypeError('failed while writing');
  });
  app.get('/users/:upn', (req, res) => {
    res.json({ upn: req.params.upn });
  });
  app.use(jsonApiErrorHandler({ name: 'test API', bodyLimit: '1kb' }));
  return app;
}

describe('the error middleware of the lab JSON APIs', () => {
  it('answers a LabError with its own status, code and message, 4xx and 5xx alike, and does not log it', async () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const conflict = await request(api()).get('/conflict');
      expect([conflict.status, conflict.body]).toEqual([
        409,
        { error: { code: 'busy', message: 'the clock is already advancing' } },
      ]);
      const notHere = await request(api()).get('/not-here');
      expect([notHere.status, notHere.body]).toEqual([
        501,
        { error: { code: 'not_supported', message: 'this lab cannot do that' } },
      ]);
      expect(log).not.toHaveBeenCalled();
    } finally {
      log.mockRestore();
    }
  });

  it("answers express's own errors with their 4xx in the API's shape", async () => {
    const notJson = await request(api())
      .post('/echo')
      .set('content-type', 'application/json')
      .send('{"a":');
    expect([notJson.status, notJson.body]).toEqual([
      400,
      { error: { code: 'invalid_request', message: 'the request body is not valid JSON' } },
    ]);
    for (const json of ['null', '"x"', '42']) {
      const notObject = await request(api())
        .post('/echo')
        .set('content-type', 'application/json')
        .send(json);
      expect([json, notObject.status, notObject.body]).toEqual([
        json,
        400,
        { error: { code: 'invalid_request', message: 'the request body must be a JSON object' } },
      ]);
    }
    const tooLarge = await request(api())
      .post('/echo')
      .send({ a: 'x'.repeat(2000) });
    expect([tooLarge.status, tooLarge.body]).toEqual([
      413,
      {
        error: {
          code: 'payload_too_large',
          message: 'the request body is larger than the test API takes (1kb)',
        },
      },
    ]);
    const undecodable = await request(api()).get('/users/%E0%A4%A');
    expect(undecodable.status).toBe(400);
    expect(undecodable.body.error.code).toBe('invalid_request');
    expect((await request(api()).post('/echo').send({ a: 1 })).body).toEqual({ a: 1 });
  });

  it('answers anything else with a plain 500 and logs it with its cause; a started answer is ended', async () => {
    const log = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const bug = await request(api()).get('/bug');
      expect([bug.status, bug.body]).toEqual([
        500,
        {
          error: {
            code: 'server_error',
            message: 'the test API failed to do that; see the lab log',
          },
        },
      ]);
      expect(bug.text).not.toContain('x is undefined');
      expect(log).toHaveBeenCalledWith('[test API] GET /bug failed', expect.any(TypeError));
      const half = await request(api()).get('/half');
      expect(half.status).toBe(200);
      expect(half.text).toBe('{"partial":');
    } finally {
      log.mockRestore();
    }
  });
});
