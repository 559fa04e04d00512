import type { Request, RequestHandler, Response } from 'express';
import { labelFlow, type FlowName } from '@hma-lab/core';
import { InvalidRequestError, UnknownEntryError } from '../errors.js';
import { stepExplanation } from '../protocol/explanations.js';
import { importantHeaders } from '../protocol/headers.js';
import { tokenId } from '../protocol/tokens.js';
import type { TrainerSession } from './session.js';

/**
 * `GET /_ui/api/entries/:id?flow=A`: one trace entry in full (headers, bodies,
 * tokens decoded), with the steps it plays in the flow, their plain-words
 * explanations and which headers matter.
 */
export function entryEndpoint(session: TrainerSession): RequestHandler {
  return function getEntry(req: Request, res: Response) {
    const lab = session.lab();
    const id = Number(req.params.id);
    if (!Number.isInteger(id)) throw new UnknownEntryError(String(req.params.id));
    const flow = (req.query.flow ?? 'A') as FlowName;
    if (flow !== 'A' && flow !== 'B' && flow !== 'C') {
      throw new InvalidRequestError('"flow" must be A, B or C');
    }
    const entry = lab.trace.entry(id);
    if (!entry) throw new UnknownEntryError(String(id));
    const legs = labelFlow([entry], flow).map((s) => ({
      leg: s.leg,
      step: s.step,
      from: s.from,
      to: s.to,
      meaning: s.meaning,
      explanation: stepExplanation(flow, s.step) ?? s.meaning,
    }));
    res.json({
      entry,
      flow,
      legs,
      tokenIds: entry.kind === 'exchange' ? entry.tokens.map((t) => tokenId(t.raw)) : [],
      important:
        entry.kind === 'exchange'
          ? {
              request: importantHeaders(entry.requestHeaders, 'request'),
              response: importantHeaders(entry.responseHeaders, 'response'),
            }
          : { request: [], response: [] },
    });
  };
}
