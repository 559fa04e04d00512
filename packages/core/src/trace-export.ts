import type { FlowStep } from './flows.js';
import type { Party } from './hosts.js';
import type { TraceEntry, TraceExchange } from './trace.js';

/**
 * Trace exporters: HAR 1.2 (any HAR viewer opens it), a Mermaid sequence
 * diagram (renders in Markdown viewers and the trainer UI), and plain JSON.
 */

const STATUS_TEXT: Record<number, string> = {
  0: '',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  302: 'Found',
  303: 'See Other',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  413: 'Request Entity Too Large',
  449: 'Retry With',
  451: 'Redirect',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

interface HarHeader {
  name: string;
  value: string;
}

export interface HarLog {
  log: {
    version: '1.2';
    creator: { name: string; version: string };
    entries: Array<Record<string, unknown>>;
    comment?: string;
  };
}

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of a trace's
 * exchanges. Lab-specific facts (from, to, step, tokens) go in `_hmaLab`
 * fields, which HAR allows for custom data (names starting with `_`).
 */
export function traceToHar(
  entries: readonly TraceEntry[],
  steps: readonly FlowStep[] = [],
  comment?: string,
): HarLog {
  const stepsOf = stepIndex(steps);
  const exchanges = entries.filter((e): e is TraceExchange => e.kind === 'exchange');
  return {
    log: {
      version: '1.2',
      creator: { name: 'hma-lab', version: '0.1.0' },
      ...(comment ? { comment } : {}),
      entries: exchanges.map((e) => {
        const url = safeUrl(e.url);
        const requestType = e.requestHeaders['content-type'];
        const responseType = first(e.responseHeaders['content-type']);
        const location = first(e.responseHeaders.location) ?? '';
        return {
          startedDateTime: new Date(e.atMs).toISOString(),
          time: e.durationMs,
          request: {
            method: e.method,
            url: e.url,
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: headerList(e.requestHeaders),
            queryString: url ? [...url.searchParams].map(([name, value]) => ({ name, value })) : [],
            ...(e.requestBody
              ? {
                  postData: {
                    mimeType: requestType ?? 'application/octet-stream',
                    text: e.requestBody.text ?? '',
                  },
                }
              : {}),
            headersSize: -1,
            bodySize: e.requestBody?.size ?? 0,
          },
          response: {
            status: e.status,
            statusText: STATUS_TEXT[e.status] ?? '',
            httpVersion: 'HTTP/1.1',
            cookies: [],
            headers: headerList(e.responseHeaders),
            content: {
              size: e.responseBody?.size ?? 0,
              mimeType: responseType ?? 'x-unknown',
              ...(e.responseBody?.text !== undefined ? { text: e.responseBody.text } : {}),
            },
            redirectURL: location,
            headersSize: -1,
            bodySize: e.responseBody?.size ?? 0,
            ...(e.error ? { _error: e.error } : {}),
          },
          cache: {},
          timings: { send: 0, wait: e.durationMs, receive: 0 },
          _hmaLab: {
            id: e.id,
            from: e.from,
            to: e.to,
            steps: stepsOf.get(e.id) ?? [],
            ...(e.runId ? { runId: e.runId } : {}),
            tokens: e.tokens,
            secrets: e.secrets,
          },
        };
      }),
    },
  };
}

/** The cast as Mermaid participants, in the lanes' order. */
export const SEQUENCE_LANES: ReadonlyArray<{ party: Party; label: string }> = [
  { party: 'device', label: 'Device (Outlook mobile)' },
  { party: 'client', label: 'Client' },
  { party: 'autodetect', label: 'AutoDetect' },
  { party: 'exo', label: 'Exchange Online' },
  { party: 'entra', label: 'Entra ID' },
  { party: 'wap', label: 'WAP' },
  { party: 'adfs', label: 'AD FS' },
  { party: 'onprem-autodiscover', label: 'On-prem AutoDiscover' },
  { party: 'onprem-eas', label: 'On-prem ActiveSync' },
  { party: 'outlook-service', label: 'Outlook service' },
  { party: 'lab', label: 'Lab' },
];

/**
 * A Mermaid `sequenceDiagram` of labelled steps: one arrow per leg, numbered as
 * FLOWS.md numbers it, events as notes over their party. Lanes appear only for
 * parties that took part.
 */
export function stepsToMermaid(steps: readonly FlowStep[], title?: string): string {
  const used = new Set<Party>();
  for (const s of steps) {
    used.add(s.from);
    used.add(s.to);
  }
  const lines = ['sequenceDiagram'];
  if (title) lines.push(`  title ${mermaidText(title)}`);
  for (const lane of SEQUENCE_LANES) {
    if (used.has(lane.party)) lines.push(`  participant ${laneId(lane.party)} as ${lane.label}`);
  }
  for (const s of steps) {
    const text = mermaidText(`${s.step}. ${legText(s)}`);
    if (s.leg === 'event') lines.push(`  Note over ${laneId(s.from)}: ${text}`);
    else
      lines.push(
        `  ${laneId(s.from)}${s.leg === 'request' ? '->>' : '-->>'}${laneId(s.to)}: ${text}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

function legText(step: FlowStep): string {
  if (step.entry.kind === 'event') return step.meaning || step.entry.summary;
  const e = step.entry;
  if (step.leg === 'request') {
    const url = safeUrl(e.url);
    return `${e.method} ${url ? `${url.host}${url.pathname}` : e.url}`;
  }
  return `${e.status || 'no answer'} ${STATUS_TEXT[e.status] ?? ''}`.trim();
}

function laneId(party: Party): string {
  return party.replace(/-/g, '_');
}

/** Mermaid message text cannot hold `;`, `#` or line breaks unescaped. */
function mermaidText(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/;/g, ',')
    .replace(/#/g, '#35;');
}

function stepIndex(steps: readonly FlowStep[]): Map<number, number[]> {
  const index = new Map<number, number[]>();
  for (const s of steps) {
    const list = index.get(s.entry.id) ?? [];
    if (!list.includes(s.step)) list.push(s.step);
    index.set(s.entry.id, list);
  }
  return index;
}

function headerList(headers: Record<string, string | string[]>): HarHeader[] {
  return Object.entries(headers).flatMap(([name, value]) =>
    (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v })),
  );
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
