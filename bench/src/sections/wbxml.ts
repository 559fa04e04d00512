import { decodeWbxml, el, encodeWbxml, type EasElement } from '@hma-lab/activesync';
import type { BenchContext } from '../context.js';
import { round } from '../lib/stats.js';

/**
 * WBXML codec throughput on a Sync response with 100 messages, shaped like
 * what exchange-onprem sends Exchange Online at step 19 (MS-ASEMAIL
 * ApplicationData with an HTML body of a few kB, flags, categories,
 * conversation ids as opaque data). MB/s counts WBXML bytes (1 MB = 10^6 B).
 */

export interface WbxmlResult {
  messages: number;
  wbxmlBytes: number;
  elements: number;
  encodeMBperS: number;
  decodeMBperS: number;
  encodeMs: number;
  decodeMs: number;
}

const WORDS =
  'hybrid modern authentication exchange online cloud cache sync mailbox token device calendar contact policy'.split(
    ' ',
  );

function text(seed: number, words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[(seed * 7 + i * 13) % WORDS.length]!);
  return out.join(' ');
}

function message(i: number): EasElement {
  const html = `<html><body><p>${text(i, 220)}</p><p>${text(i + 1, 180)}</p></body></html>`;
  const date = new Date(Date.UTC(2026, 10, 1, 8, 0, 0) + i * 3_600_000).toISOString();
  return el(
    'AirSync:Add',
    el('AirSync:ServerId', `5:${i + 1}`),
    el(
      'AirSync:ApplicationData',
      el('Email:To', `"Bench User ${i}" <user${i}@fabrikam.com>`),
      el('Email:Cc', '"Alice Wong" <alice@contoso.com>'),
      el('Email:From', `"Sender ${i % 17}" <sender${i % 17}@contoso.com>`),
      el('Email:Subject', `Re: ${text(i, 8)}`),
      el('Email:DateReceived', date),
      el('Email:DisplayTo', `Bench User ${i}`),
      el('Email:ThreadTopic', text(i, 8)),
      el('Email:Importance', 1),
      el('Email:Read', i % 3 === 0 ? 1 : 0),
      el(
        'AirSyncBase:Body',
        el('AirSyncBase:Type', 2),
        el('AirSyncBase:EstimatedDataSize', Buffer.byteLength(html)),
        el('AirSyncBase:Data', html),
      ),
      el('Email:MessageClass', 'IPM.Note'),
      el('Email:InternetCPID', 65001),
      el(
        'Email:Flag',
        i % 5 === 0 && el('Email:Status', 2),
        i % 5 === 0 && el('Email:FlagType', 'Follow up'),
      ),
      el('Email:ContentClass', 'urn:content-classes:message'),
      el('AirSyncBase:NativeBodyType', 2),
      el('Email2:ConversationId', Buffer.from(`conversation-${i % 20}`.padEnd(16, '-'))),
      el('Email2:ConversationIndex', Buffer.from([1, 2, 3, 4, 5, i % 256])),
      el('Email:Categories', el('Email:Category', 'Blue category')),
    ),
  );
}

/** A Sync response: one Inbox collection, `count` Adds, MoreAvailable. */
export function syncResponse(count: number): EasElement {
  return el(
    'AirSync:Sync',
    el(
      'AirSync:Collections',
      el(
        'AirSync:Collection',
        el('AirSync:SyncKey', '{a1b2c3d4-0000-4000-8000-000000000002}2'),
        el('AirSync:CollectionId', '5'),
        el('AirSync:Status', 1),
        el(
          'AirSync:Commands',
          Array.from({ length: count }, (_, i) => message(i)),
        ),
        el('AirSync:MoreAvailable'),
      ),
    ),
  );
}

function countElements(node: EasElement): number {
  return 1 + node.children.reduce((sum, c) => sum + countElements(c), 0);
}

function timeLoop(durationS: number, op: () => unknown): number {
  for (let i = 0; i < 20; i++) op();
  let n = 0;
  const started = performance.now();
  const end = started + durationS * 1000;
  while (performance.now() < end) {
    op();
    n++;
  }
  return (performance.now() - started) / n;
}

export function measureWbxml(ctx: BenchContext): WbxmlResult {
  const { messages, durationS } = ctx.settings.wbxml;
  const tree = syncResponse(messages);
  const bytes = encodeWbxml(tree);
  const decoded = decodeWbxml(bytes);
  if (!encodeWbxml(decoded).equals(bytes)) throw new Error('WBXML round trip changed the bytes');
  const encodeMs = timeLoop(durationS, () => encodeWbxml(tree));
  const decodeMs = timeLoop(durationS, () => decodeWbxml(bytes));
  const mbPerS = (ms: number) => round(bytes.length / 1e6 / (ms / 1000), 1);
  const result: WbxmlResult = {
    messages,
    wbxmlBytes: bytes.length,
    elements: countElements(tree),
    encodeMBperS: mbPerS(encodeMs),
    decodeMBperS: mbPerS(decodeMs),
    encodeMs: round(encodeMs, 3),
    decodeMs: round(decodeMs, 3),
  };
  ctx.log(
    `wbxml: ${bytes.length} bytes, encode ${result.encodeMBperS} MB/s, decode ${result.decodeMBperS} MB/s`,
  );
  return result;
}
