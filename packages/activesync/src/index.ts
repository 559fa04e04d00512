/**
 * @hma-lab/activesync — Exchange ActiveSync on the wire: the MS-ASWBXML codec with all code
 * pages, the MS-ASHTTP request forms, and an EAS client. Depends on Node built-ins only.
 *
 * @packageDocumentation
 */
export type { EasElement, EasChild } from './wbxml/element.js';
export { el, child, children, textOf, withoutNul } from './wbxml/element.js';
export {
  clientChange,
  collectionsAsTheDeviceStands,
  syncRequest,
  syncRequestCollection,
  syncWithCommands,
} from './client/sync-request.js';
export { getItemEstimateRequest, getItemEstimateResponse } from './client/get-item-estimate.js';
export { moveItemsRequest, moveItemsResponse } from './client/move-items.js';
export { findRequest, type FindQuery } from './client/find-request.js';
export { readPingRequest, type PingParameters } from './server/ping-request.js';
export { COMMAND_SHAPES, type CommandShape } from './server/command-shapes.js';
export { deviceInformationOf, type DeviceInformation } from './server/device-information.js';
export { meetingResponse, responseTypeOf, type MeetingAnswer } from './server/meeting-response.js';
export {
  CERT_STATUS,
  certificateTrust,
  DEFAULT_VALIDATE_CERT_CONFIG,
  MAX_CERTIFICATES,
  readTrustedCertificate,
  validateCertificates,
  type CertificateTrust,
  type ValidateCertConfig,
} from './server/validate-cert.js';
export {
  commandBodyIsWbxml,
  composedContent,
  isComposeCommand,
  readComposedMessage,
  readComposeRequest,
  rememberClientId,
  type ComposedMessage,
  type ComposeKind,
  type ComposeQuery,
  type ComposeRefusal,
  type ComposeRequest,
  type ComposeSource,
  type QuotedMail,
} from './server/compose-request.js';
export {
  MAX_SEARCH_TERMS,
  galProperties,
  galSearch,
  readSearchRequest,
  resolveRecipients,
  searchableText,
  searchAnswer,
  searchMailbox,
  searchLongId,
  searchPage,
  searchPageRange,
  serverIdOfSearchLongId,
  type GalPerson,
  type SearchableData,
  type SearchableMailbox,
  type SearchRange,
  type SearchRequest,
} from './server/search.js';
export { findAnswer, type FindSources, type FoundMail } from './server/find.js';
export {
  readRecurrence,
  recurrenceElement,
  recurrenceOfData,
  RecurrenceError,
  type Recurrence,
} from './format/recurrence.js';
export { parseAddressList, type ListedAddress } from './format/address-list.js';
export {
  byteLength,
  easCompactDateTime,
  easDateTime,
  formatAddress,
  formatAddressList,
  htmlFromText,
  parseEasDate,
  textFromHtml,
  truncateUtf8,
} from './format/eas-format.js';
export {
  MimeError,
  buildMime,
  parseMime,
  type MimeAttachment,
  type ParsedMessage,
} from './format/mime.js';
export {
  attachmentFetchAnswer,
  attachmentList,
  attachmentOfReference,
  attachmentReference,
  type ListedAttachment,
} from './format/attachments.js';
export {
  readBodyPreferences,
  renderBody,
  type BodyPreference,
  type BodySource,
} from './format/body.js';
export {
  ClientDataError,
  applyClientContact,
  applyClientEvent,
  categoriesElement,
  clientBody,
  clientCategories,
  clientFlagStatus,
  flagElement,
  newClientContact,
  newClientEvent,
  type ClientContact,
  type ClientEvent,
  type FlagStatus,
} from './format/client-data.js';
export {
  AUTODISCOVER_RESPONSE_SCHEMA,
  MOBILESYNC_RESPONSE_SCHEMA,
  poxAnswerXml,
  poxExchange,
  poxTraceEvent,
  readPoxRequest,
  type PoxAnswer,
  type PoxErrorCode,
  type PoxExchange,
  type PoxRequest,
  type PoxUser,
} from './autodiscover/pox.js';
export { encodeWbxml, type EncodeOptions } from './wbxml/encode.js';
export { decodeWbxml, DEFAULT_WBXML_LIMITS, type WbxmlLimits } from './wbxml/decode.js';
export { toXml, fromXml } from './wbxml/xml.js';
export {
  CODE_PAGES,
  tagForToken,
  tokenForTag,
  pageForNamespace,
  type CodePage,
  type TagToken,
} from './wbxml/code-pages.js';
export {
  WbxmlError,
  WbxmlNulTextError,
  EasQueryError,
  EasHttpError,
  EasStatusError,
} from './errors.js';

/**
 * The media type of every ActiveSync request and response body.
 *
 * @see MS-ASHTTP 2.2.1.1.2.2
 */
export const WBXML_CONTENT_TYPE = 'application/vnd.ms-sync.wbxml';

export {
  parseEasQuery,
  plainEasQuery,
  base64EasQuery,
  type EasRequestLine,
  requestLineUserIs,
} from './ashttp/request-line.js';
export {
  EAS_COMMAND_CODES,
  EAS_PROTOCOL_VERSIONS,
  EAS_COMMANDS,
  EAS_OPTIONS_HEADERS,
  PING_LIMITS,
  isPingHeartbeat,
} from './ashttp/constants.js';

export { createEasClient } from './client/eas-client.js';
export type {
  EasAttachment,
  EasClient,
  EasClientOptions,
  EasClientState,
  EasFolder,
  EasItem,
  EasSyncOptions,
} from './client/types.js';
