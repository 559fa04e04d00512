import {
  child,
  children,
  decodeWbxml,
  el,
  encodeWbxml,
  fromXml,
  textOf,
  toXml,
  WbxmlError,
  WBXML_CONTENT_TYPE,
  type EasElement,
} from '@hma-lab/activesync';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('WBXML codec', () => {
  it('encodes the Settings UserInformation Get request exactly as CSS-HMAEAS captured it', () => {
    const body = encodeWbxml(
      el('Settings:Settings', el('Settings:UserInformation', el('Settings:Get'))),
    );
    expect(body).toEqual(hex('03 01 6A 00 00 12 45 5D 07 01 01'));
  });

  it('decodes a byte view inside a larger buffer, ASCII and UTF-8 strings alike, into exact trees', () => {
    const doc = el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el('AirSync:Collection', el('AirSync:SyncKey', '42'), el('AirSync:CollectionId', '7')),
        el('AirSync:Collection', el('AirSync:SyncKey', 'Zoë 😀'), el('AirSync:GetChanges')),
      ),
      el('AirSync:WindowSize', 5),
    );
    const bytes = encodeWbxml(doc);
    const backing = new Uint8Array(bytes.length + 20).fill(0xff);
    backing.set(bytes, 9);
    const view = new Uint8Array(backing.buffer, 9, bytes.length);
    expect(decodeWbxml(view)).toEqual(doc);
    expect(decodeWbxml(Buffer.from(bytes))).toEqual(doc);
    // Texts past the encoder's estimate of 3 bytes per character are measured.
    const long = el(
      'AirSync:Sync',
      el('AirSync:SyncKey', 'é'.repeat(5000)),
      el('AirSync:Limit', 'x'.repeat(9000)),
    );
    expect(decodeWbxml(encodeWbxml(long))).toEqual(long);
    expect(
      textOf(decodeWbxml(view), 'AirSync:Collections', 'AirSync:Collection', 'AirSync:SyncKey'),
    ).toBe('42');
  });

  it('encodes the MS-ASWBXML Sync response example with page switches and inline strings', () => {
    const doc = el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el(
          'AirSync:Collection',
          el('AirSync:Class', 'Contacts'),
          el('AirSync:SyncKey', '2'),
          el('AirSync:CollectionId', '2'),
          el('AirSync:Status', 1),
          el(
            'AirSync:Commands',
            el(
              'AirSync:Add',
              el('AirSync:ServerId', '2:1'),
              el('AirSync:ApplicationData', el('Contacts:FirstName', 'Funk')),
            ),
          ),
        ),
      ),
    );
    const body = encodeWbxml(doc);
    expect(body.subarray(0, 24)).toEqual(
      hex('03 01 6A 00 45 5C 4F 50 03 436F6E7461637473 00 01 4B 03 32 00 01'),
    );
    // ApplicationData (0x5D) then SWITCH_PAGE 1 and FirstName (0x1F | 0x40).
    expect(body.includes(hex('5D 00 01 5F 03 46756E6B 00 01'))).toBe(true);
    expect(decodeWbxml(body)).toEqual(doc);
  });

  it('round-trips opaque data byte for byte', () => {
    const data = new Uint8Array([0, 1, 2, 0xff, 0x80, 0x00]);
    const doc = el(
      'ComposeMail:SendMail',
      el('ComposeMail:ClientId', 'c1'),
      el('ComposeMail:Mime', data),
    );
    const back = decodeWbxml(encodeWbxml(doc));
    expect(child(back, 'ComposeMail:Mime')?.opaque).toEqual(data);
  });

  it('decodes tokens without content as empty elements', () => {
    const root = decodeWbxml(hex('03 01 6A 00 45 5C 4F 13 01 01 01'));
    expect(root).toEqual(
      el(
        'AirSync:Sync',
        el('AirSync:Collections', el('AirSync:Collection', el('AirSync:GetChanges'))),
      ),
    );
  });

  it('accepts alias spellings when encoding and always decodes to the canonical name', () => {
    const body = encodeWbxml(el('Calendar:Attendee_Email', 'a@contoso.com'));
    expect(decodeWbxml(body).tag).toBe('Calendar:Email');
  });

  it('rejects unknown tags when encoding', () => {
    expect(() => encodeWbxml(el('AirSync:Nope'))).toThrow(WbxmlError);
    expect(() => encodeWbxml(el('Nowhere:Sync'))).toThrow(/unknown tag "Nowhere:Sync"/);
  });

  it('refuses what WBXML cannot carry: NUL in text, trees deeper than 256 (or cyclic)', () => {
    expect(() => encodeWbxml(el('Email:Subject', 'a\0b'))).toThrow(/NUL character/);
    const loop = el('AirSync:Sync');
    loop.children.push(loop);
    expect(() => encodeWbxml(loop)).toThrow(/deeper than 256/);
  });

  it('keeps text and opaque data of one element', () => {
    const mixed = el('AirSyncBase:Data', 'head', new Uint8Array([1, 2]));
    expect(decodeWbxml(encodeWbxml(mixed))).toEqual(mixed);
  });

  it('exposes the content type', () => {
    expect(WBXML_CONTENT_TYPE).toBe('application/vnd.ms-sync.wbxml');
  });
});

