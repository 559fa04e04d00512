import type { Request, RequestHandler, Response } from 'express';
import type { FaultBoard, HostMap } from '@hma-lab/core';
import type { ResolvedAutodetectConfig } from '../config.js';
import { STILL_SEARCHING, type Detector } from '../discovery/detector.js';
import { AutodetectUnavailableError } from '../errors.js';
import { answerFromDetection } from '../protocol/answer.js';
import { parseDetectRequest } from '../protocol/detect-request.js';

/**
 * Faults of the core catalogue (docs/faults.md) that AutoDetect honours:
 * every answer 503, 204 or 202, or the AutoDiscover v2 call of step 2 timing out.
 */
export const AUTODETECT_FAULTS = {
  unavailable: 'autodetect-503',
  nothingFound: 'autodetect-204',
  stillSearching: 'autodetect-202',
  autodiscoverTimeout: 'autodiscover-timeout',
} as const;

export interface DetectEndpointDeps {
  detector: Detector;
  config: ResolvedAutodetectConfig;
  hosts: HostMap;
  faults: FaultBoard;
}

/**
 * `GET /detect` (and `/autodetect/detect`): step 1 in, step 6 out.
 * 200 found, 202 still searching, 204 nothing found, 503 unavailable.
 */
export function detectEndpoint(deps: DetectEndpointDeps): RequestHandler {
  const restHostname = deps.hosts.hostnames('exo')[1] ?? deps.hosts.primary('exo');
  return async function detect(req: Request, res: Response) {
    if (deps.faults.isOn(AUTODETECT_FAULTS.unavailable)) {
      throw new AutodetectUnavailableError('AutoDetect is unavailable (fault autodetect-503)');
    }
    const request = parseDetectRequest({
      xEmail: req.get('x-email'),
      authorization: req.get('authorization'),
      services: req.query.services,
      protocols: req.query.protocols,
      timeout: req.query.timeout,
    });
    const budgetMs = Math.min(
      request.timeoutMs ?? deps.config.responseBudgetMs,
      deps.config.maxResponseBudgetMs,
    );
    res.setHeader('Cache-Control', 'no-store');
    if (deps.faults.isOn(AUTODETECT_FAULTS.nothingFound)) {
      res.status(204).end();
      return;
    }
    const detection = deps.faults.isOn(AUTODETECT_FAULTS.stillSearching)
      ? STILL_SEARCHING
      : await deps.detector.detect(request.email, budgetMs);
    if (detection === STILL_SEARCHING) {
      res.status(202).end();
      return;
    }
    if (detection.kind === 'unavailable') throw new AutodetectUnavailableError(detection.reason);
    const answer = answerFromDetection(detection, request.filter, restHostname);
    if (answer.status === 204) {
      if (answer.autodiscoverError) res.setHeader('X-AutoDv2-Error', answer.autodiscoverError);
      res.status(204).end();
      return;
    }
    res.status(200).json(answer.body);
  };
}
