// WBXML 1.3 global tokens (WAP-192 §7.1) as ActiveSync uses them (MS-ASWBXML 2.1.2).

export const SWITCH_PAGE = 0x00;
export const END = 0x01;
export const ENTITY = 0x02;
export const STR_I = 0x03;
export const LITERAL = 0x04;
export const EXT_I_0 = 0x40;
export const EXT_I_2 = 0x42;
export const PI = 0x43;
export const LITERAL_C = 0x44;
export const EXT_T_0 = 0x80;
export const EXT_T_2 = 0x82;
export const STR_T = 0x83;
export const LITERAL_A = 0x84;
export const EXT_0 = 0xc0;
export const EXT_2 = 0xc2;
export const OPAQUE = 0xc3;
export const LITERAL_AC = 0xc4;

/** Tag token flag: the element has content (children, text or opaque data). */
export const CONTENT_FLAG = 0x40;
/** Tag token flag: the element has attributes. ActiveSync never uses attributes. */
export const ATTRIBUTE_FLAG = 0x80;

/** The header every ActiveSync body starts with: WBXML 1.3, public id 1 (unknown), UTF-8, no string table. */
export const EAS_WBXML_HEADER = Uint8Array.of(0x03, 0x01, 0x6a, 0x00);

/** IANA MIBenum of UTF-8, the only charset ActiveSync uses. */
export const CHARSET_UTF8 = 0x6a;
