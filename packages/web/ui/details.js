// @ts-check
// The step panel: what a row of the diagram is, in plain words, and the
// exchange behind it: request, answer, the headers that matter, bodies, and
// every token decoded with the claims a trainer points at highlighted.
import { clear, h, labTime, span } from './dom.js';
import { FAMILY_COLORS, laneLines, statusClass } from './diagram.js';

/** @typedef {import('./types.js').RowView} RowView */
/** @typedef {import('./types.js').TokenView} TokenView */
/** @typedef {import('./types.js').EntryDetail} EntryDetail */
/** @typedef {import('./types.js').TraceEntry} TraceEntry */
/** @typedef {import('./types.js').TraceToken} TraceToken */
/** @typedef {import('./types.js').FlowInfo} FlowInfo */

/** Claims shown first and highlighted, with what they mean. */
const KEY_CLAIMS = /** @type {const} */ (['aud', 'appid', 'azp', 'scp', 'roles', 'amr', 'exp']);

/** @type {Record<string, string>} */
const CLAIM_NOTES = {
  aud: 'audience: the only service that may accept it',
  appid: 'the client the token was issued to',
  azp: 'the client the token was issued to',
  scp: 'delegated permissions',
  roles: 'application permissions',
  amr: 'how the user signed in',
  iss: 'who signed it',
  tid: 'tenant',
  upn: 'the user',
  onprem_sid: 'the on-premises account (what Exchange maps the token to)',
  ver: 'token format version',
};

/** @type {Record<string, string>} */
const KNOWN_APPS = {
  '27922004-5251-4030-b22d-91ecd9a37ea4': 'Outlook Mobile',
  '00000002-0000-0ff1-ce00-000000000000': 'Office 365 Exchange Online',
  '00000003-0000-0000-c000-000000000000': 'Microsoft Graph',
};

/** @type {Record<string, string>} */
const AMR_WORDS = {
  fed: 'federated (AD FS)',
  pwd: 'password',
  mfa: 'multi-factor',
  otp: 'one-time code',
  rsa: 'certificate/key',
  wia: 'Windows integrated',
};

/**
 * @param {string} party
 */
export function laneName(party) {
  const [first, second] = laneLines(party, party);
  if (party === 'exo' || party === 'onprem-eas' || party === 'onprem-autodiscover') {
    return `${first} ${second}`;
  }
  return first;
}

/**
 * A token's role as a coloured pill.
 * @param {string} role
 * @param {string} family
 */
export function roleBadge(role, family) {
  return h('span', {
    class: 'badge',
    style: `background:${FAMILY_COLORS[family] ?? FAMILY_COLORS.other}`,
    text: role,
  });
}

/**
 * @param {string | undefined} appid
 * @param {Record<string, unknown> | undefined} claims
 */
export function appName(appid, claims) {
  if (!appid) return '';
  const shown = typeof claims?.app_displayname === 'string' ? claims.app_displayname : undefined;
  return shown ?? KNOWN_APPS[appid] ?? appid;
}

/**
 * @param {unknown} value
 */
function claimText(value) {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join(' ');
  return JSON.stringify(value);
}

/**
 * What a claim value means, in words.
 * @param {string} name
 * @param {unknown} value
 * @param {Record<string, unknown>} claims
 * @param {number} nowMs
 */
function claimNote(name, value, claims, nowMs) {
  if ((name === 'exp' || name === 'iat' || name === 'nbf') && typeof value === 'number') {
    const ms = value * 1000;
    if (name !== 'exp') return labTime(ms);
    return ms <= nowMs
      ? `${labTime(ms)} · expired ${span(nowMs - ms)} ago`
      : `${labTime(ms)} · valid ${span(ms - nowMs)} more`;
  }
  if (name === 'appid' || name === 'azp') return `${appName(String(value), claims)}`;
  if (name === 'amr' && Array.isArray(value)) {
    return value.map((m) => AMR_WORDS[String(m)] ?? String(m)).join(', ');
  }
  return CLAIM_NOTES[name] ?? '';
}

/**
 * The claims a trainer points at (aud, appid, scp, amr, exp), highlighted,
 * then the others behind a disclosure.
 * @param {Record<string, unknown>} claims
 * @param {number} nowMs
 */
