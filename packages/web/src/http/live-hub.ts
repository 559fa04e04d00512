import type { Response } from 'express';
import type { TraceEntry } from '@hma-lab/core';
import type { TrainerLab } from '../trainer-lab.js';
import { doneSeq } from '../protocol/run-view.js';

/**
 * The page's live updates (Server-Sent Events): every trace entry of the lab
 * as it completes, fed by `trace.subscribe()`, plus `run`, `state` and `lab`
 * notices from the UI itself. Entries go out slim; the page asks for the
 * full view when it redraws.
 */
export interface LiveHub {
  /** Follows this lab's trace (dropping the previous lab's), while any page watches. */
  follow(lab: TrainerLab, serial: number): void;
  /** Adds an event-stream client until its connection closes. */
  attach(res: Response): void;
  broadcast(event: 'run' | 'state' | 'lab' | 'entry', data: unknown): void;
  clients(): number;
}

/** The slim form of an entry sent on the stream. */
export interface LiveEntry {
  id: number;
  runId?: string;
  seq: number;
  atMs: number;
  kind: TraceEntry['kind'];
  from: string;
  to: string;
  what: string;
  status?: number;
}

function slim(entry: TraceEntry): LiveEntry {
  const base = {
    id: entry.id,
    ...(entry.runId ? { runId: entry.runId } : {}),
    seq: doneSeq(entry),
    atMs: entry.atMs,
  };
  if (entry.kind === 'event') {
    return { ...base, kind: 'event', from: entry.party, to: entry.party, what: entry.action };
  }
  return {
    ...base,
    kind: 'exchange',
    from: entry.from,
    to: entry.to,
    what: `${entry.method} ${entry.url}`,
    status: entry.status,
  };
}

export function createLiveHub(heartbeatMs: number): LiveHub {
  const streams = new Set<Response>();
  let followed: TrainerLab | undefined;
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;

  /**
   * Subscribed to the followed lab's trace only while a page watches: a
   * subscriber makes the trace build the full entry (its JWTs decoded) for
   * every exchange, which a lab under load should not pay for while no one
   * watches.
   */
  const listenWhileWatched = (): void => {
    const wanted = followed !== undefined && streams.size > 0;
    if (wanted && !unsubscribe) {
      unsubscribe = followed!.trace.subscribe(function liveEntry(entry) {
        hub.broadcast('entry', slim(entry));
      });
    } else if (!wanted && unsubscribe) {
      unsubscribe();
      unsubscribe = undefined;
    }
  };
  const drop = (res: Response): void => {
    streams.delete(res);
    listenWhileWatched();
  };

  const send = (res: Response, event: string, data: unknown): void => {
    try {
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    } catch {
      drop(res);
    }
  };

  const hub: LiveHub = {
    follow(lab, serial) {
      if (lab === followed) return;
      const switched = followed !== undefined;
      unsubscribe?.();
      unsubscribe = undefined;
      followed = lab;
      listenWhileWatched();
      if (switched) hub.broadcast('lab', { scenario: lab.scenario.name, serial });
    },
    attach(res) {
      res.status(200);
      res.set({
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.flushHeaders();
      res.write('retry: 2000\n\n');
      streams.add(res);
      listenWhileWatched();
      if (!heartbeat) {
        // Real time on purpose: keeps proxies from closing an idle stream.
        heartbeat = setInterval(() => {
          for (const stream of streams) {
            try {
              stream.write(': keep-alive\n\n');
            } catch {
              drop(stream);
            }
          }
        }, heartbeatMs);
        heartbeat.unref();
      }
      res.on('close', () => {
        drop(res);
        if (streams.size === 0 && heartbeat) {
          clearInterval(heartbeat);
          heartbeat = undefined;
        }
      });
    },
    broadcast(event, data) {
      for (const res of streams) send(res, event, data);
    },
    clients: () => streams.size,
  };
  return hub;
}
