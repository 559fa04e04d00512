import { afterTimers } from '@hma-lab/core';
import { child, el, textOf } from '@hma-lab/activesync';
import { createLab, readyClient } from './helpers.js';

/**
 * Every FreeText of a query made each item's searchable text again: a query of
 * 60,000 of them (660 KB) over a mailbox holding a 200 KB mail took tens of
 * seconds, every party of the lab frozen. Each item's text is made once per
 * Search now; jest's 5 s timeout tells the two apart, no wall-clock bound is
 * asserted.
 */
describe('Search of the mailbox with many FreeText conditions', () => {
  it('makes each item searchable once, however many conditions there are', async () => {
    const lab = createLab();
    const { client } = await readyClient(lab);
    const words = Array.from({ length: 20_000 }, (_, i) => `word${i}`).join(' ');
    await client.sendMail(`To: alice@contoso.com\r\nSubject: Long\r\n\r\n${words}`, {
      saveInSent: true,
    });
    const search = (...conditions: ReturnType<typeof el>[]) =>
      client.command(
        'Search',
        el(
          'Search:Search',
          el(
            'Search:Store',
            el('Search:Name', 'Mailbox'),
            el('Search:Query', el('Search:Or', ...conditions)),
            el('Search:Options', el('Search:Range', '0-9')),
          ),
        ),
      );
    const absent = Array.from({ length: 60_000 }, (_, i) => el('Search:FreeText', `zq${i}`));
    const none = await search(...absent);
    const store = child(child(none.body!, 'Search:Response')!, 'Search:Store')!;
    expect(textOf(store, 'Search:Status')).toBe('1');
    expect(textOf(store, 'Search:Total')).toBe('0');
    await afterTimers();

    const found = await search(el('Search:FreeText', 'WORD19999'), ...absent.slice(0, 10));
    const hits = child(child(found.body!, 'Search:Response')!, 'Search:Store')!;
    expect(Number(textOf(hits, 'Search:Total'))).toBeGreaterThanOrEqual(1);
  }, 5_000);
});
