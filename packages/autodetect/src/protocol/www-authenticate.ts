/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1). A `fetch` Response joins
 * repeated `WWW-Authenticate` headers with ", ", so one string can carry
 * several challenges (`Bearer client_id="…", trusted_issuers="a@b,c@d", …,
 * Basic realm="mail.contoso.com"`); commas inside quoted values must not split.
 */

/** One challenge: its scheme and its auth-params (names lower-cased). */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  /** A token68 credential, when the challenge carries one instead of params. */
  token68?: string;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

/**
 * Splits one or more `WWW-Authenticate` values into challenges.
 *
 * @example
 * parseChallenges('Bearer authorization_uri="https://x/authorize", Basic realm="m"')
 * // [{ scheme: 'Bearer', params: { authorization_uri: 'https://x/authorize' } },
 * //  { scheme: 'Basic', params: { realm: 'm' } }]
 */
export function parseChallenges(values: string | readonly string[]): AuthChallenge[] {
  const list = typeof values === 'string' ? [values] : values;
  return list.flatMap(parseOne);
}

function parseOne(text: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  let i = 0;
  const skipSpaces = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  while (i < text.length) {
    while (i < text.length && /[\s,]/.test(text[i]!)) i++;
    if (i >= text.length) break;
    TOKEN.lastIndex = i;
    const match = TOKEN.exec(text);
    if (!match) {
      // Not a token: skip the junk word rather than loop forever.
      i++;
      while (i < text.length && text[i] !== ',' && !/\s/.test(text[i]!)) i++;
      continue;
    }
    const name = match[0];
    i = TOKEN.lastIndex;
    skipSpaces();
    if (text[i] === '=' && current) {
      i++;
      skipSpaces();
      current.params[name.toLowerCase()] = readValue();
      continue;
    }
    current = { scheme: name, params: {} };
    challenges.push(current);
    // A token68 credential right after the scheme (`Negotiate abc==`).
    TOKEN68.lastIndex = i;
    const t68 = TOKEN68.exec(text);
    if (t68 && /^\s*(,|$)/.test(text.slice(TOKEN68.lastIndex))) {
      current.token68 = t68[0];
      i = TOKEN68.lastIndex;
    }
  }
  return challenges;

  function readValue(): string {
    if (text[i] === '"') {
      let out = '';
      i++;
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) i++;
        out += text[i];
        i++;
      }
      i++; // the closing quote
      return out;
    }
    const from = i;
    while (i < text.length && text[i] !== ',' && !/\s/.test(text[i]!)) i++;
    return text.slice(from, i);
  }
}

/** The `authorization_uri` of the first Bearer challenge that names one. */
export function authorizationUriOf(challenges: readonly AuthChallenge[]): string | undefined {
  for (const challenge of challenges) {
    if (challenge.scheme.toLowerCase() !== 'bearer') continue;
    const uri = challenge.params.authorization_uri;
    if (uri) return uri;
  }
  return undefined;
}
