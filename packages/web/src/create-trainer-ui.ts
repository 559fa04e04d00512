import express, { type NextFunction, type Request, type Response } from 'express';
import { resolveTrainerUiOptions, type TrainerUiOptions } from './config.js';
import { NotFoundError } from './errors.js';
import { clockAdvanceEndpoint } from './http/clock-endpoint.js';
import { entryEndpoint } from './http/entry-endpoint.js';
import { TRAINER_API_BODY_LIMIT, requireJson, trainerUiError } from './http/error-handler.js';
import { eventsEndpoint } from './http/events-endpoint.js';
import { exportEndpoint } from './http/export-endpoint.js';
import { faultOffEndpoint, faultOnEndpoint } from './http/faults-endpoint.js';
import { listRunsEndpoint, runViewEndpoint, startRunEndpoint } from './http/runs-endpoint.js';
import { scenarioEndpoint } from './http/scenario-endpoint.js';
import { createTrainerSession } from './http/session.js';
import { stateEndpoint } from './http/state-endpoint.js';
import { staticAssets, trailingSlash } from './http/static-assets.js';

/** Where the page's JSON API lives, relative to the mount point. */
export const TRAINER_API_PREFIX = '/_ui/api';

export function createTrainerUi(options: TrainerUiOptions): express.Express {
  const session = createTrainerSession(resolveTrainerUiOptions(options));
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const api = express.Router();
  api.use(express.json({ limit: TRAINER_API_BODY_LIMIT }));
  api.use(requireJson);
  api.use(function noStore(_req: Request, res: Response, next: NextFunction) {
    res.set('cache-control', 'no-store');
    next();
  });
  api.get('/state', stateEndpoint(session));
  api.get('/events', eventsEndpoint(session));
  api.get('/runs', listRunsEndpoint(session));
  api.post('/runs', startRunEndpoint(session));
  api.get('/runs/:runId/view', runViewEndpoint(session));
  api.get('/runs/:runId/export', exportEndpoint(session));
  api.get('/entries/:id', entryEndpoint(session));
  api.put('/faults/:name', faultOnEndpoint(session));
  api.delete('/faults/:name', faultOffEndpoint(session));
  api.post('/clock/advance', clockAdvanceEndpoint(session));
  api.post('/scenario', scenarioEndpoint(session));
  api.use(function apiNotFound(req: Request, _res: Response, next: NextFunction) {
    next(new NotFoundError(req.path));
  });
  api.use(trainerUiError);

  app.use(TRAINER_API_PREFIX, api);
  app.use(trailingSlash);
  app.use(staticAssets());
  return app;
}
