/**
 * Terminal styling: colour only when writing to a terminal and NO_COLOR is not
 * set (https://no-color.org), so pipes, files and CI logs get plain text.
 */
export interface Style {
  enabled: boolean;
  ok(text: string): string;
  bad(text: string): string;
  warn(text: string): string;
  dim(text: string): string;
}

export function createStyle(enabled: boolean): Style {
  const wrap = (code: number) => (text: string) =>
    enabled ? `\u001b[${code}m${text}\u001b[0m` : text;
  return { enabled, ok: wrap(32), bad: wrap(31), warn: wrap(33), dim: wrap(2) };
}

/** Colour for the process's stdout. */
export function terminalStyle(): Style {
  return createStyle(
    Boolean(process.stdout.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb',
  );
}

/** Colours the HTTP status column and the closing line of `hma-lab flow` output. */
export function paintFlowLine(line: string, style: Style): string {
  if (!style.enabled) return line;
  if (/: completed \(/.test(line)) return style.ok(line);
  if (/: FAILED at step /.test(line)) return style.bad(line);
  return line.replace(
    /^(\[\s?\d+\] .{34} )(\d{3}|---)( )/,
    (_m, head: string, status: string, tail: string) => {
      const code = Number(status);
      const painted =
        code >= 200 && code < 400
          ? style.ok(status)
          : code >= 400 || status === '---'
            ? style.bad(status)
            : status;
      return `${head}${painted}${tail}`;
    },
  );
}
