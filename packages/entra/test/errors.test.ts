import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { ENTRA_ERRORS, EntraError } from '@hma-lab/entra';
import { createLab } from './support/lab.js';

const SRC = new URL('../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('ENTRA_ERRORS, the table docs/errors.md is written from', () => {
  test('codes are unique and every row is complete', () => {
    const codes = ENTRA_ERRORS.map((r) => r.code);
    expect(new Set(codes).size).toBe(codes.length);
    for (const row of ENTRA_ERRORS) {
      expect(row.error).toMatch(/^[a-z_]+$/);
      expect([400, 401, 413, 500, 503]).toContain(row.status);
      expect(row.when.length).toBeGreaterThan(10);
      expect(row.clientAction.length).toBeGreaterThan(3);
      expect(row.surfaces.length).toBeGreaterThan(0);
    }
  });

  test('every code the source throws is in the table, and every row is thrown somewhere', () => {
    const text = sources(SRC)
      .filter((p) => !p.endsWith('errors.ts'))
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    const thrown = new Set(
      [...text.matchAll(/new EntraError\(\s*(\d+)/g), ...text.matchAll(/code: (\d{5,7}),/g)].map(
        (m) => Number(m[1]),
      ),
    );
    const table = new Set<number>(ENTRA_ERRORS.map((r) => r.code));
    expect([...thrown].filter((c) => !table.has(c))).toEqual([]);
    // Rows reached indirectly: config (501481), CA control table, missingParameter (900144).
    const indirect = new Set([50148, 501481, 53000, 53001, 53002, 900144, 50000, 9002313, 50079]);
    expect([...table].filter((c) => !thrown.has(c) && !indirect.has(c))).toEqual([]);
  });

  test('an EntraError takes its error string and status from the table', () => {
    const error = new EntraError(7000215);
    expect(error.status).toBe(401);
    expect(error.error).toBe('invalid_client');
    expect(
      new EntraError(50076, 'x', { error: 'invalid_grant', suberror: 'basic_action' }).error,
    ).toBe('invalid_grant');
  });
});

describe('error rendering', () => {
  test('unknown paths are a 404 page, bugs never leak a stack trace', async () => {
    const lab = createLab();
    const res = await request(lab.entra.app).get('/nope/nothing');
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/at .*\.ts/);
  });

  test('an oversized body is a 413 in Entra shape', async () => {
    const lab = createLab();
    const res = await request(lab.entra.app)
      .post('/common/oauth2/token')
      .type('form')
      .send(`grant_type=password&x=${'a'.repeat(1_100_000)}`);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_codes).toEqual([9002313]);
  });

  test('a 401 for failed client authentication with Basic carries a Basic challenge', async () => {
    const lab = createLab();
    const res = await request(lab.entra.app)
      .post('/common/oauth2/token')
      .set(
        'authorization',
        `Basic ${Buffer.from('6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b:wrong').toString('base64')}`,
      )
      .type('form')
      .send({ grant_type: 'client_credentials', resource: 'https://graph.microsoft.com' });
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    expect(res.body.error_codes).toEqual([7000215]);
  });

  test.each([
    ['a secret', '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b:100%+%E0%A4%A', 7000215],
    ['a client id', '6f1d2c3b%ZZ:secret', 700016],
  ])(
    'Basic credentials with malformed percent-encoding in %s are an AADSTS error, not a 500',
    async (_, credentials, code) => {
      const lab = createLab();
      const res = await request(lab.entra.app)
        .post('/common/oauth2/token')
        .set('authorization', `Basic ${Buffer.from(credentials).toString('base64')}`)
        .type('form')
        .send({ grant_type: 'client_credentials', resource: 'https://graph.microsoft.com' });
      expect(res.status).toBe(code === 700016 ? 400 : 401);
      expect(res.body.error_codes).toEqual([code]);
    },
  );
});
