import type { NextFunction, Request, Response } from 'express';
import { jsonApiErrorHandler } from '@hma-lab/core';
import { UnsupportedMediaTypeError } from '../errors.js';

/** The largest JSON body the trainer UI's API takes. */
export const TRAINER_API_BODY_LIMIT = '64kb';

/**
 * State-changing calls must carry JSON: a form posted by another web page
 * cannot, so the lab's controls are not reachable from someone else's site.
 */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if ((req.method === 'POST' || req.method === 'PUT') && !req.is('application/json')) {
    next(new UnsupportedMediaTypeError());
    return;
  }
  next();
}

/** The API's one error middleware (core's, shared with the admin API). */
export const trainerUiError = jsonApiErrorHandler({
  name: 'trainer UI',
  bodyLimit: TRAINER_API_BODY_LIMIT,
});
