import type { Request, RequestHandler, Response } from 'express';
import { MAX_ADVANCE_MS, parseDuration } from '@hma-lab/core';
import { InvalidRequestError } from '../errors.js';
import { durationText } from '../protocol/duration-text.js';
import type { AdvanceRecord } from '../protocol/run-record.js';
import { lastSeq, type TrainerSession } from './session.js';

/**
 * `POST /_ui/api/clock/advance` `{"by":"2h"}`: moves the lab's virtual clock,
 * firing whatever falls due (AT2 renewals, syncs, expiries, purges); the new
 * trace entries show as their own segment of the diagram.
 */
export function clockAdvanceEndpoint(session: TrainerSession): RequestHandler {
  return async function advanceClock(req: Request, res: Response) {
    const lab = session.lab();
    const by = (req.body as { by?: unknown } | undefined)?.by;
    if (typeof by !== 'string' && typeof by !== 'number') {
      throw new InvalidRequestError('body must be {"by": "<duration>"}, e.g. {"by":"14d"}');
    }
    let ms: number;
    try {
      ms = parseDuration(by);
    } catch (error) {
      throw new InvalidRequestError(`"by": ${(error as Error).message}`);
    }
    if (!(ms > 0) || ms > MAX_ADVANCE_MS) {
      throw new InvalidRequestError('"by" must be more than 0 and at most 366d');
    }
    const result = await session.exclusive(
      `advancing the clock by ${durationText(ms)}`,
      async () => {
        const memory = session.memory(lab);
        const advance: AdvanceRecord = {
          id: memory.advances.length + 1,
          by: durationText(ms),
          fromMs: lab.clock.now(),
          toMs: lab.clock.now() + ms,
          afterSeq: lastSeq(lab),
        };
        memory.advances.push(advance);
        try {
          const report = await lab.clock.advance(ms);
          return { advance, fired: report.fired.length };
        } catch (error) {
          memory.advances.pop();
          // The clock refuses to advance while it is advancing (a CLI or test elsewhere):
          // a ClockBusyError, 409 busy.
          throw error;
        } finally {
          advance.untilSeq = lastSeq(lab);
          advance.toMs = lab.clock.now();
          session.hub.broadcast('state', { clock: { nowMs: lab.clock.now() } });
        }
      },
    );
    res.json({
      clock: { nowMs: lab.clock.now(), iso: new Date(lab.clock.now()).toISOString() },
      advance: result.advance,
      fired: result.fired,
    });
  };
}
