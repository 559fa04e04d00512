// MS-ASHTTP constants a client and a server share.

/**
 * Command codes of the base64 request line.
 *
 * @see MS-ASHTTP 2.2.1.1.1.1.2
 */
export const EAS_COMMAND_CODES: Record<string, number> = {
  Sync: 0,
  SendMail: 1,
  SmartForward: 2,
  SmartReply: 3,
  GetAttachment: 4,
  FolderSync: 9,
  FolderCreate: 10,
  FolderDelete: 11,
  FolderUpdate: 12,
  MoveItems: 13,
  GetItemEstimate: 14,
  MeetingResponse: 15,
  Search: 16,
  Settings: 17,
  Ping: 18,
  ItemOperations: 19,
  Provision: 20,
  ResolveRecipients: 21,
  ValidateCert: 22,
  Find: 23,
};

/**
 * Protocol versions an Exchange 2016/2019 server offers, oldest first.
 *
 * @see MS-ASHTTP 2.2.2.1.2.2 (MS-ASProtocolVersions)
 */
export const EAS_PROTOCOL_VERSIONS: string[] = [
  '2.0',
  '2.1',
  '2.5',
  '12.0',
  '12.1',
  '14.0',
  '14.1',
  '16.0',
  '16.1',
];

/**
 * Commands a server lists in MS-ASProtocolCommands: the MS-ASHTTP §4 sample list (which keeps
 * the 2.x names GetHierarchy, CreateCollection, DeleteCollection, MoveCollection) with `Find`
 * (16.1) appended; whether Exchange appends Find is unconfirmed (protocol-facts §6.1).
 *
 * @see MS-ASHTTP 4 (OPTIONS example); protocol-facts §6.1
 */
export const EAS_COMMANDS: string[] = [
  'Sync',
  'SendMail',
  'SmartForward',
  'SmartReply',
  'GetAttachment',
  'GetHierarchy',
  'CreateCollection',
  'DeleteCollection',
  'MoveCollection',
  'FolderSync',
  'FolderCreate',
  'FolderDelete',
  'FolderUpdate',
  'MoveItems',
  'GetItemEstimate',
  'MeetingResponse',
  'Search',
  'Settings',
  'Ping',
  'ItemOperations',
  'Provision',
  'ResolveRecipients',
  'ValidateCert',
  'Find',
];

/**
 * Headers of a server's answer to `OPTIONS /Microsoft-Server-ActiveSync` (as Exchange
 * 2016/2019 sends them). `MS-Server-ActiveSync` carries the server build; override it as needed.
 *
 * @example res.set(EAS_OPTIONS_HEADERS).status(200).end()
 * @see MS-ASHTTP 2.2.2.1.2, 3.2.5.2; protocol-facts §6.1
 */
export const EAS_OPTIONS_HEADERS: Readonly<Record<string, string>> = {
  Allow: 'OPTIONS,POST',
  Public: 'OPTIONS,POST',
  'MS-Server-ActiveSync': '15.1',
  'MS-ASProtocolVersions': EAS_PROTOCOL_VERSIONS.join(','),
  'MS-ASProtocolCommands': EAS_COMMANDS.join(','),
};

/** Version number of the base64 request line: '14.1' <-> 141 (MS-ASHTTP 2.2.1.1.1.1.1). */
export function protocolVersionToByte(version: string): number | undefined {
  const m = /^(\d{1,2})\.(\d)$/.exec(version);
  if (!m) return undefined;
  const value = Number(m[1]) * 10 + Number(m[2]);
  return value <= 255 ? value : undefined;
}

export function protocolVersionFromByte(byte: number): string {
  return `${Math.floor(byte / 10)}.${byte % 10}`;
}

/**
 * Exchange's default Ping limits: HeartbeatInterval from 60 to 3540 seconds,
 * at most 300 folders (MS-ASCMD 2.2.3.84, 2.2.3.99). A heartbeat outside them
 * is answered Status 5 with the limit.
 */
export const PING_LIMITS = { minHeartbeatS: 60, maxHeartbeatS: 3540, maxFolders: 300 } as const;

/** Whether `ms` is a heartbeat within {@link PING_LIMITS}, in whole seconds. */
export function isPingHeartbeat(ms: number): boolean {
  return (
    ms % 1000 === 0 &&
    ms >= PING_LIMITS.minHeartbeatS * 1000 &&
    ms <= PING_LIMITS.maxHeartbeatS * 1000
  );
}
