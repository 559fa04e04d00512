// The ActiveSync WBXML code pages 0-25 (MS-ASWBXML 2.1.2.1.1 to 2.1.2.1.26).
//
// Written by hand: no maintained library carries these tables (STYLE.md, Dependencies).
// Canonical names are the element names of the current MS-AS* schemas (MS-ASCMD, MS-ASAIRS,
// MS-ASEMAIL, MS-ASCAL, MS-ASCNTC, MS-ASTASK, MS-ASPROV, MS-ASRM, ...), which is what
// MS-ASWBXML lists today. Tokens only older protocol versions used (2.5 and earlier) are kept
// so that old captures still decode; where the spec no longer names them the name is the one
// libwbxml 0.11 uses. `aliases` are accepted when encoding and by fromXml(), never produced:
// they are the names libwbxml (the acceptance reference) and older spec revisions used for
// the same token, e.g. Calendar `Attendee_Email` for `Email`.

/** One code page: number, XML namespace name, tokens (0x05-0x3F) and accepted aliases. */
export interface CodePage {
  readonly page: number;
  /** The namespace name used in tags ("AirSync:Sync") and as the XML namespace. */
  readonly name: string;
  /** Other spellings of the namespace accepted by fromXml() (libwbxml writes "Gal:"). */
  readonly namespaceAliases?: readonly string[];
  readonly tags: Readonly<Record<number, string>>;
  /** alias -> canonical name, for the same token. */
  readonly aliases?: Readonly<Record<string, string>>;
}

// Recurrence children are named alike on the Email, Calendar and Tasks pages; libwbxml
// spells them Recurrence_<Name>.
const recurrenceAliases = (names: string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [`Recurrence_${name}`, name]));

