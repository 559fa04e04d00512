import express from 'express';
import { activeSyncEndpoint, type ActiveSyncEndpointDeps } from './activesync-endpoint.js';

/**
 * `/Microsoft-Server-ActiveSync` for cloud mailboxes (flow B), any method. Its
 * error middleware (`activeSyncErrors`) is mounted at app level.
 */
export function activeSyncRouter(endpoint: ActiveSyncEndpointDeps): express.Router {
  const router = express.Router();
  router.all('/Microsoft-Server-ActiveSync', activeSyncEndpoint(endpoint));
  return router;
}
