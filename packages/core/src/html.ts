/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/**
 * An auto-submitting HTML form, as identity providers use to POST a token to
 * the next party (WS-Federation `wresult`, OAuth `form_post`). Works without
 * script too: the button submits it.
 */
export function autoPostForm(
  action: string,
  fields: Record<string, string>,
  title = 'Working...',
): string {
  const inputs = Object.entries(fields)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}"/>`,
    )
    .join('\n      ');
  return `<!DOCTYPE html>
<html lang="en">
  <head><meta charset="utf-8"/><title>${escapeHtml(title)}</title></head>
  <body onload="document.forms[0].submit()">
    <form method="POST" name="hiddenform" action="${escapeHtml(action)}">
      ${inputs}
      <noscript><p>Script is disabled. Click Submit to continue.</p></noscript>
      <input type="submit" value="Submit"/>
    </form>
  </body>
</html>
`;
}
