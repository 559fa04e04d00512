import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { createTraceRecorder, createVirtualClock, type TraceEntry } from '@hma-lab/core';
import { createLiveHub } from '../src/http/live-hub.js';
import type { TrainerLab } from '../src/trainer-lab.js';

/** An event-stream response that keeps what is written to it. */
function fakeStream(): Response & { text: string; close(): void } {
  const emitter = new EventEmitter();
  const stream = Object.assign(emitter, {
    text: '',
    status: () => stream,
    set: () => stream,
    flushHeaders: () => {},
    write(chunk: string) {
      stream.text += chunk;
      return true;
    },
    close: () => emitter.emit('close'),
  });
  return stream as unknown as Response & { text: string; close(): void };
}

describe('live hub', () => {
  it("builds the trace's full entries only while a page watches", () => {
    const trace = createTraceRecorder({ clock: createVirtualClock({ startMs: 0 }) });
    const subscribe = trace.subscribe.bind(trace);
    let listening = 0;
    trace.subscribe = (listener: (entry: TraceEntry) => void) => {
      listening++;
      const unsubscribe = subscribe(listener);
      return () => {
        listening--;
        return unsubscribe();
      };
    };
    const hub = createLiveHub(60_000);
    hub.follow({ trace, scenario: { name: 'contoso' } } as unknown as TrainerLab, 1);
    expect(listening).toBe(0);

    const page = fakeStream();
    hub.attach(page);
    expect(listening).toBe(1);
    trace.event('entra', 'entra.test', 'seen');
    expect(page.text).toContain('event: entry');
    expect(page.text).toContain('"what":"entra.test"');

    const second = fakeStream();
    hub.attach(second);
    expect(listening).toBe(1);
    page.close();
    expect(listening).toBe(1);
    second.close();
    expect(listening).toBe(0);
    expect(hub.clients()).toBe(0);
  });
});