function claimsTables(claims, nowMs) {
  const key = KEY_CLAIMS.filter((k) => k in claims);
  const others = Object.keys(claims).filter(
    (k) => !(/** @type {readonly string[]} */ (KEY_CLAIMS).includes(k)),
  );
  return [
    key.length ? claimsTable(claims, key, nowMs) : null,
    others.length
      ? h(
          'details',
          { class: 'other-claims' },
          h('summary', { text: `${key.length ? 'other claims' : 'claims'} (${others.length})` }),
          claimsTable(claims, others, nowMs),
        )
      : null,
  ];
}

/**
 * @param {Record<string, unknown>} claims
 * @param {string[]} names
 * @param {number} nowMs
 */
function claimsTable(claims, names, nowMs) {
  return h(
    'table',
    { class: 'claims' },
    h(
      'tbody',
      {},
      names.map((name) =>
        h(
          'tr',
          {
            'data-claim': name,
            class: /** @type {readonly string[]} */ (KEY_CLAIMS).includes(name) ? 'key' : '',
          },
          h('th', { scope: 'row', text: name }),
          h('td', { class: 'claim-value', text: claimText(claims[name]) }),
          h('td', { class: 'claim-note', text: claimNote(name, claims[name], claims, nowMs) }),
        ),
      ),
    ),
  );
}

/**
 * @param {TraceToken} token
 * @param {TokenView | undefined} view
 * @param {number} nowMs
 */
function tokenCard(token, view, nowMs) {
  const role = view?.role ?? token.name;
  const family = view?.family ?? 'other';
  const where = token.where
    .replace(/^request\./, 'request ')
    .replace(/^response\./, 'answer ')
    .replace(/\./g, ' ');
  const facts = [];
  if (token.claims) {
    const appid = /** @type {string | undefined} */ (token.claims.appid ?? token.claims.azp);
    if (appid) facts.push(`client ${appName(appid, token.claims)}`);
    if (token.claims.aud) facts.push(`audience ${claimText(token.claims.aud)}`);
  }
  if (view?.mintedBy) {
    facts.push(
      `minted by ${laneName(view.mintedBy)}${view.grant ? ` (${view.grant})` : ''}${view.firstStep ? ` at step ${view.firstStep}` : ''}`,
    );
  }
  if (view?.expiresAtMs !== undefined && token.kind !== 'jwt') {
    facts.push(
      `${view.lifetimeFrom === 'policy' ? 'policy lifetime' : 'valid'} until ${labTime(view.expiresAtMs)}`,
    );
  }
  return h(
    'article',
    { class: 'token-card', 'data-role': role, 'data-family': family, 'data-kind': token.kind },
    h(
      'header',
      {},
      roleBadge(role, family),
      h('span', {
        class: 'token-name',
        text: ` ${token.name} · ${token.kind.toUpperCase()} · ${where}`,
      }),
    ),
    facts.length ? h('p', { class: 'token-facts', text: facts.join(' · ') }) : null,
    token.claims ? claimsTables(token.claims, nowMs) : null,
    token.header
      ? h(
          'details',
          { class: 'jwt-header' },
          h('summary', {
            text: `JWT header (alg ${claimText(token.header.alg)}, kid ${claimText(token.header.kid)})`,
          }),
          claimsTable(token.header, Object.keys(token.header), nowMs),
        )
      : null,
    h(
      'details',
      { class: 'raw' },
      h('summary', { text: `raw (${token.raw.length} characters)` }),
      h('code', { class: 'raw-text', text: token.raw }),
    ),
  );
}

/**
 * Pretty form of a body for reading.
 * @param {import('./types.js').TraceBody} body
 */
function bodyText(body) {
  const text = body.text ?? '';
  const type = body.contentType ?? '';
  try {
    if (/json/i.test(type)) return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // Not JSON after all: show it as it is.
  }
  if (/x-www-form-urlencoded/i.test(type)) {
    return [...new URLSearchParams(text)]
      .map(([k, v]) => `${k} = ${v.length > 160 ? `${v.slice(0, 160)}… (${v.length} chars)` : v}`)
      .join('\n');
  }
  return text;
}

