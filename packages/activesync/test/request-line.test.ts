import {
  base64EasQuery,
  EAS_COMMAND_CODES,
  EAS_OPTIONS_HEADERS,
  EAS_PROTOCOL_VERSIONS,
  EasQueryError,
  parseEasQuery,
  plainEasQuery,
  type EasRequestLine,
} from '@hma-lab/activesync';

const full: Omit<EasRequestLine, 'form'> = {
  cmd: 'SmartReply',
  user: 'alice@contoso.com',
  deviceId: 'ABCDEF0123456789',
  deviceType: 'iPhone',
  protocolVersion: '14.1',
  policyKey: '3942919513',
  locale: 0x0407,
  attachmentName: 'att/1:2',
  collectionId: '5',
  itemId: '5:12',
  longId: 'RgAAAA+long/id==',
  occurrence: '2026-11-22T10:00:00.000Z',
  saveInSent: true,
  acceptMultiPart: true,
};

describe('plain request line (MS-ASHTTP 2.2.1.1.1.2)', () => {
  it('builds the query in spec order and percent-encodes values', () => {
    expect(
      plainEasQuery({
        cmd: 'FolderSync',
        user: 'fakename',
        deviceId: 'v140Device',
        deviceType: 'SmartPhone',
      }),
    ).toBe('?Cmd=FolderSync&User=fakename&DeviceId=v140Device&DeviceType=SmartPhone');
    expect(plainEasQuery({ cmd: 'Sync', user: 'a@b.c', deviceId: 'd', deviceType: 't' })).toContain(
      'User=a%40b.c',
    );
  });

  it('reads version, policy key and AcceptMultiPart from headers, everything else from the query', () => {
    const line = parseEasQuery(plainEasQuery(full), {
      'ms-asprotocolversion': '14.1',
      'X-MS-PolicyKey': '3942919513',
      'MS-ASAcceptMultiPart': 'T',
    });
    const { locale: _locale, ...rest } = full; // the plain form has no locale field
    expect(line).toEqual({ ...rest, form: 'plain' });
  });

  it('omits User when absent (the EXO HMA probe sends none) and treats parameter names case-insensitively', () => {
    const line = parseEasQuery('?cmd=settings&deviceid=OutlookService&devicetype=OutlookService', {
      'MS-ASProtocolVersion': ['14.1'],
    });
    expect(line).toEqual({
      cmd: 'Settings',
      deviceId: 'OutlookService',
      deviceType: 'OutlookService',
      protocolVersion: '14.1',
      form: 'plain',
    });
  });

  it.each([
    ['?User=a&DeviceId=d&DeviceType=t&Cmd=', 'Cmd'],
    ['?Cmd=Sync&DeviceType=t', 'DeviceId'],
    ['?Cmd=Sync&DeviceId=d', 'DeviceType'],
    ['?Cmd=Frobnicate&DeviceId=d&DeviceType=t', 'Cmd'],
    ['?Cmd=SendMail&DeviceId=d&DeviceType=t&SaveInSent=yes', 'SaveInSent'],
  ])('rejects %s (field %s)', (query, field) => {
    expect(() => parseEasQuery(query, {})).toThrow(EasQueryError);
    try {
      parseEasQuery(query, {});
    } catch (err) {
      expect((err as EasQueryError).field).toBe(field);
    }
  });

  it.each([
    'alice%40contoso.com',
    'a+b%2Bc',
    '%E2%82%AC%20euro',
    '50%',
    '%zz%4',
    '%E2%82',
    'x=y',
    '',
  ])('decodes User=%s as a form-encoded query is decoded', (raw) => {
    const query = `?DeviceType=t&&user=${raw}&Cmd=Sync&DeviceId=d&User=second&Flag`;
    const expected = new URLSearchParams(`v=${raw}`).get('v');
    const line = parseEasQuery(query, {});
    if (expected === '') expect(line.user).toBeUndefined();
    else expect(line.user).toBe(expected);
    expect(line).toMatchObject({ cmd: 'Sync', deviceId: 'd', deviceType: 't' });
  });

  it('finds a header whatever the case of its name in a bag that is not lower-case', () => {
    const line = parseEasQuery('?Cmd=Sync&DeviceId=d&DeviceType=t', {
      'Content-Type': 'application/vnd.ms-sync.wbxml',
      'MS-ASAcceptMultiPart': 'T',
      'ms-asprotocolversionx': '99',
      'Ms-AsProtocolVersion': '16.1',
    });
    expect(line).toMatchObject({ protocolVersion: '16.1', acceptMultiPart: true });
  });

  it('rejects a malformed MS-ASProtocolVersion header and an empty query', () => {
    expect(() =>
      parseEasQuery('?Cmd=Sync&DeviceId=d&DeviceType=t', { 'MS-ASProtocolVersion': 'fourteen' }),
    ).toThrow(/MS-ASProtocolVersion/);
    expect(() => parseEasQuery('', {})).toThrow(/empty request line/);
    expect(() => parseEasQuery('/Microsoft-Server-ActiveSync?', {})).toThrow(EasQueryError);
  });
});

