import { afterTimers } from '@hma-lab/core/testing';
import { MOBILESYNC_RESPONSE_SCHEMA, readPoxRequest } from '@hma-lab/activesync';

const MiB = 1024 * 1024;

/** `unit` repeated to `bytes` characters. */
function fill(unit: string, bytes = MiB): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

const request = (email: string, prefix = '') =>
  `<${prefix}Autodiscover xmlns${prefix ? `:${prefix.slice(0, -1)}` : ''}="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">` +
  `<${prefix}Request><${prefix}EMailAddress>${email}</${prefix}EMailAddress >` +
  `<${prefix}AcceptableResponseSchema>${MOBILESYNC_RESPONSE_SCHEMA}</${prefix}AcceptableResponseSchema>` +
  `</${prefix}Request></${prefix}Autodiscover>`;

describe('readPoxRequest: the two element texts of a mobilesync AutoDiscover request', () => {
  it('reads them with any prefix, entities decoded', () => {
    expect(readPoxRequest(request('dave@fabrikam.com'))).toEqual({
      email: 'dave@fabrikam.com',
      acceptableResponseSchema: MOBILESYNC_RESPONSE_SCHEMA,
    });
    expect(readPoxRequest(request('a&amp;b@c.d', 'm:'))?.email).toBe('a&b@c.d');
  });

  it('skips an element that holds markup, and names that only start alike', () => {
    const body = request('second@b.c').replace(
      '<Request>',
      '<Request><EMailAddressX>no@b.c</EMailAddressX><EMailAddress>x<y/></EMailAddress>',
    );
    expect(readPoxRequest(body)?.email).toBe('second@b.c');
  });

  it('refuses a DOCTYPE, and a request without either element', () => {
    expect(readPoxRequest(`<!DOCTYPE a>${request('a@b.c')}`)).toBeUndefined();
    expect(readPoxRequest('<Autodiscover><Request></Request></Autodiscover>')).toBeUndefined();
  });
});

/**
 * Bodies on which the element scan was quadratic (280 KB of `<EMailAddress `:
 * 1.8 s; 1 MiB ~25 s, every party of the process frozen). Reading one takes a
 * few milliseconds now, so jest's 5 s timeout tells the two apart; no
 * wall-clock bound is asserted.
 */
describe('readPoxRequest on 1 MiB bodies built to be slow (linear, not quadratic)', () => {
  it('start tags without a `>`', async () => {
    const body = `<Autodiscover><Request>${fill('<EMailAddress ')}`;
    expect(readPoxRequest(body)).toBeUndefined();
    await afterTimers();
  }, 5_000);

  it('start tags never closed, then a good request', async () => {
    const body = `${fill('<EMailAddress>x', MiB - 1000)}${request('late@b.c')}`;
    expect(readPoxRequest(body)?.email).toBe('late@b.c');
    await afterTimers();
  }, 5_000);
});