/**
 * @param {string} title
 * @param {import('./types.js').TraceBody | undefined} body
 */
function bodyBlock(title, body) {
  if (!body) return h('p', { class: 'muted', text: `${title}: none` });
  if (body.text === undefined) {
    return h('p', {
      class: 'muted',
      text: `${title}: ${body.size} bytes of ${body.contentType ?? 'binary data'} (not shown)`,
    });
  }
  const text = bodyText(body);
  const LIMIT = 3000;
  const shown =
    text.length > LIMIT
      ? `${text.slice(0, LIMIT)}\n… ${text.length - LIMIT} more characters`
      : text;
  return h(
    'div',
    { class: 'body' },
    h('div', {
      class: 'body-head',
      text: `${title} · ${body.contentType ?? 'unknown type'} · ${body.size} bytes${body.truncated ? ' · cut by the trace' : ''}`,
    }),
    h('pre', { text: shown }),
    text.length > LIMIT
      ? h('details', {}, h('summary', { text: 'everything' }), h('pre', { text }))
      : null,
  );
}

/**
 * @param {Record<string, string | string[]>} headers
 * @param {string[]} important
 */
function headerTables(headers, important) {
  const rows = (/** @type {string[]} */ names) =>
    h(
      'table',
      { class: 'headers' },
      h(
        'tbody',
        {},
        names.flatMap((name) => {
          const value = headers[name];
          const values = Array.isArray(value) ? value : [value ?? ''];
          return values.map((v) =>
            h('tr', { 'data-header': name }, h('th', { text: name }), h('td', { text: v })),
          );
        }),
      ),
    );
  const all = Object.keys(headers);
  return [
    important.length ? rows(important) : h('p', { class: 'muted', text: 'no headers of note' }),
    all.length > important.length
      ? h('details', {}, h('summary', { text: `all headers (${all.length})` }), rows(all))
      : null,
  ];
}

/**
 * @param {EntryDetail} detail
 * @param {Map<string, TokenView>} tokens
 * @param {number} nowMs
 */
export function entrySections(detail, tokens, nowMs) {
  const e = detail.entry;
  if (e.kind === 'event') {
    return [
      h(
        'section',
        { class: 'http event' },
        h(
          'h3',
          {},
          'Inside ',
          laneName(e.party ?? ''),
          h('code', { class: 'action', text: ` ${e.action}` }),
        ),
        h('p', { text: e.summary ?? '' }),
        e.data ? h('pre', { text: JSON.stringify(e.data, null, 2) }) : null,
        h('p', { class: 'muted', text: labTime(e.atMs) }),
      ),
    ];
  }
  const status = e.status ?? 0;
  const secrets = e.secrets ?? [];
  const seen = new Set();
  /** @type {HTMLElement[]} */
  const cards = [];
  const indexed = (e.tokens ?? []).map((token, i) => ({ token, id: detail.tokenIds[i] ?? '' }));
  // What the answer hands out first (the news of the step), then what the request carried.
  const ordered = [
    ...indexed.filter((t) => t.token.where.startsWith('response.')),
    ...indexed.filter((t) => !t.token.where.startsWith('response.')),
  ];
  for (const { token, id } of ordered) {
    if (seen.has(id)) continue;
    seen.add(id);
    cards.push(tokenCard(token, tokens.get(id), nowMs));
  }
  return [
    cards.length
      ? h(
          'section',
          { class: 'http tokens' },
          h('h3', { text: cards.length === 1 ? 'Token' : `Tokens (${cards.length})` }),
          ...cards,
        )
      : null,
    h(
      'section',
      { class: 'http request' },
      h(
        'h3',
        {},
        'Request ',
        h('span', { class: 'who', text: `${laneName(e.from ?? '')} → ${laneName(e.to ?? '')}` }),
      ),
      h(
        'p',
        { class: 'request-line' },
        h('strong', { text: e.method ?? '' }),
        ' ',
        h('code', { text: e.url ?? '' }),
      ),
      ...headerTables(e.requestHeaders ?? {}, detail.important.request),
      secrets.length
        ? h('p', {
            class: 'secret',
            text: `Secret: ${secrets.map((s) => s.name).join(', ')} crossed here. The lab records that it did, never the value.`,
          })
        : null,
      bodyBlock('body', e.requestBody),
    ),
    h(
      'section',
      { class: 'http response' },
      h(
        'h3',
        {},
        'Answer ',
        h('span', {
          class: `status status-${statusClass(status)}`,
          text: status ? `${status}` : `no answer${e.error ? `: ${e.error}` : ''}`,
        }),
        h('span', { class: 'muted', text: ` ${labTime(e.atMs)}` }),
      ),
      ...headerTables(e.responseHeaders ?? {}, detail.important.response),
      bodyBlock('body', e.responseBody),
    ),
  ];
}

