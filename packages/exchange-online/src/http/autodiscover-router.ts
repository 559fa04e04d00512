import express from 'express';
import type { AutodiscoverContext } from '../protocol/autodiscover.js';
import { autodiscoverEndpoint } from './autodiscover-endpoint.js';
import { autodiscoverMethodNotAllowed, autodiscoverNotFound } from './autodiscover-errors.js';

/**
 * AutoDiscover v2 on both URL forms; other methods there are 405, any other
 * path under `/autodiscover` (POX AutoDiscover is routed before) 404. Its error middleware
 * (`autodiscoverErrors`) is mounted at app level on `/autodiscover`, so that
 * errors raised before routing (body reading) get the same shape.
 */
export function autodiscoverRouter(ctx: AutodiscoverContext): express.Router {
  const router = express.Router();
  router.get('/autodiscover/autodiscover.json/v1.0/:email', autodiscoverEndpoint('v1.0-path', ctx));
  router.get('/autodiscover/autodiscover.json', autodiscoverEndpoint('email-query', ctx));
  router.all(
    ['/autodiscover/autodiscover.json', '/autodiscover/autodiscover.json/v1.0/:email'],
    autodiscoverMethodNotAllowed,
  );
  router.all(['/autodiscover', '/autodiscover/*rest'], autodiscoverNotFound);
  return router;
}
