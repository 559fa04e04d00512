import { MAX_XML_DEPTH, xmlNestsDeeperThan } from '@hma-lab/core';
import { afterTimers } from '@hma-lab/core/testing';

const MiB = 1024 * 1024;

/** The depth xmlNestsDeeperThan finds: the least `max` it answers false for. */
function depthOf(xml: string): number {
  let max = 0;
  while (xmlNestsDeeperThan(xml, max)) max++;
  return max;
}

describe('xmlNestsDeeperThan: how deep elements nest, before parsing', () => {
  it('counts start tags, not end tags, empty elements or the rest', () => {
    expect(depthOf('')).toBe(0);
    expect(depthOf('text only')).toBe(0);
    expect(depthOf('<a/>')).toBe(1);
    expect(depthOf('<a><b/><b></b></a>')).toBe(2);
    expect(depthOf('<?xml version="1.0"?><a><b><c/></b><b/></a>')).toBe(3);
    expect(depthOf('<a><!-- <b><c><d> --><![CDATA[<b><c><d>]]><?pi <b><c>?></a>')).toBe(1);
  });

  it('steps over quoted attribute values, which may hold > and />', () => {
    expect(depthOf('<a x="/>" y=\'>\'><b z="<c>"/></a>')).toBe(2);
    expect(depthOf('<a x="/"><b/></a>')).toBe(2);
  });

  it('answers false for what it cannot read, leaving the parser to say why', () => {
    expect(xmlNestsDeeperThan('<a><b><c x="never closed', 1)).toBe(true);
    expect(xmlNestsDeeperThan('<a x="never closed><b><c>', 1)).toBe(false);
    expect(xmlNestsDeeperThan('<a><!-- never closed <b><c>', 1)).toBe(false);
  });

  it('allows the depth of real documents', () => {
    const deep = (n: number) => '<a xmlns:p="u">'.repeat(n) + '</a>'.repeat(n);
    expect(xmlNestsDeeperThan(deep(MAX_XML_DEPTH), MAX_XML_DEPTH)).toBe(false);
    expect(xmlNestsDeeperThan(deep(MAX_XML_DEPTH + 1), MAX_XML_DEPTH)).toBe(true);
  });

  it('reads 1 MiB of anything in one pass', async () => {
    for (const unit of ['<a x="', '<!--', '<![CDATA[', '<?', '<a', '</', '<a/>', '<']) {
      expect(xmlNestsDeeperThan(unit.repeat(MiB / unit.length), 1 << 30)).toBe(false);
    }
    expect(xmlNestsDeeperThan('<a>'.repeat(MiB / 3), MAX_XML_DEPTH)).toBe(true);
    await afterTimers();
  }, 5_000);
});