describe('tree helpers', () => {
  const tree: EasElement = el(
    'FolderHierarchy:FolderSync',
    el('FolderHierarchy:Status', 1),
    el('FolderHierarchy:SyncKey', 'k1'),
    el(
      'FolderHierarchy:Changes',
      el('FolderHierarchy:Count', 2),
      el('FolderHierarchy:Add', el('FolderHierarchy:ServerId', '5')),
      el('FolderHierarchy:Add', el('FolderHierarchy:ServerId', '6')),
    ),
  );

  it('el() skips undefined/null/false, flattens arrays and concatenates text', () => {
    const built = el('Ping:Ping', undefined, null, false, [el('Ping:Status', 'a', 1)]);
    expect(built).toEqual({
      tag: 'Ping:Ping',
      children: [{ tag: 'Ping:Status', children: [], text: 'a1' }],
    });
  });

  it('child(), children() and textOf() walk the tree', () => {
    expect(child(tree, 'FolderHierarchy:Status')?.text).toBe('1');
    const changes = child(tree, 'FolderHierarchy:Changes')!;
    expect(
      children(changes, 'FolderHierarchy:Add').map((a) => textOf(a, 'FolderHierarchy:ServerId')),
    ).toEqual(['5', '6']);
    expect(textOf(tree, 'FolderHierarchy:Changes', 'FolderHierarchy:Count')).toBe('2');
    expect(textOf(tree, 'FolderHierarchy:Nope')).toBeUndefined();
  });
});

describe('XML view', () => {
  it('writes one namespace per code page and reads it back', () => {
    const doc = el(
      'AirSync:Sync',
      el(
        'AirSync:Collections',
        el(
          'AirSync:Collection',
          el('AirSync:SyncKey', '0'),
          el('AirSync:Options', el('AirSyncBase:BodyPreference', el('AirSyncBase:Type', 2))),
        ),
      ),
    );
    const xml = toXml(doc);
    expect(xml).toContain('<Sync xmlns="AirSync" xmlns:airsyncbase="AirSyncBase">');
    expect(xml).toContain('<airsyncbase:Type>2</airsyncbase:Type>');
    expect(fromXml(xml)).toEqual(doc);
    expect(fromXml(toXml(doc, { pretty: true }))).toEqual(doc);
  });

  it('reads libwbxml-style XML (namespace with a trailing colon, libwbxml tag names)', () => {
    const xml =
      '<?xml version="1.0"?><!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">' +
      '<Attendees xmlns="Calendar:"><Attendee><Attendee_Email>a@b.c</Attendee_Email></Attendee></Attendees>';
    expect(fromXml(xml)).toEqual(
      el('Calendar:Attendees', el('Calendar:Attendee', el('Calendar:Email', 'a@b.c'))),
    );
  });

  it('escapes and unescapes text', () => {
    const doc = el('Email:Subject', 'a < b & "c" > d');
    expect(toXml(doc)).toContain('a &lt; b &amp; "c" &gt; d');
    expect(fromXml(toXml(doc))).toEqual(doc);
    expect(fromXml('<Subject xmlns="Email"><![CDATA[<x>]]>&#x41;&#66;</Subject>').text).toBe(
      '<x>AB',
    );
  });

  it('rejects malformed XML and unknown elements with a WbxmlError', () => {
    for (const bad of [
      '',
      '<Sync xmlns="AirSync">',
      '<Sync xmlns="AirSync"></Collections>',
      '<Sync>no namespace</Sync>',
      '<Sync xmlns="Nope"/>',
      '<Bogus xmlns="AirSync"/>',
      '<Sync xmlns="AirSync" foo="bar"/>',
      '<Sync xmlns="AirSync"/><Sync xmlns="AirSync"/>',
      '<Subject xmlns="Email">a & b</Subject>',
    ]) {
      expect(() => fromXml(bad)).toThrow(WbxmlError);
    }
  });
});