export const CODE_PAGES: readonly CodePage[] = [
  {
    // MS-ASWBXML 2.1.2.1.1 Code Page 0: AirSync (MS-ASCMD Sync elements)
    page: 0,
    name: 'AirSync',
    tags: {
      0x05: 'Sync',
      0x06: 'Responses',
      0x07: 'Add',
      0x08: 'Change',
      0x09: 'Delete',
      0x0a: 'Fetch',
      0x0b: 'SyncKey',
      0x0c: 'ClientId',
      0x0d: 'ServerId',
      0x0e: 'Status',
      0x0f: 'Collection',
      0x10: 'Class',
      0x11: 'Version', // 2.5 and earlier (libwbxml name)
      0x12: 'CollectionId',
      0x13: 'GetChanges',
      0x14: 'MoreAvailable',
      0x15: 'WindowSize',
      0x16: 'Commands',
      0x17: 'Options',
      0x18: 'FilterType',
      0x19: 'Truncation', // 2.5
      0x1a: 'RTFTruncation', // 2.5 and earlier (libwbxml name)
      0x1b: 'Conflict',
      0x1c: 'Collections',
      0x1d: 'ApplicationData',
      0x1e: 'DeletesAsMoves',
      0x1f: 'NotifyGUID', // 2.5 and earlier (libwbxml name)
      0x20: 'Supported',
      0x21: 'SoftDelete',
      0x22: 'MIMESupport',
      0x23: 'MIMETruncation',
      0x24: 'Wait', // 12.1+
      0x25: 'Limit', // 12.1+
      0x26: 'Partial', // 12.1+
      0x27: 'ConversationMode', // 14.0+
      0x28: 'MaxItems', // 14.0+
      0x29: 'HeartbeatInterval', // 14.0+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.2 Code Page 1: Contacts (MS-ASCNTC)
    page: 1,
    name: 'Contacts',
    tags: {
      0x05: 'Anniversary',
      0x06: 'AssistantName',
      0x07: 'AssistantPhoneNumber',
      0x08: 'Birthday',
      0x09: 'Body', // 2.5
      0x0a: 'BodySize', // 2.5
      0x0b: 'BodyTruncated', // 2.5
      0x0c: 'Business2PhoneNumber',
      0x0d: 'BusinessAddressCity',
      0x0e: 'BusinessAddressCountry',
      0x0f: 'BusinessAddressPostalCode',
      0x10: 'BusinessAddressState',
      0x11: 'BusinessAddressStreet',
      0x12: 'BusinessFaxNumber',
      0x13: 'BusinessPhoneNumber',
      0x14: 'CarPhoneNumber',
      0x15: 'Categories',
      0x16: 'Category',
      0x17: 'Children',
      0x18: 'Child',
      0x19: 'CompanyName',
      0x1a: 'Department',
      0x1b: 'Email1Address',
      0x1c: 'Email2Address',
      0x1d: 'Email3Address',
      0x1e: 'FileAs',
      0x1f: 'FirstName',
      0x20: 'Home2PhoneNumber',
      0x21: 'HomeAddressCity',
      0x22: 'HomeAddressCountry',
      0x23: 'HomeAddressPostalCode',
      0x24: 'HomeAddressState',
      0x25: 'HomeAddressStreet',
      0x26: 'HomeFaxNumber',
      0x27: 'HomePhoneNumber',
      0x28: 'JobTitle',
      0x29: 'LastName',
      0x2a: 'MiddleName',
      0x2b: 'MobilePhoneNumber',
      0x2c: 'OfficeLocation',
      0x2d: 'OtherAddressCity',
      0x2e: 'OtherAddressCountry',
      0x2f: 'OtherAddressPostalCode',
      0x30: 'OtherAddressState',
      0x31: 'OtherAddressStreet',
      0x32: 'PagerNumber',
      0x33: 'RadioPhoneNumber',
      0x34: 'Spouse',
      0x35: 'Suffix',
      0x36: 'Title',
      0x37: 'WebPage',
      0x38: 'YomiCompanyName',
      0x39: 'YomiFirstName',
      0x3a: 'YomiLastName',
      0x3b: 'CompressedRTF', // 2.5 and earlier (libwbxml name)
      0x3c: 'Picture',
      0x3d: 'Alias', // 14.0+
      0x3e: 'WeightedRank', // 14.0+
    },
    aliases: {
      AssistantTelephoneNumber: 'AssistantPhoneNumber',
      BusinessCity: 'BusinessAddressCity',
      BusinessCountry: 'BusinessAddressCountry',
      BusinessPostalCode: 'BusinessAddressPostalCode',
      BusinessState: 'BusinessAddressState',
      BusinessStreet: 'BusinessAddressStreet',
      HomeCity: 'HomeAddressCity',
      HomeCountry: 'HomeAddressCountry',
      HomePostalCode: 'HomeAddressPostalCode',
      HomeState: 'HomeAddressState',
      HomeStreet: 'HomeAddressStreet',
      OtherCity: 'OtherAddressCity',
      OtherCountry: 'OtherAddressCountry',
      OtherPostalCode: 'OtherAddressPostalCode',
      OtherState: 'OtherAddressState',
      OtherStreet: 'OtherAddressStreet',
      Webpage: 'WebPage',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.3 Code Page 2: Email (MS-ASEMAIL)
    page: 2,
    name: 'Email',
    tags: {
      0x05: 'Attachment', // 2.5
      0x06: 'Attachments', // 2.5
      0x07: 'AttName', // 2.5
      0x08: 'AttSize', // 2.5
      0x09: 'Att0Id', // 2.5 (a zero, not the letter O)
      0x0a: 'AttMethod', // 2.5
      0x0b: 'AttRemoved', // 2.5
      0x0c: 'Body', // 2.5
      0x0d: 'BodySize', // 2.5
      0x0e: 'BodyTruncated', // 2.5
      0x0f: 'DateReceived',
      0x10: 'DisplayName', // 2.5
      0x11: 'DisplayTo',
      0x12: 'Importance',
      0x13: 'MessageClass',
      0x14: 'Subject',
      0x15: 'Read',
      0x16: 'To',
      0x17: 'Cc',
      0x18: 'From',
      0x19: 'ReplyTo',
      0x1a: 'AllDayEvent',
      0x1b: 'Categories', // 14.0+
      0x1c: 'Category', // 14.0+
      0x1d: 'DtStamp',
      0x1e: 'EndTime',
      0x1f: 'InstanceType',
      0x20: 'BusyStatus',
      0x21: 'Location', // up to 14.1; AirSyncBase:Location from 16.0
      0x22: 'MeetingRequest',
      0x23: 'Organizer',
      0x24: 'RecurrenceId',
      0x25: 'Reminder',
      0x26: 'ResponseRequested',
      0x27: 'Recurrences',
      0x28: 'Recurrence',
      0x29: 'Type',
      0x2a: 'Until',
      0x2b: 'Occurrences',
      0x2c: 'Interval',
      0x2d: 'DayOfWeek',
      0x2e: 'DayOfMonth',
      0x2f: 'WeekOfMonth',
      0x30: 'MonthOfYear',
      0x31: 'StartTime',
      0x32: 'Sensitivity',
      0x33: 'TimeZone',
      0x34: 'GlobalObjId', // up to 14.1; Calendar:UID from 16.0
      0x35: 'ThreadTopic',
      0x36: 'MIMEData', // 2.5
      0x37: 'MIMETruncated', // 2.5
      0x38: 'MIMESize', // 2.5
      0x39: 'InternetCPID',
      0x3a: 'Flag', // 12.0+
      0x3b: 'Status', // 12.0+ (the flag status)
      0x3c: 'ContentClass', // 12.0+
      0x3d: 'FlagType', // 12.0+
      0x3e: 'CompleteTime', // 12.0+
      0x3f: 'DisallowNewTimeProposal', // 14.0+
    },
    aliases: {
      AttOId: 'Att0Id',
      CC: 'Cc',
      'Reply-To': 'ReplyTo',
      DTStamp: 'DtStamp',
      FlagStatus: 'Status',
      ...recurrenceAliases([
        'Type',
        'Until',
        'Occurrences',
        'Interval',
        'DayOfWeek',
        'DayOfMonth',
        'WeekOfMonth',
        'MonthOfYear',
      ]),
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.4 Code Page 3: AirNotify. Retired (no protocol version in use
    // defines it); the tokens are those of EAS 2.x as libwbxml carries them.
    page: 3,
    name: 'AirNotify',
    tags: {
      0x05: 'Notify',
      0x06: 'Notification',
      0x07: 'Version',
      0x08: 'LifeTime',
      0x09: 'DeviceInfo',
      0x0a: 'Enable',
      0x0b: 'Folder',
      0x0c: 'ServerId',
      0x0d: 'DeviceAddress',
      0x0e: 'ValidCarrierProfiles',
      0x0f: 'CarrierProfile',
      0x10: 'Status',
      0x11: 'Responses',
      0x12: 'Devices',
      0x13: 'Device',
      0x14: 'Id',
      0x15: 'Expiry',
      0x16: 'NotifyGUID',
      0x17: 'DeviceFriendlyName',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.5 Code Page 4: Calendar (MS-ASCAL)
    page: 4,
    name: 'Calendar',
    tags: {
      0x05: 'Timezone',
      0x06: 'AllDayEvent',
      0x07: 'Attendees',
      0x08: 'Attendee',
      0x09: 'Email',
      0x0a: 'Name',
      0x0b: 'Body', // 2.5
      0x0c: 'BodyTruncated', // 2.5
      0x0d: 'BusyStatus',
      0x0e: 'Categories',
      0x0f: 'Category',
      0x10: 'Compressed_RTF', // 2.5 and earlier (libwbxml name)
      0x11: 'DtStamp',
      0x12: 'EndTime',
      0x13: 'Exception',
      0x14: 'Exceptions',
      0x15: 'Deleted',
      0x16: 'ExceptionStartTime', // up to 14.1
      0x17: 'Location', // up to 14.1; AirSyncBase:Location from 16.0
      0x18: 'MeetingStatus',
      0x19: 'OrganizerEmail',
      0x1a: 'OrganizerName',
      0x1b: 'Recurrence',
      0x1c: 'Type',
      0x1d: 'Until',
      0x1e: 'Occurrences',
      0x1f: 'Interval',
      0x20: 'DayOfWeek',
      0x21: 'DayOfMonth',
      0x22: 'WeekOfMonth',
      0x23: 'MonthOfYear',
      0x24: 'Reminder',
      0x25: 'Sensitivity',
      0x26: 'Subject',
      0x27: 'StartTime',
      0x28: 'UID',
      0x29: 'AttendeeStatus', // 12.0+
      0x2a: 'AttendeeType', // 12.0+
      0x33: 'DisallowNewTimeProposal', // 14.0+
      0x34: 'ResponseRequested', // 14.0+
      0x35: 'AppointmentReplyTime', // 14.0+
      0x36: 'ResponseType', // 14.0+
      0x37: 'CalendarType', // 14.0+
      0x38: 'IsLeapMonth', // 14.0+
      0x39: 'FirstDayOfWeek', // 14.1+
      0x3a: 'OnlineMeetingConfLink', // 14.1+
      0x3b: 'OnlineMeetingExternalLink', // 14.1+
      0x3c: 'ClientUid', // 16.0+
    },
    aliases: {
      TimeZone: 'Timezone',
      Attendee_Email: 'Email',
      Attendee_Name: 'Name',
      DTStamp: 'DtStamp',
      Exception_Deleted: 'Deleted',
      Exception_IsDeleted: 'Deleted',
      Exception_StartTime: 'ExceptionStartTime',
      Organizer_Email: 'OrganizerEmail',
      Organizer_Name: 'OrganizerName',
      Attendee_Status: 'AttendeeStatus',
      Attendee_Type: 'AttendeeType',
      ...recurrenceAliases([
        'Type',
        'Until',
        'Occurrences',
        'Interval',
        'DayOfWeek',
        'DayOfMonth',
        'WeekOfMonth',
        'MonthOfYear',
      ]),
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.6 Code Page 5: Move (MS-ASCMD MoveItems)
    page: 5,
    name: 'Move',
    tags: {
      0x05: 'MoveItems',
      0x06: 'Move',
      0x07: 'SrcMsgId',
      0x08: 'SrcFldId',
      0x09: 'DstFldId',
      0x0a: 'Response',
      0x0b: 'Status',
      0x0c: 'DstMsgId',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.7 Code Page 6: GetItemEstimate (MS-ASCMD GetItemEstimate)
    page: 6,
    name: 'GetItemEstimate',
    tags: {
      0x05: 'GetItemEstimate',
      0x06: 'Version', // 2.5
      0x07: 'Collections',
      0x08: 'Collection',
      0x09: 'Class', // up to 12.1
      0x0a: 'CollectionId',
      0x0b: 'DateTime', // 2.5
      0x0c: 'Estimate',
      0x0d: 'Response',
      0x0e: 'Status',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.8 Code Page 7: FolderHierarchy (MS-ASCMD FolderSync, FolderCreate...)
    page: 7,
    name: 'FolderHierarchy',
    tags: {
      0x05: 'Folders', // up to 12.1
      0x06: 'Folder', // up to 12.1
      0x07: 'DisplayName',
      0x08: 'ServerId',
      0x09: 'ParentId',
      0x0a: 'Type',
      0x0b: 'Response', // 2.5 and earlier (libwbxml name)
      0x0c: 'Status',
      0x0d: 'ContentClass', // 2.5 and earlier (libwbxml name)
      0x0e: 'Changes',
      0x0f: 'Add',
      0x10: 'Delete',
      0x11: 'Update',
      0x12: 'SyncKey',
      0x13: 'FolderCreate',
      0x14: 'FolderDelete',
      0x15: 'FolderUpdate',
      0x16: 'FolderSync',
      0x17: 'Count',
      0x18: 'Version', // 2.5 and earlier (libwbxml name)
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.9 Code Page 8: MeetingResponse (MS-ASCMD MeetingResponse)
    page: 8,
    name: 'MeetingResponse',
    tags: {
      0x05: 'CalendarId',
      0x06: 'CollectionId',
      0x07: 'MeetingResponse',
      0x08: 'RequestId',
      0x09: 'Request',
      0x0a: 'Result',
      0x0b: 'Status',
      0x0c: 'UserResponse',
      0x0d: 'Version', // 2.5 and earlier (libwbxml name)
      0x0e: 'InstanceId', // 14.1+
      0x10: 'ProposedStartTime', // 16.1
      0x11: 'ProposedEndTime', // 16.1
      0x12: 'SendResponse', // 16.0+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.10 Code Page 9: Tasks (MS-ASTASK)
    page: 9,
    name: 'Tasks',
    tags: {
      0x05: 'Body', // 2.5
      0x06: 'BodySize', // 2.5
      0x07: 'BodyTruncated', // 2.5
      0x08: 'Categories',
      0x09: 'Category',
      0x0a: 'Complete',
      0x0b: 'DateCompleted',
      0x0c: 'DueDate',
      0x0d: 'UtcDueDate',
      0x0e: 'Importance',
      0x0f: 'Recurrence',
      0x10: 'Type',
      0x11: 'Start',
      0x12: 'Until',
      0x13: 'Occurrences',
      0x14: 'Interval',
      0x15: 'DayOfMonth',
      0x16: 'DayOfWeek',
      0x17: 'WeekOfMonth',
      0x18: 'MonthOfYear',
      0x19: 'Regenerate',
      0x1a: 'DeadOccur',
      0x1b: 'ReminderSet',
      0x1c: 'ReminderTime',
      0x1d: 'Sensitivity',
      0x1e: 'StartDate',
      0x1f: 'UtcStartDate',
      0x20: 'Subject',
      0x21: 'CompressedRTF', // 2.5 and earlier (libwbxml name)
      0x22: 'OrdinalDate', // 12.0+
      0x23: 'SubOrdinalDate', // 12.0+
      0x24: 'CalendarType', // 14.0+
      0x25: 'IsLeapMonth', // 14.0+
      0x26: 'FirstDayOfWeek', // 14.1+
    },
    aliases: {
      UTCDueDate: 'UtcDueDate',
      UTCStartDate: 'UtcStartDate',
      ...recurrenceAliases([
        'Type',
        'Start',
        'Until',
        'Occurrences',
        'Interval',
        'DayOfMonth',
        'DayOfWeek',
        'WeekOfMonth',
        'MonthOfYear',
        'Regenerate',
        'DeadOccur',
      ]),
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.11 Code Page 10: ResolveRecipients (MS-ASCMD ResolveRecipients)
    page: 10,
    name: 'ResolveRecipients',
    tags: {
      0x05: 'ResolveRecipients',
      0x06: 'Response',
      0x07: 'Status',
      0x08: 'Type',
      0x09: 'Recipient',
      0x0a: 'DisplayName',
      0x0b: 'EmailAddress',
      0x0c: 'Certificates',
      0x0d: 'Certificate',
      0x0e: 'MiniCertificate',
      0x0f: 'Options',
      0x10: 'To',
      0x11: 'CertificateRetrieval',
      0x12: 'RecipientCount',
      0x13: 'MaxCertificates',
      0x14: 'MaxAmbiguousRecipients',
      0x15: 'CertificateCount',
      0x16: 'Availability', // 14.0+
      0x17: 'StartTime', // 14.0+
      0x18: 'EndTime', // 14.0+
      0x19: 'MergedFreeBusy', // 14.0+
      0x1a: 'Picture', // 14.1+
      0x1b: 'MaxSize', // 14.1+
      0x1c: 'Data', // 14.1+
      0x1d: 'MaxPictures', // 14.1+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.12 Code Page 11: ValidateCert (MS-ASCMD ValidateCert)
    page: 11,
    name: 'ValidateCert',
    tags: {
      0x05: 'ValidateCert',
      0x06: 'Certificates',
      0x07: 'Certificate',
      0x08: 'CertificateChain',
      0x09: 'CheckCRL',
      0x0a: 'Status',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.13 Code Page 12: Contacts2 (MS-ASCNTC)
    page: 12,
    name: 'Contacts2',
    tags: {
      0x05: 'CustomerId',
      0x06: 'GovernmentId',
      0x07: 'IMAddress',
      0x08: 'IMAddress2',
      0x09: 'IMAddress3',
      0x0a: 'ManagerName',
      0x0b: 'CompanyMainPhone',
      0x0c: 'AccountName',
      0x0d: 'NickName',
      0x0e: 'MMS',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.14 Code Page 13: Ping (MS-ASCMD Ping)
    page: 13,
    name: 'Ping',
    tags: {
      0x05: 'Ping',
      0x06: 'AutdState', // not used by the protocol
      0x07: 'Status',
      0x08: 'HeartbeatInterval',
      0x09: 'Folders',
      0x0a: 'Folder',
      0x0b: 'Id',
      0x0c: 'Class',
      0x0d: 'MaxFolders',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.15 Code Page 14: Provision (MS-ASPROV)
    page: 14,
    name: 'Provision',
    tags: {
      0x05: 'Provision',
      0x06: 'Policies',
      0x07: 'Policy',
      0x08: 'PolicyType',
      0x09: 'PolicyKey',
      0x0a: 'Data',
      0x0b: 'Status',
      0x0c: 'RemoteWipe',
      0x0d: 'EASProvisionDoc', // 12.0+
      0x0e: 'DevicePasswordEnabled',
      0x0f: 'AlphanumericDevicePasswordRequired',
      0x10: 'RequireStorageCardEncryption',
      0x11: 'PasswordRecoveryEnabled',
      0x12: 'DocumentBrowseEnabled', // 12.0 only (libwbxml name)
      0x13: 'AttachmentsEnabled',
      0x14: 'MinDevicePasswordLength',
      0x15: 'MaxInactivityTimeDeviceLock',
      0x16: 'MaxDevicePasswordFailedAttempts',
      0x17: 'MaxAttachmentSize',
      0x18: 'AllowSimpleDevicePassword',
      0x19: 'DevicePasswordExpiration',
      0x1a: 'DevicePasswordHistory',
      0x1b: 'AllowStorageCard', // 12.1+
      0x1c: 'AllowCamera',
      0x1d: 'RequireDeviceEncryption',
      0x1e: 'AllowUnsignedApplications',
      0x1f: 'AllowUnsignedInstallationPackages',
      0x20: 'MinDevicePasswordComplexCharacters',
      0x21: 'AllowWiFi',
      0x22: 'AllowTextMessaging',
      0x23: 'AllowPOPIMAPEmail',
      0x24: 'AllowBluetooth',
      0x25: 'AllowIrDA',
      0x26: 'RequireManualSyncWhenRoaming',
      0x27: 'AllowDesktopSync',
      0x28: 'MaxCalendarAgeFilter',
      0x29: 'AllowHTMLEmail',
      0x2a: 'MaxEmailAgeFilter',
      0x2b: 'MaxEmailBodyTruncationSize',
      0x2c: 'MaxEmailHTMLBodyTruncationSize',
      0x2d: 'RequireSignedSMIMEMessages',
      0x2e: 'RequireEncryptedSMIMEMessages',
      0x2f: 'RequireSignedSMIMEAlgorithm',
      0x30: 'RequireEncryptionSMIMEAlgorithm',
      0x31: 'AllowSMIMEEncryptionAlgorithmNegotiation',
      0x32: 'AllowSMIMESoftCerts',
      0x33: 'AllowBrowser',
      0x34: 'AllowConsumerEmail',
      0x35: 'AllowRemoteDesktop',
      0x36: 'AllowInternetSharing',
      0x37: 'UnapprovedInROMApplicationList',
      0x38: 'ApplicationName',
      0x39: 'ApprovedApplicationList',
      0x3a: 'Hash',
      0x3b: 'AccountOnlyRemoteWipe', // 16.1
    },
    aliases: { DeviceEncryptionEnabled: 'RequireStorageCardEncryption' },
  },
  {
    // MS-ASWBXML 2.1.2.1.16 Code Page 15: Search (MS-ASCMD Search)
    page: 15,
    name: 'Search',
    tags: {
      0x05: 'Search',
      0x07: 'Store',
      0x08: 'Name',
      0x09: 'Query',
      0x0a: 'Options',
      0x0b: 'Range',
      0x0c: 'Status',
      0x0d: 'Response',
      0x0e: 'Result',
      0x0f: 'Properties',
      0x10: 'Total',
      0x11: 'EqualTo',
      0x12: 'Value',
      0x13: 'And',
      0x14: 'Or',
      0x15: 'FreeText',
      0x17: 'DeepTraversal',
      0x18: 'LongId',
      0x19: 'RebuildResults',
      0x1a: 'LessThan',
      0x1b: 'GreaterThan',
      0x1c: 'Schema', // 2.5 and earlier (libwbxml name)
      0x1d: 'Supported', // 2.5 and earlier (libwbxml name)
      0x1e: 'UserName', // 12.1+
      0x1f: 'Password', // 12.1+
      0x20: 'ConversationId', // 14.0+
      0x21: 'Picture', // 14.1+
      0x22: 'MaxSize', // 14.1+
      0x23: 'MaxPictures', // 14.1+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.17 Code Page 16: GAL (MS-ASCMD Search GAL results)
    page: 16,
    name: 'GAL',
    namespaceAliases: ['Gal'],
    tags: {
      0x05: 'DisplayName',
      0x06: 'Phone',
      0x07: 'Office',
      0x08: 'Title',
      0x09: 'Company',
      0x0a: 'Alias',
      0x0b: 'FirstName',
      0x0c: 'LastName',
      0x0d: 'HomePhone',
      0x0e: 'MobilePhone',
      0x0f: 'EmailAddress',
      0x10: 'Picture', // 14.1+
      0x11: 'Status', // 14.1+
      0x12: 'Data', // 14.1+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.18 Code Page 17: AirSyncBase (MS-ASAIRS)
    page: 17,
    name: 'AirSyncBase',
    tags: {
      0x05: 'BodyPreference',
      0x06: 'Type',
      0x07: 'TruncationSize',
      0x08: 'AllOrNone',
      0x0a: 'Body',
      0x0b: 'Data',
      0x0c: 'EstimatedDataSize',
      0x0d: 'Truncated',
      0x0e: 'Attachments',
      0x0f: 'Attachment',
      0x10: 'DisplayName',
      0x11: 'FileReference',
      0x12: 'Method',
      0x13: 'ContentId',
      0x14: 'ContentLocation',
      0x15: 'IsInline',
      0x16: 'NativeBodyType',
      0x17: 'ContentType',
      0x18: 'Preview', // 14.0+
      0x19: 'BodyPartPreference', // 14.1+
      0x1a: 'BodyPart', // 14.1+
      0x1b: 'Status', // 14.1+
      0x1c: 'Add', // 16.0+
      0x1d: 'Delete', // 16.0+
      0x1e: 'ClientId', // 16.0+
      0x1f: 'Content', // 16.0+
      0x20: 'Location', // 16.0+
      0x21: 'Annotation', // 16.0+
      0x22: 'Street', // 16.0+
      0x23: 'City', // 16.0+
      0x24: 'State', // 16.0+
      0x25: 'Country', // 16.0+
      0x26: 'PostalCode', // 16.0+
      0x27: 'Latitude', // 16.0+
      0x28: 'Longitude', // 16.0+
      0x29: 'Accuracy', // 16.0+
      0x2a: 'Altitude', // 16.0+
      0x2b: 'AltitudeAccuracy', // 16.0+
      0x2c: 'LocationUri', // 16.0+
      0x2d: 'InstanceId', // 16.0+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.19 Code Page 18: Settings (MS-ASCMD Settings)
    page: 18,
    name: 'Settings',
    tags: {
      0x05: 'Settings',
      0x06: 'Status',
      0x07: 'Get',
      0x08: 'Set',
      0x09: 'Oof',
      0x0a: 'OofState',
      0x0b: 'StartTime',
      0x0c: 'EndTime',
      0x0d: 'OofMessage',
      0x0e: 'AppliesToInternal',
      0x0f: 'AppliesToExternalKnown',
      0x10: 'AppliesToExternalUnknown',
      0x11: 'Enabled',
      0x12: 'ReplyMessage',
      0x13: 'BodyType',
      0x14: 'DevicePassword',
      0x15: 'Password',
      0x16: 'DeviceInformation',
      0x17: 'Model',
      0x18: 'IMEI',
      0x19: 'FriendlyName',
      0x1a: 'OS',
      0x1b: 'OSLanguage',
      0x1c: 'PhoneNumber',
      0x1d: 'UserInformation',
      0x1e: 'EmailAddresses',
      0x1f: 'SMTPAddress', // MS-ASCMD 2.2.3.171
      0x20: 'UserAgent', // 12.1+
      0x21: 'EnableOutboundSMS', // 14.0+
      0x22: 'MobileOperator', // 14.0+
      0x23: 'PrimarySmtpAddress', // 14.1+
      0x24: 'Accounts', // 14.1+
      0x25: 'Account', // 14.1+
      0x26: 'AccountId', // 14.1+
      0x27: 'AccountName', // 14.1+
      0x28: 'UserDisplayName', // 14.1+
      0x29: 'SendDisabled', // 14.1+
      0x2b: 'RightsManagementInformation', // 14.1+
    },
    aliases: {
      SmtpAddress: 'SMTPAddress',
      ihsManagementInformation: 'RightsManagementInformation',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.20 Code Page 19: DocumentLibrary (MS-ASDOC)
    page: 19,
    name: 'DocumentLibrary',
    tags: {
      0x05: 'LinkId',
      0x06: 'DisplayName',
      0x07: 'IsFolder',
      0x08: 'CreationDate',
      0x09: 'LastModifiedDate',
      0x0a: 'IsHidden',
      0x0b: 'ContentLength',
      0x0c: 'ContentType',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.21 Code Page 20: ItemOperations (MS-ASCMD ItemOperations)
    page: 20,
    name: 'ItemOperations',
    tags: {
      0x05: 'ItemOperations',
      0x06: 'Fetch',
      0x07: 'Store',
      0x08: 'Options',
      0x09: 'Range',
      0x0a: 'Total',
      0x0b: 'Properties',
      0x0c: 'Data',
      0x0d: 'Status',
      0x0e: 'Response',
      0x0f: 'Version',
      0x10: 'Schema',
      0x11: 'Part',
      0x12: 'EmptyFolderContents',
      0x13: 'DeleteSubFolders',
      0x14: 'UserName', // 12.1+
      0x15: 'Password', // 12.1+
      0x16: 'Move', // 14.0+
      0x17: 'DstFldId', // 14.0+
      0x18: 'ConversationId', // 14.0+
      0x19: 'MoveAlways', // 14.0+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.22 Code Page 21: ComposeMail (MS-ASCMD SendMail, SmartReply, ...)
    page: 21,
    name: 'ComposeMail',
    tags: {
      0x05: 'SendMail',
      0x06: 'SmartForward',
      0x07: 'SmartReply',
      0x08: 'SaveInSentItems',
      0x09: 'ReplaceMime',
      0x0b: 'Source',
      0x0c: 'FolderId',
      0x0d: 'ItemId',
      0x0e: 'LongId',
      0x0f: 'InstanceId',
      0x10: 'Mime',
      0x11: 'ClientId',
      0x12: 'Status',
      0x13: 'AccountId', // 14.1+
      0x15: 'Forwardees', // 16.0+
      0x16: 'Forwardee', // 16.0+
      0x17: 'Name', // 16.0+
      0x18: 'Email', // 16.0+
    },
    aliases: { MIME: 'Mime', ForwardeeName: 'Name', ForwardeeEmail: 'Email' },
  },
  {
    // MS-ASWBXML 2.1.2.1.23 Code Page 22: Email2 (MS-ASEMAIL)
    page: 22,
    name: 'Email2',
    tags: {
      0x05: 'UmCallerID',
      0x06: 'UmUserNotes',
      0x07: 'UmAttDuration',
      0x08: 'UmAttOrder',
      0x09: 'ConversationId',
      0x0a: 'ConversationIndex',
      0x0b: 'LastVerbExecuted',
      0x0c: 'LastVerbExecutionTime',
      0x0d: 'ReceivedAsBcc',
      0x0e: 'Sender',
      0x0f: 'CalendarType',
      0x10: 'IsLeapMonth',
      0x11: 'AccountId', // 14.1+
      0x12: 'FirstDayOfWeek', // 14.1+
      0x13: 'MeetingMessageType', // 14.1+
      0x15: 'IsDraft', // 16.0+
      0x16: 'Bcc', // 16.0+
      0x17: 'Send', // 16.0+
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.24 Code Page 23: Notes (MS-ASNOTE)
    page: 23,
    name: 'Notes',
    tags: {
      0x05: 'Subject',
      0x06: 'MessageClass',
      0x07: 'LastModifiedDate',
      0x08: 'Categories',
      0x09: 'Category',
    },
  },
  {
    // MS-ASWBXML 2.1.2.1.25 Code Page 24: RightsManagement (MS-ASRM)
    page: 24,
    name: 'RightsManagement',
    tags: {
      0x05: 'RightsManagementSupport',
      0x06: 'RightsManagementTemplates',
      0x07: 'RightsManagementTemplate',
      0x08: 'RightsManagementLicense',
      0x09: 'EditAllowed',
      0x0a: 'ReplyAllowed',
      0x0b: 'ReplyAllAllowed',
      0x0c: 'ForwardAllowed',
      0x0d: 'ModifyRecipientsAllowed',
      0x0e: 'ExtractAllowed',
      0x0f: 'PrintAllowed',
      0x10: 'ExportAllowed',
      0x11: 'ProgrammaticAccessAllowed',
      0x12: 'Owner',
      0x13: 'ContentExpiryDate',
      0x14: 'TemplateID',
      0x15: 'TemplateName',
      0x16: 'TemplateDescription',
      0x17: 'ContentOwner',
      0x18: 'RemoveRightsManagementDistribution',
    },
    aliases: { RMOwner: 'Owner' },
  },
  {
    // MS-ASWBXML 2.1.2.1.26 Code Page 25: Find (MS-ASCMD Find, 16.1). Not in libwbxml 0.11.
    page: 25,
    name: 'Find',
    tags: {
      0x05: 'Find',
      0x06: 'SearchId',
      0x07: 'ExecuteSearch',
      0x08: 'MailBoxSearchCriterion',
      0x09: 'Query',
      0x0a: 'Status',
      0x0b: 'FreeText',
      0x0c: 'Options',
      0x0d: 'Range',
      0x0e: 'DeepTraversal',
      0x11: 'Response',
      0x12: 'Result',
      0x13: 'Properties',
      0x14: 'Preview',
      0x15: 'HasAttachments',
      0x16: 'Total',
      0x17: 'DisplayCc',
      0x18: 'DisplayBcc',
      0x19: 'GalSearchCriterion',
      0x20: 'MaxPictures',
      0x21: 'MaxSize',
      0x22: 'Picture',
    },
  },
];

/** Where a tag lives on the wire. */
export interface TagToken {
  readonly page: number;
  readonly token: number;
  /** Canonical "Page:Name". */
  readonly tag: string;
}

// Lookup tables, built once; they are never mutated after module load.
const byPageToken: ReadonlyArray<ReadonlyArray<string | undefined>> = CODE_PAGES.map((cp) => {
  const row: Array<string | undefined> = new Array<string | undefined>(64).fill(undefined);
  for (const [token, name] of Object.entries(cp.tags)) row[Number(token)] = `${cp.name}:${name}`;
  return row;
});

const byTag: ReadonlyMap<string, TagToken> = (() => {
  const map = new Map<string, TagToken>();
  for (const cp of CODE_PAGES) {
    const tokenOf = new Map<string, number>();
    for (const [token, name] of Object.entries(cp.tags)) {
      const tag = `${cp.name}:${name}`;
      tokenOf.set(name, Number(token));
      map.set(tag, { page: cp.page, token: Number(token), tag });
    }
    for (const [alias, canonical] of Object.entries(cp.aliases ?? {})) {
      const token = tokenOf.get(canonical);
      if (token === undefined)
        throw new Error(`code page ${cp.name}: alias of unknown ${canonical}`);
      map.set(`${cp.name}:${alias}`, { page: cp.page, token, tag: `${cp.name}:${canonical}` });
    }
  }
  return map;
})();

const pageByNamespace: ReadonlyMap<string, CodePage> = (() => {
  const map = new Map<string, CodePage>();
  for (const cp of CODE_PAGES) {
    for (const ns of [cp.name, ...(cp.namespaceAliases ?? [])]) map.set(ns.toLowerCase(), cp);
  }
  return map;
})();

/** The canonical tag for a page and token, or undefined when the page has no such token. */
export function tagForToken(page: number, token: number): string | undefined {
  return byPageToken[page]?.[token];
}

/** Page and token of a "Page:Name" tag (canonical or alias), or undefined. */
export function tokenForTag(tag: string): TagToken | undefined {
  return byTag.get(tag);
}

/** The code page of an XML namespace ("AirSync", "airsync", libwbxml's "AirSync:"). */
export function pageForNamespace(namespace: string): CodePage | undefined {
  const bare = namespace.endsWith(':') ? namespace.slice(0, -1) : namespace;
  return pageByNamespace.get(bare.toLowerCase());
}
