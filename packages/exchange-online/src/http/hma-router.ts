import express from 'express';
import { accountEndpoint } from './account-endpoint.js';
import { attachmentEndpoint, attachmentsEndpoint } from './attachment-endpoints.js';
import { requireAt1, type HmaAuthContext } from './hma-auth.js';
import { hmaNotFound } from './hma-errors.js';
import {
  contactsEndpoint,
  eventsEndpoint,
  featureEndpoint,
  messagesEndpoint,
  type MailboxEndpointDeps,
} from './mailbox-endpoints.js';
import { provisionEndpoint } from './provision-endpoint.js';
import { searchEndpoint } from './search-endpoint.js';

/**
 * The HMA client API (steps 16 and 20), under `/api/hma/v1`. Its error
 * middleware (`hmaErrors`) is mounted at app level.
 */
export function hmaRouter(auth: HmaAuthContext, data: MailboxEndpointDeps): express.Router {
  const router = express.Router();
  const base = '/api/hma/v1';
  const at20 = requireAt1(auth, 20);
  router.post(`${base}/provision`, requireAt1(auth, 16), provisionEndpoint(data));
  router.get(`${base}/account`, at20, accountEndpoint(data));
  router.get(`${base}/mailbox/messages`, at20, messagesEndpoint(data));
  router.get(`${base}/mailbox/messages/:id/attachments`, at20, attachmentsEndpoint(data));
  router.get(
    `${base}/mailbox/messages/:id/attachments/:attachmentId`,
    at20,
    attachmentEndpoint(data),
  );
  router.get(`${base}/mailbox/events`, at20, eventsEndpoint(data));
  router.get(`${base}/mailbox/contacts`, at20, contactsEndpoint(data));
  router.get(`${base}/mailbox/search`, at20, searchEndpoint(data));
  router.all(`${base}/mailbox/drafts`, at20, featureEndpoint(data, 'draftsSync'));
  router.all(`${base}/mailbox/tasks`, at20, featureEndpoint(data, 'tasks'));
  router.all(
    [`${base}/mailbox/calendars/shared`, `${base}/mailbox/calendars/delegate`],
    at20,
    featureEndpoint(data, 'sharedCalendars'),
  );
  router.all(
    `${base}/mailbox/events/:id/attachments`,
    at20,
    featureEndpoint(data, 'calendarAttachments'),
  );
  router.all(['/api', '/api/*rest'], hmaNotFound);
  return router;
}
