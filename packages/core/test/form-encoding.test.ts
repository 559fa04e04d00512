import { decodeFormComponent, parseCookieHeader } from '../src/form-encoding.js';

describe('decodeFormComponent: form-urlencoded names and values, never throwing', () => {
  test.each([
    ['plain', 'plain'],
    ['a+b', 'a b'],
    ['a%2Bb%20c', 'a+b c'],
    ['caf%C3%A9', 'café'],
  ])('%s decodes to %s', (text, decoded) => {
    expect(decodeFormComponent(text)).toBe(decoded);
  });

  test.each(['100%', '%E0%A4%A', '%ZZ+x', 'ok%2F%'])(
    'malformed %s decodes as URLSearchParams decodes it',
    (text) => {
      expect(decodeFormComponent(text)).toBe(new URLSearchParams(`v=${text}`).get('v'));
    },
  );
});

describe('parseCookieHeader', () => {
  test('names to decoded values, the first of a repeated name', () => {
    expect(parseCookieHeader('a=1; b=x%20y;a=2; c = 3 ')).toEqual({ a: '1', b: 'x y', c: '3' });
  });

  test('a value that does not percent-decode is kept as sent; the others still decode', () => {
    expect(parseCookieHeader('bad=%E0%A4%A; good=%41')).toEqual({ bad: '%E0%A4%A', good: 'A' });
  });

  test('parts without a name or an = are skipped; no header is no cookies', () => {
    expect(parseCookieHeader('=x; flag; d=')).toEqual({ d: '' });
    expect(parseCookieHeader(undefined)).toEqual({});
  });

  test('names of Object.prototype are ordinary cookies', () => {
    const cookies = parseCookieHeader('constructor=c; __proto__=p; toString=t');
    expect(cookies.constructor).toBe('c');
    expect(cookies['__proto__']).toBe('p');
    expect(cookies.toString).toBe('t');
  });
});
