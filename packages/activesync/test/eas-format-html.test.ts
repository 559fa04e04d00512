import { afterTimers, seededRandom } from '@hma-lab/core/testing';
import { textFromHtml } from '../src/format/eas-format.js';

/**
 * textFromHtml as it was written with regular expressions alone: the reference
 * for what it gives. Quadratic in a body whose tags do not close (`<` repeated).
 */
function textFromHtmlByRegex(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const MiB = 1024 * 1024;

/** Equal texts; when not, where they part (not two megabytes of output). */
function expectSame(actual: string, expected: string): void {
  if (actual === expected) return;
  let at = 0;
  while (actual[at] === expected[at]) at++;
  expect({ length: actual.length, at, near: actual.slice(at - 20, at + 20) }).toEqual({
    length: expected.length,
    at,
    near: expected.slice(at - 20, at + 20),
  });
}

/** `unit` repeated to `bytes` characters. */
function fill(unit: string, bytes = MiB): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/**
 * Each of these took minutes with the regular expressions (a body of `<`
 * repeated: 200 KB 13 s, 1 MiB several minutes) and takes a few milliseconds
 * now (1 MiB: < 15 ms), so jest's 5 s timeout tells the two apart with a wide
 * margin either way; no wall-clock bound is asserted.
 */
describe('textFromHtml on 1 MiB bodies whose tags do not close (linear, not quadratic)', () => {
  it('`<` repeated: no tag, the text is the body', async () => {
    const body = fill('<');
    const text = textFromHtml(body);
    await afterTimers();
    expectSame(text, body);
  }, 5_000);

  it('`<script>` repeated with no end tag: every `<script>` is a tag and is dropped', async () => {
    const text = textFromHtml(fill('<script>'));
    await afterTimers();
    expect(text).toBe('');
  }, 5_000);

  it('`<style` repeated with no `>`: kept as it is', async () => {
    const body = fill('<style');
    const text = textFromHtml(body);
    await afterTimers();
    expectSame(text, body);
  }, 5_000);

  it('`<p>x</p>` then `<b` repeated: the closed tags go, the rest is kept', async () => {
    const body = `${'<p>x</p>'.repeat(MiB / 16)}${'<b'.repeat(MiB / 4)}`;
    const text = textFromHtml(body);
    await afterTimers();
    expectSame(text, `${'x\n'.repeat(MiB / 16)}${'<b'.repeat(MiB / 4)}`);
    expectSame(textFromHtml(body.slice(-2000)), textFromHtmlByRegex(body.slice(-2000)));
  }, 5_000);

  it('elements after a `<script>` that never ends are still dropped', async () => {
    const body = (n: number): string =>
      `<script>${'<script>a'.repeat(n)}${'<style>b</style>c'.repeat(1000)}`;
    const text = textFromHtml(body(100_000));
    await afterTimers();
    expectSame(text, `${'a'.repeat(100_000)}${'c'.repeat(1000)}`);
    expectSame(textFromHtml(body(200)), textFromHtmlByRegex(body(200)));
  }, 5_000);
});

describe('textFromHtml gives what the regular expressions gave', () => {
  it('on mail bodies as Outlook and Exchange write them', () => {
    const bodies = [
      '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div>Hi &amp; bye<br>\r\nline 2 &lt;x&gt; &quot;q&quot; &#39;s&#39;&nbsp;end</div></body></html>',
      '<html><head><style><!-- p.MsoNormal {margin:0cm} --></style><STYLE type="text/css">a{}</STYLE></head><body><p class="MsoNormal">One</p><p>Two<br/>Three<BR />Four</p><table><tr><td>a</td><td>b</td></tr></table><ul><li>x</li><li>y</li></ul><h1>T</h1></body></html>',
      '<div>before<script type="text/javascript">if (a < b && c > d) { x = "</div>"; }</script>after</div>',
      '<SCRIPT>x</script><ScRiPt src=a></sCrIpT>kept<stylesheet>y</style>z',
      '<p>a <> b < c > d</p><!-- comment --><p>e</p>\n\n\n\n<p>f</p>',
      'plain text, no tags at all',
      '<',
      '>',
      '<>',
      '',
    ];
    for (const body of bodies) expect(textFromHtml(body)).toBe(textFromHtmlByRegex(body));
  });

  it('on random text of tag characters (20,000 cases)', () => {
    const next = seededRandom(0x7f3a);
    const pieces = [
      '<',
      '>',
      '/',
      ' ',
      'a',
      '\n',
      '<script',
      '<style',
      '</script>',
      '</style>',
      '<SCRIPT',
      '</STYLE>',
      '<br',
      '<br/>',
      '</p>',
      '</div>',
      '<b>',
      '&amp;',
      '&lt;',
      'x',
      'S',
      '"',
    ];
    for (let i = 0; i < 20_000; i++) {
      let body = '';
      const length = Math.floor(next() * 24);
      for (let j = 0; j < length; j++) body += pieces[Math.floor(next() * pieces.length)];
      expect([body, textFromHtml(body)]).toEqual([body, textFromHtmlByRegex(body)]);
    }
  });
});
