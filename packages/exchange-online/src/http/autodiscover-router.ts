import express from 'express';
import type { ServiceDeps } from '@hma-lab/core';
import type { AutodiscoverContext } from '../protocol/autodiscover.js';
import { autodiscoverEndpoint } from './autodiscover-endpoint.js';
import { autodiscoverErrors, autodiscoverMethodNotAllowed } from './autodiscover-errors.js';

/** AutoDiscover v2 on both URL forms, with its own error shape. */
export function autodiscoverRouter(
  deps: Pick<ServiceDeps, 'log'>,
  ctx: AutodiscoverContext,
): express.Router {
  const router = express.Router();
  router.get('/autodiscover/autodiscover.json/v1.0/:email', autodiscoverEndpoint('v1.0-path', ctx));
  router.get('/autodiscover/autodiscover.json', autodiscoverEndpoint('email-query', ctx));
  router.all(
    ['/autodiscover/autodiscover.json', '/autodiscover/autodiscover.json/*rest'],
    autodiscoverMethodNotAllowed,
  );
  router.use('/autodiscover', autodiscoverErrors(deps));
  return router;
}