/**
 * @typedef {object} StepContext
 * @property {RowView} row
 * @property {FlowInfo | undefined} flow
 * @property {string} flowName
 * @property {Map<string, TokenView>} tokens
 * @property {number} nowMs
 * @property {(entryId: number) => Promise<EntryDetail>} loadEntry
 * @property {(childId: string) => void} pickChild
 * @property {() => boolean} stillShown
 */

/**
 * Draws the panel for one row.
 * @param {HTMLElement} panel
 * @param {StepContext} ctx
 */
export async function renderStep(panel, ctx) {
  const r = ctx.row;
  clear(panel);
  const meaning = r.step !== null ? ctx.flow?.meanings[String(r.step)] : undefined;
  const explanation = r.step !== null ? ctx.flow?.explanations[String(r.step)] : undefined;
  const legWord = {
    exchange: 'request and answer',
    request: 'request',
    response: 'answer',
    event: 'inside a party',
    group: `${r.count ?? 0} exchanges`,
  }[r.kind];
  panel.append(
    h(
      'header',
      { class: 'step-head' },
      h('span', {
        class: `step-number${r.step === null ? ' none' : ''}`,
        text: r.step === null ? '·' : String(r.step),
      }),
      h(
        'div',
        {},
        h('h2', {
          text: r.step === null ? 'Not a numbered step' : `Step ${r.step} of flow ${ctx.flowName}`,
        }),
        h('p', {
          class: 'who',
          text:
            r.from === r.to
              ? `${laneName(r.from)} · ${legWord}`
              : `${laneName(r.from)} → ${laneName(r.to)} · ${legWord}`,
        }),
      ),
    ),
  );
  if (meaning) panel.append(h('p', { class: 'meaning', text: meaning }));
  if (explanation) panel.append(h('p', { class: 'explanation', text: explanation }));
  if (r.step === null) {
    panel.append(
      h('p', {
        class: 'explanation',
        text: 'The trace recorded this, but no FLOWS.md step describes it (a signing-key fetch, a party’s internal bookkeeping, background work).',
      }),
    );
  }
  if (r.kind === 'group' && r.children) {
    panel.append(
      h(
        'section',
        { class: 'group-members' },
        h('h3', { text: `${r.children.length} rows in this group` }),
        h(
          'ol',
          {},
          r.children.slice(0, 300).map((child) =>
            h(
              'li',
              {},
              h('button', {
                type: 'button',
                class: `member status-${statusClass(child.status)}`,
                text: `${labTime(child.atMs).slice(11, 19)}  ${child.label}`,
                onclick: () => ctx.pickChild(child.id),
              }),
            ),
          ),
        ),
        r.children.length > 300
          ? h('p', { class: 'muted', text: `… and ${r.children.length - 300} more` })
          : null,
      ),
    );
  }
  const loading = h('p', { class: 'muted', text: 'loading the exchange…' });
  panel.append(loading);
  try {
    const detail = await ctx.loadEntry(r.entryId);
    if (!ctx.stillShown()) return;
    loading.remove();
    if (r.kind === 'group') {
      panel.append(h('h3', { class: 'first-member', text: 'The first of them:' }));
    }
    panel.append(...entrySections(detail, ctx.tokens, ctx.nowMs).filter((x) => x !== null));
  } catch (error) {
    if (!ctx.stillShown()) return;
    loading.textContent = `Could not load the exchange: ${/** @type {Error} */ (error).message}`;
  }
}