describe('base64 request line (MS-ASHTTP 2.2.1.1.1.1)', () => {
  it('reproduces the MS-ASHTTP example byte for byte', () => {
    const q = base64EasQuery({
      cmd: 'Sync',
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.0',
    });
    expect(q).toBe('?jAAJBAp2MTQwRGV2aWNlAApTbWFydFBob25l');
    expect(parseEasQuery(q, {})).toEqual({
      cmd: 'Sync',
      deviceId: 'v140Device',
      deviceType: 'SmartPhone',
      protocolVersion: '14.0',
      locale: 0x0409,
      form: 'base64',
    });
  });

  it('round-trips every field', () => {
    const q = base64EasQuery(full);
    expect(parseEasQuery(q, { 'MS-ASProtocolVersion': '2.5', 'X-MS-PolicyKey': '1' })).toEqual({
      ...full,
      form: 'base64',
    });
  });

  it('lays the bytes out as the spec says (policy key little-endian, parameters tag/length/value)', () => {
    const q = base64EasQuery({
      cmd: 'SendMail',
      deviceId: 'D',
      deviceType: 'T',
      protocolVersion: '16.1',
      policyKey: '1',
      saveInSent: true,
      user: 'u',
    });
    const bytes = Buffer.from(decodeURIComponent(q.slice(1)), 'base64');
    expect([...bytes]).toEqual([
      161, 1, 0x09, 0x04, 1, 0x44, 4, 1, 0, 0, 0, 1, 0x54, 7, 1, 0x01, 8, 1, 0x75,
    ]);
  });

  it.each(Object.entries(EAS_COMMAND_CODES))('carries command %s as code %i', (cmd, code) => {
    const q = base64EasQuery({ cmd, deviceId: 'd', deviceType: 't', protocolVersion: '14.1' });
    expect(Buffer.from(decodeURIComponent(q.slice(1)), 'base64')[1]).toBe(code);
    expect(parseEasQuery(q, {}).cmd).toBe(cmd);
  });

  it('shows a binary device ID as hex', () => {
    const bytes = Buffer.from([141, 0, 9, 4, 2, 0x00, 0xff, 0, 1, 0x54]);
    expect(parseEasQuery(bytes.toString('base64'), {}).deviceId).toBe('00FF');
  });

  const encode = (bytes: number[]): string => Buffer.from(bytes).toString('base64');
  it.each([
    ['not base64', '!!!notbase64'],
    ['bad percent-encoding', '%E0%A4%A'],
    ['only a version byte', encode([141])],
    ['unknown command code', encode([141, 99, 9, 4, 1, 0x44, 0, 1, 0x54])],
    ['truncated locale', encode([141, 0, 9])],
    ['device ID longer than the bytes', encode([141, 0, 9, 4, 20, 0x44])],
    ['policy key length 3', encode([141, 0, 9, 4, 1, 0x44, 3, 1, 2, 3, 1, 0x54])],
    ['truncated policy key', encode([141, 0, 9, 4, 1, 0x44, 4, 1, 2])],
    ['missing device type', encode([141, 0, 9, 4, 1, 0x44, 0])],
    ['empty device type', encode([141, 0, 9, 4, 1, 0x44, 0, 0])],
    ['parameter without length', encode([141, 0, 9, 4, 1, 0x44, 0, 1, 0x54, 8])],
    ['parameter value cut short', encode([141, 0, 9, 4, 1, 0x44, 0, 1, 0x54, 8, 5, 0x41])],
    ['unknown parameter tag', encode([141, 0, 9, 4, 1, 0x44, 0, 1, 0x54, 42, 1, 0x41])],
    ['two-byte Options', encode([141, 0, 9, 4, 1, 0x44, 0, 1, 0x54, 7, 2, 1, 1])],
  ])('rejects %s with an EasQueryError', (_name, query) => {
    expect(() => parseEasQuery(query, {})).toThrow(EasQueryError);
  });

  it('refuses to build what the form cannot carry', () => {
    const base = { cmd: 'Sync', deviceId: 'd', deviceType: 't', protocolVersion: '14.1' };
    expect(() => base64EasQuery({ ...base, cmd: 'GetHierarchy' })).toThrow(
      /no base64 command code/,
    );
    expect(() => base64EasQuery({ ...base, protocolVersion: undefined })).toThrow(
      /protocol version/,
    );
    expect(() => base64EasQuery({ ...base, policyKey: 'abc' })).toThrow(/32-bit/);
    expect(() => base64EasQuery({ ...base, policyKey: '4294967296' })).toThrow(/32-bit/);
    expect(() => base64EasQuery({ ...base, deviceId: 'x'.repeat(256) })).toThrow(/255 bytes/);
  });
});

describe('server constants', () => {
  it('lists the protocol versions and commands of an Exchange 2016/2019 OPTIONS answer', () => {
    expect(EAS_PROTOCOL_VERSIONS).toEqual([
      '2.0',
      '2.1',
      '2.5',
      '12.0',
      '12.1',
      '14.0',
      '14.1',
      '16.0',
      '16.1',
    ]);
    expect(EAS_OPTIONS_HEADERS['MS-ASProtocolVersions']).toBe(
      '2.0,2.1,2.5,12.0,12.1,14.0,14.1,16.0,16.1',
    );
    expect(EAS_OPTIONS_HEADERS['MS-ASProtocolCommands']).toMatch(
      /^Sync,SendMail,SmartForward,SmartReply,GetAttachment,GetHierarchy,/,
    );
    expect(EAS_OPTIONS_HEADERS['MS-ASProtocolCommands']).toMatch(/,ValidateCert,Find$/);
  });
});
