import { afterTimers } from '@hma-lab/core/testing';
import { child, el, textOf, type EasElement } from '@hma-lab/activesync';
import { MAX_SEARCH_TERMS } from '@hma-lab/activesync';
import { createLab, readyClient } from './helpers.js';

/**
 * A Search costs its terms times the mailbox's text: every FreeText word is
 * looked for in every item. A query of 60,000 FreeText (660 KB) over a mailbox
 * holding a 200 KB mail took tens of seconds while each item's text was made
 * again per condition, and 500,000 words still fit in one request. Each
 * item's text is now made once per Search, and a query of more than
 * MAX_SEARCH_TERMS terms is too complex (store Status 8). jest's 5 s timeout
 * tells a freeze apart; no wall-clock bound is asserted.
 */
describe('Search of the mailbox with many FreeText terms', () => {
  async function searchingLab() {
    const lab = createLab();
    const { client } = await readyClient(lab);
    const words = Array.from({ length: 20_000 }, (_, i) => `word${i}`).join(' ');
    await client.sendMail(`To: alice@contoso.com\r\nSubject: Long\r\n\r\n${words}`, {
      saveInSent: true,
    });
    const search = async (query: EasElement) => {
      const answer = await client.command(
        'Search',
        el(
          'Search:Search',
          el(
            'Search:Store',
            el('Search:Name', 'Mailbox'),
            el('Search:Query', query),
            el('Search:Options', el('Search:Range', '0-9')),
          ),
        ),
      );
      const store = child(child(answer.body!, 'Search:Response')!, 'Search:Store')!;
      return { status: textOf(store, 'Search:Status'), total: textOf(store, 'Search:Total') };
    };
    return { search };
  }

  it('answers a query of as many terms as allowed, each item made searchable once', async () => {
    const { search } = await searchingLab();
    const absent = Array.from({ length: MAX_SEARCH_TERMS - 1 }, (_, i) =>
      el('Search:FreeText', `zq${i}`),
    );
    expect(await search(el('Search:Or', ...absent))).toEqual({ status: '1', total: '0' });
    // The last allowed term finds the long mail (words of one FreeText count one each).
    const found = await search(el('Search:Or', el('Search:FreeText', 'WORD19999'), ...absent));
    expect(Number(found.total)).toBeGreaterThanOrEqual(1);
    await afterTimers();
  }, 5_000);

  it('finds a query of more terms too complex (Status 8), however they are spread', async () => {
    const { search } = await searchingLab();
    const terms = (n: number) =>
      Array.from({ length: n }, (_, i) => el('Search:FreeText', `zq${i}`));
    expect(await search(el('Search:Or', ...terms(MAX_SEARCH_TERMS + 1)))).toEqual({
      status: '8',
      total: undefined,
    });
    // Words of one FreeText, and conditions of other kinds, count too.
    const words = Array.from({ length: 500_000 }, (_, i) => `w${i}`).join(' ');
    expect(await search(el('Search:FreeText', words))).toMatchObject({ status: '8' });
    const classes = Array.from({ length: MAX_SEARCH_TERMS + 1 }, () =>
      el('AirSync:Class', 'Email'),
    );
    expect(await search(el('Search:Or', ...classes))).toMatchObject({ status: '8' });
    // At the limit, mixed kinds are still answered.
    expect(
      await search(
        el(
          'Search:And',
          el('AirSync:Class', 'Email'),
          el(
            'Search:FreeText',
            Array.from({ length: MAX_SEARCH_TERMS - 1 }, () => 'word1').join(' '),
          ),
        ),
      ),
    ).toMatchObject({ status: '1' });
    await afterTimers();
  }, 5_000);
});
