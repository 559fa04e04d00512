import { createTextSharer } from '@hma-lab/core';

/** Equal text in a string built at run time (string identity is not observable in JS; the count is). */
function copyOf(text: string): string {
  return [...text].join('');
}

describe('createTextSharer', () => {
  it('remembers each distinct value once and hands equal values back', () => {
    const share = createTextSharer();
    for (let i = 0; i < 1000; i++) {
      expect(share(copyOf('IPM.Note'))).toBe('IPM.Note');
      expect(share(copyOf(`2:${i % 12}`))).toBe(`2:${i % 12}`);
    }
    expect(share.size).toBe(13);
  });

  it('leaves longer values alone and stops remembering once full', () => {
    const share = createTextSharer({ maxChars: 4, maxEntries: 2 });
    expect(share('12345')).toBe('12345');
    expect(share.size).toBe(0);
    share('a');
    share('b');
    expect(share('c')).toBe('c');
    expect(share.size).toBe(2);
  });
});
