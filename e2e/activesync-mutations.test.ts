import {
  CODE_PAGES,
  createEasClient,
  decodeWbxml,
  el,
  encodeWbxml,
  type EasClient,
  type EasElement,
} from '@hma-lab/activesync';
import { createLab, type Lab } from '@hma-lab/lab';
import type { FlowResult } from '@hma-lab/outlook-mobile';

/**
 * Bad input never gets a stack trace, a 500 of the lab's own or a hang: real
 * requests of a real client (every command the lab serves), recorded, then
 * sent again mutated (a value replaced, an element dropped, doubled, renamed
 * or added from any code page, a command or version swapped), with a fixed
 * seed. Each answer must be a protocol answer: an ActiveSync Status in WBXML
 * that decodes, or an HTTP status ActiveSync has (a 500 only where MS-ASCMD
 * has one: SendMail, SmartReply and SmartForward before 14.0).
 */

interface Recorded {
  query: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

const MUTATIONS_PER_ENDPOINT = 1200;

/** A small linear congruential generator: the same mutations on every run. */
function random(seed: number) {
  let state = seed;
  const next = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

/** Runs a client through every command, recording each request it sends. */
async function recordSession(lab: Lab, url: string, authorization: string): Promise<Recorded[]> {
  const recorded: Recorded[] = [];
  const fetch = lab.fetchAs('client');
  const client: EasClient = createEasClient({
    fetch: async (input, init = {}) => {
      if (init.method === 'POST' && init.body) {
        recorded.push({
          query: new URL(String(input)).search,
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          body: new Uint8Array(init.body as ArrayBuffer),
        });
      }
      return fetch(input, init);
    },
    url,
    authorization: () => authorization,
    deviceId: 'MUTATE1',
    deviceType: 'iPhone',
  });
  await client.provision();
  const { folders } = await client.folderSync();
  const inbox = folders.find((f) => f.type === 2)!.serverId;
  const calendar = folders.find((f) => f.type === 8)!.serverId;
  const { added } = await client.syncAll(inbox);
  const mail = added[0]?.serverId ?? `${inbox}:1`;
  await client.syncCollections([{ collectionId: inbox }, { collectionId: calendar }]);
  await client.getItemEstimate([inbox]);
  await client.settings();
  await client.sendMail('To: alice@contoso.com\r\nSubject: mutate\r\n\r\nhello');
  await client.search('hello');
  await client.itemOperationsFetch(inbox, mail);
  const text = (tag: string, value: string) => el(tag, value);
  const bodies: Record<string, EasElement> = {
    MoveItems: el(
      'Move:MoveItems',
      el(
        'Move:Move',
        text('Move:SrcMsgId', mail),
        text('Move:SrcFldId', inbox),
        text('Move:DstFldId', calendar),
      ),
    ),
    MeetingResponse: el(
      'MeetingResponse:MeetingResponse',
      el(
        'MeetingResponse:Request',
        text('MeetingResponse:UserResponse', '1'),
        text('MeetingResponse:CollectionId', calendar),
        text('MeetingResponse:RequestId', `${calendar}:1`),
      ),
    ),
    FolderCreate: el(
      'FolderHierarchy:FolderCreate',
      text('FolderHierarchy:SyncKey', '1'),
      text('FolderHierarchy:ParentId', '0'),
      text('FolderHierarchy:DisplayName', 'mutated'),
      text('FolderHierarchy:Type', '12'),
    ),
    SmartReply: el(
      'ComposeMail:SmartReply',
      text('ComposeMail:ClientId', 'm1'),
      el(
        'ComposeMail:Source',
        text('ComposeMail:FolderId', inbox),
        text('ComposeMail:ItemId', mail),
      ),
      text('ComposeMail:Mime', 'To: alice@contoso.com\r\nSubject: re\r\n\r\nx'),
    ),
    Find: el(
      'Find:Find',
      text('Find:SearchId', 's1'),
      el(
        'Find:ExecuteSearch',
        el(
          'Find:MailBoxSearchCriterion',
          el('Find:Query', text('Find:FreeText', 'hello')),
          el('Find:Options', text('Find:Range', '0-9')),
        ),
      ),
    ),
    ResolveRecipients: el(
      'ResolveRecipients:ResolveRecipients',
      text('ResolveRecipients:To', 'megan'),
    ),
    ValidateCert: el(
      'ValidateCert:ValidateCert',
      el('ValidateCert:Certificates', text('ValidateCert:Certificate', 'AAAA')),
    ),
  };
  for (const [cmd, body] of Object.entries(bodies)) await client.command(cmd, body);
  return recorded;
}

const ALL_TAGS = CODE_PAGES.flatMap((page) =>
  Object.values(page.tags).map((tag) => `${page.name}:${tag}`),
);
const TEXTS = [
  '',
  '0',
  '1',
  '-1',
  '4294967296',
  'x'.repeat(3000),
  'NaN',
  '20260101T000000Z',
  '1:1',
  '%',
  '\u0000',
];
const COMMANDS = [
  'Sync',
  'FolderSync',
  'Settings',
  'ItemOperations',
  'Search',
  'SendMail',
  'MoveItems',
  'GetItemEstimate',
  'Provision',
  'Find',
];

function mutate(element: EasElement, rng: ReturnType<typeof random>, depth = 0): EasElement {
  const copy: EasElement = {
    tag: element.tag,
    children: element.children.map((c) => mutate(c, rng, depth + 1)),
    ...(element.text !== undefined ? { text: element.text } : {}),
    ...(element.opaque ? { opaque: element.opaque } : {}),
  };
  const r = rng.next();
  if (r < 0.08 && copy.text !== undefined) copy.text = rng.pick(TEXTS);
  else if (r < 0.11)
    copy.children.splice(Math.floor(rng.next() * (copy.children.length + 1)), 0, {
      tag: rng.pick(ALL_TAGS),
      children: [],
      text: rng.pick(TEXTS),
    });
  else if (r < 0.15 && copy.children.length > 0)
    copy.children.splice(Math.floor(rng.next() * copy.children.length), 1);
  else if (r < 0.18 && copy.children.length > 0) copy.children.push(rng.pick(copy.children));
  else if (r < 0.19 && depth > 0) copy.tag = rng.pick(ALL_TAGS);
  else if (r < 0.2) copy.text = rng.pick(TEXTS);
  return copy;
}

/** What is wrong with the answers to mutated copies of `corpus` (empty: nothing). */
async function mutatedAnswers(lab: Lab, url: string, corpus: Recorded[], seed: number) {
  const rng = random(seed);
  const fetch = lab.fetchAs('client');
  const problems: string[] = [];
  let sent = 0;
  for (let i = 0; i < MUTATIONS_PER_ENDPOINT; i++) {
    const base = rng.pick(corpus);
    const query = new URLSearchParams(base.query);
    if (rng.next() < 0.05) query.set('Cmd', rng.pick(COMMANDS));
    const headers = { ...base.headers };
    if (rng.next() < 0.05)
      headers['ms-asprotocolversion'] = rng.pick(['2.5', '12.1', '14.0', '16.1']);
    if (rng.next() < 0.03) delete headers['x-ms-policykey'];
    let body: Uint8Array;
    try {
      body = encodeWbxml(mutate(decodeWbxml(base.body), rng));
    } catch {
      continue; // a mutation the encoder itself refuses (a tag on the wrong page...)
    }
    const cmd = query.get('Cmd') ?? '';
    // A held command (Ping, or a Sync with Wait) waits for the lab clock: not sent.
    if (cmd === 'Ping') continue;
    sent++;
    const res = await fetch(`${url}?${query}`, { method: 'POST', headers, body });
    const bytes = new Uint8Array(await res.arrayBuffer());
    const text = Buffer.from(bytes).toString('utf8');
    const legacyCompose =
      res.status === 500 &&
      Number(headers['ms-asprotocolversion']) < 14 &&
      ['SendMail', 'SmartReply', 'SmartForward'].includes(cmd);
    if (res.status >= 500 && ![501, 503].includes(res.status) && !legacyCompose) {
      problems.push(`${cmd}: HTTP ${res.status} ${text.slice(0, 200)}`);
    }
    if (/\n\s+at |TypeError|ReferenceError/.test(text))
      problems.push(`${cmd}: ${text.slice(0, 200)}`);
    if (
      res.status === 200 &&
      bytes.length > 0 &&
      res.headers.get('content-type')?.includes('wbxml')
    ) {
      try {
        decodeWbxml(bytes);
      } catch (error) {
        problems.push(`${cmd}: an answer that does not decode (${(error as Error).message})`);
      }
    }
  }
  return { problems, sent };
}

describe('mutated ActiveSync requests', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ mode: 'in-process', trace: false, log: () => undefined });
  });
  afterAll(() => lab.close());

  it('get protocol answers from on-premises Exchange', async () => {
    const { password } = lab.credentials('alice@contoso.com');
    const url = 'https://mail.contoso.com/Microsoft-Server-ActiveSync';
    const basic = `Basic ${Buffer.from(`alice@contoso.com:${password}`).toString('base64')}`;
    const corpus = await recordSession(lab, url, basic);
    expect(corpus.length).toBeGreaterThanOrEqual(18);
    const { problems, sent } = await mutatedAnswers(lab, url, corpus, 7);
    expect(sent).toBeGreaterThan(MUTATIONS_PER_ENDPOINT / 2);
    expect(problems).toEqual([]);
  }, 60_000);

  it("get protocol answers from Exchange Online's own endpoint (flow B)", async () => {
    const run = await lab.runFlow('bob@contoso.com');
    expect(run.ok).toBe(true);
    const token = (run.result as FlowResult).tokens.accessToken;
    const url = 'https://outlook.office365.com/Microsoft-Server-ActiveSync';
    const corpus = await recordSession(lab, url, `Bearer ${token}`);
    expect(corpus.length).toBeGreaterThanOrEqual(18);
    const { problems, sent } = await mutatedAnswers(lab, url, corpus, 11);
    expect(sent).toBeGreaterThan(MUTATIONS_PER_ENDPOINT / 2);
    expect(problems).toEqual([]);
  }, 60_000);
});
