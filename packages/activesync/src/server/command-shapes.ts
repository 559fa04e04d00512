/**
 * Where each command puts its top-level `Status` (MS-ASCMD 2.2.2: the common
 * status codes 101-177 go in the command's own root element), and the Status it
 * uses for a request it cannot make sense of.
 */
export interface CommandShape {
  /** Root element of request and response, e.g. `FolderHierarchy:FolderSync`. */
  root: string;
  /** The top-level Status element. */
  status: string;
  /** Status for a malformed request (protocol error). */
  protocolError: number;
}

export const COMMAND_SHAPES: Readonly<Record<string, CommandShape>> = {
  Sync: { root: 'AirSync:Sync', status: 'AirSync:Status', protocolError: 4 },
  FolderSync: {
    root: 'FolderHierarchy:FolderSync',
    status: 'FolderHierarchy:Status',
    protocolError: 10,
  },
  FolderCreate: {
    root: 'FolderHierarchy:FolderCreate',
    status: 'FolderHierarchy:Status',
    protocolError: 10,
  },
  FolderUpdate: {
    root: 'FolderHierarchy:FolderUpdate',
    status: 'FolderHierarchy:Status',
    protocolError: 10,
  },
  FolderDelete: {
    root: 'FolderHierarchy:FolderDelete',
    status: 'FolderHierarchy:Status',
    protocolError: 10,
  },
  GetItemEstimate: {
    root: 'GetItemEstimate:GetItemEstimate',
    status: 'GetItemEstimate:Status',
    protocolError: 2,
  },
  Ping: { root: 'Ping:Ping', status: 'Ping:Status', protocolError: 4 },
  Provision: { root: 'Provision:Provision', status: 'Provision:Status', protocolError: 2 },
  Settings: { root: 'Settings:Settings', status: 'Settings:Status', protocolError: 2 },
  ItemOperations: {
    root: 'ItemOperations:ItemOperations',
    status: 'ItemOperations:Status',
    protocolError: 2,
  },
  Search: { root: 'Search:Search', status: 'Search:Status', protocolError: 103 },
  SendMail: { root: 'ComposeMail:SendMail', status: 'ComposeMail:Status', protocolError: 103 },
  SmartReply: { root: 'ComposeMail:SmartReply', status: 'ComposeMail:Status', protocolError: 103 },
  SmartForward: {
    root: 'ComposeMail:SmartForward',
    status: 'ComposeMail:Status',
    protocolError: 103,
  },
  MoveItems: { root: 'Move:MoveItems', status: 'Move:Status', protocolError: 103 },
  MeetingResponse: {
    root: 'MeetingResponse:MeetingResponse',
    status: 'MeetingResponse:Status',
    protocolError: 103,
  },
  ResolveRecipients: {
    root: 'ResolveRecipients:ResolveRecipients',
    status: 'ResolveRecipients:Status',
    protocolError: 5,
  },
  ValidateCert: {
    root: 'ValidateCert:ValidateCert',
    status: 'ValidateCert:Status',
    protocolError: 103,
  },
  Find: { root: 'Find:Find', status: 'Find:Status', protocolError: 103 },
};
