import { createStyle, paintFlowLine } from '../src/style.js';

describe('terminal style', () => {
  const line =
    '[ 5] autodetect -> onprem-eas           401  GET https://mail.contoso.com/Microsoft-Server-ActiveSync';

  it('leaves text plain when colour is off (pipes, files, NO_COLOR)', () => {
    expect(paintFlowLine(line, createStyle(false))).toBe(line);
  });

  it('colours statuses and the closing line on a terminal', () => {
    const style = createStyle(true);
    expect(paintFlowLine(line, style)).toContain('\u001b[31m401\u001b[0m');
    expect(paintFlowLine(line.replace('401', '200'), style)).toContain('\u001b[32m200\u001b[0m');
    expect(
      paintFlowLine('flow A for alice@contoso.com: FAILED at step 5: x [y]', style).startsWith(
        '\u001b[31m',
      ),
    ).toBe(true);
  });
});
