import { createTraceRecorder, createVirtualClock, type TraceRecorder } from '@hma-lab/core';
import { afterTimers } from '@hma-lab/core/testing';

const clock = createVirtualClock({ startMs: Date.UTC(2026, 0, 5) });
const MiB = 1024 * 1024;

/** `unit` repeated to `bytes` characters. */
function fill(unit: string, bytes = MiB): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}

/** Records a POST with this body, as the service middleware does, and reads it back. */
function record(trace: TraceRecorder, body: string, contentType: string) {
  const handle = trace.beginExchange({
    from: 'device',
    to: 'entra',
    method: 'POST',
    url: 'https://login.microsoftonline.com/common/login',
    requestHeaders: { 'content-type': contentType },
  });
  handle.finish({ status: 200, responseHeaders: {}, requestBody: Buffer.from(body) });
  return trace.exchanges().at(-1)!;
}

/**
 * Bodies on which the trace's scans were quadratic (`<input` repeated, 600 KB:
 * 19 s; 1 MiB about a minute). Recording one takes a few milliseconds now
 * (1 MiB: < 40 ms), so jest's 5 s timeout tells the two apart with a wide
 * margin either way; no wall-clock bound is asserted.
 */
describe('trace recorder on 1 MiB bodies built to be slow (linear, not quadratic)', () => {
  it('an HTML body of `<input` repeated, no `>`: no token', async () => {
    const exchange = record(createTraceRecorder({ clock }), fill('<input'), 'text/html');
    await afterTimers();
    expect(exchange.tokens).toEqual([]);
  }, 5_000);

  it('an HTML body of `<input` repeated, then a form_post input: its token is found', async () => {
    const body = `${fill('<input ', MiB - 100)}><input type="hidden" name="code" value="a&amp;b"/>`;
    const exchange = record(createTraceRecorder({ clock }), body, 'text/html; charset=utf-8');
    await afterTimers();
    // The first tag runs to the first '>' (as /<input\b[^>]*>/ matched): it has no name.
    expect(exchange.tokens.map((t) => [t.where, t.raw])).toEqual([
      ['request.body.form.code', 'a&b'],
    ]);
  }, 5_000);

  it('a form body of empty fields with no `=` (`&` repeated), then a secret: redacted', async () => {
    const body = `${'&'.repeat(MiB - 30)}password=S3cret!&code=c`;
    const exchange = record(
      createTraceRecorder({ clock, maxBodyChars: 2 * MiB }),
      body,
      'application/x-www-form-urlencoded',
    );
    await afterTimers();
    expect(exchange.requestBody!.text).toBe(`${'&'.repeat(MiB - 30)}password=[redacted]&code=c`);
    expect(exchange.secrets).toEqual([{ name: 'password', where: 'request.body.password' }]);
    expect(exchange.tokens.map((t) => [t.name, t.raw])).toEqual([['code', 'c']]);
  }, 5_000);

  it('an XML body of `<Password ` repeated (no `>`), then a password: redacted', async () => {
    const body = `${fill('<Password ', MiB - 40)}<x><Password>S3cret!</Password></x>`;
    const exchange = record(
      createTraceRecorder({ clock, maxBodyChars: 2 * MiB }),
      body,
      'application/soap+xml',
    );
    await afterTimers();
    expect(exchange.requestBody!.text!.endsWith('<x><Password>[redacted]</Password></x>')).toBe(
      true,
    );
  }, 5_000);

  it('an XML body of password elements each holding comments and CDATA sections: every one redacted', async () => {
    const unit = '<Password><!--a--><![CDATA[b]]><?c?>d</Password><!-- e -->';
    const exchange = record(
      createTraceRecorder({ clock, maxBodyChars: 2 * MiB }),
      unit.repeat(Math.floor(MiB / unit.length)),
      'text/xml',
    );
    await afterTimers();
    expect(exchange.requestBody!.text).toBe(
      '<Password>[redacted]</Password><!-- e -->'.repeat(Math.floor(MiB / unit.length)),
    );
  }, 5_000);

  it('an XML body of `<Password><!--` repeated: the first comment never ends, the rest is hidden', async () => {
    const exchange = record(createTraceRecorder({ clock }), fill('<Password><!--'), 'text/xml');
    await afterTimers();
    expect(exchange.requestBody!.text).toBe('<Password>[redacted]');
  }, 5_000);

  it('an XML body of `<!--<Password />` repeated (comments never ended), then a password: redacted', async () => {
    const body = `${fill('<!--<Password />', MiB - 40)}<x><Password>S3cret!</Password></x>`;
    const exchange = record(
      createTraceRecorder({ clock, maxBodyChars: 2 * MiB }),
      body,
      'text/xml',
    );
    await afterTimers();
    // A section that never ends is text before a secret element: the password is still found.
    expect(exchange.requestBody!.text!.endsWith('<x><Password>[redacted]</Password></x>')).toBe(
      true,
    );
  }, 5_000);

  it('an XML body of `<Password>` repeated, never closed: the rest is hidden at once', async () => {
    const exchange = record(createTraceRecorder({ clock }), fill('<Password>'), 'text/xml');
    await afterTimers();
    expect(exchange.requestBody!.text).toBe('<Password>[redacted]');
  }, 5_000);
});

describe('trace recorder: the hidden inputs it reads tokens from', () => {
  it('finds them as /<input\\b[^>]*>/gi did: any case, the tag up to its first `>`', () => {
    const trace = createTraceRecorder({ clock });
    const body = [
      '<INPUT TYPE="hidden" NAME="id_token" VALUE="eyJ.a.b">',
      '<inputs name="code" value="not-an-input">',
      '<input\nname="state" value="s"><input name="code" value="c&quot;1&lt;">',
      '<input name="access_token" value="x" <input name="refresh_token" value="y">',
      '<input name="code" value="last"',
    ].join('');
    const exchange = record(trace, body, 'text/html');
    expect(exchange.tokens.map((t) => [t.name, t.raw])).toEqual([
      ['id_token', 'eyJ.a.b'],
      ['code', 'c"1<'],
      ['access_token', 'x'],
    ]);
  });
});
