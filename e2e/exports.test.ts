import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { labelFlow, stepsToMermaid, traceToHar } from '@hma-lab/core';
import { main } from '@hma-lab/cli';
import { createLab, type Lab } from '@hma-lab/lab';

const require = createRequire(import.meta.url);

/** The HAR 1.2 JSON Schema, as published in the har-schema package. */
function harValidator() {
  const dir = join(require.resolve('har-schema'), '..');
  // har-schema's files are draft-06 with an "optional" keyword of their own.
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    ajv.addSchema(JSON.parse(readFileSync(join(dir, file), 'utf8')) as object);
  }
  return ajv.getSchema('har.json#')!;
}

describe('trace exports', () => {
  let lab: Lab;
  beforeAll(async () => {
    lab = await createLab({ mode: 'loopback', admin: { port: 0 } });
    await lab.runFlow('alice@contoso.com');
  });
  afterAll(() => lab?.close());

  it('HAR validates against the HAR 1.2 schema, with every exchange and its FLOWS step', () => {
    const entries = lab.trace.entries();
    const har = traceToHar(entries, labelFlow(entries, 'A'));
    const validate = harValidator();
    expect(validate.errors ?? []).toEqual([]);
    const valid = validate(har);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(har.log.entries).toHaveLength(lab.trace.exchanges().length);
    const obo = har.log.entries.find((e) => (e._hmaLab as { steps: number[] }).steps.includes(17))!;
    expect((obo.request as { url: string }).url).toMatch(/\/oauth2\/token$/);
  });

  it('a schema violation is caught (the validator is not a rubber stamp)', () => {
    const validate = harValidator();
    const har = traceToHar(lab.trace.entries());
    (har.log.entries[0]!.request as { method?: unknown }).method = 42;
    expect(validate(har)).toBe(false);
  });

  it('hma-lab trace export writes HAR and Mermaid from a running lab', async () => {
    const out: string[] = [];
    const output = { out: (t: string) => out.push(t), err: () => {} };
    expect(await main(['trace', 'export', '--format', 'har', '--lab', lab.admin!], output)).toBe(0);
    expect(harValidator()(JSON.parse(out.join('\n')))).toBe(true);
    out.length = 0;
    expect(
      await main(['trace', 'export', '--format', 'mermaid', '--lab', lab.admin!], output),
    ).toBe(0);
    const mermaid = out.join('\n');
    expect(mermaid).toMatch(/^sequenceDiagram\n/);
    expect(mermaid).toContain('participant onprem_eas as On-prem ActiveSync');
    expect(mermaid).toMatch(/exo->>entra: 17\. POST login\.microsoftonline\.com\//);
    expect(mermaid).toBe(stepsToMermaid(labelFlow(lab.trace.entries(), 'A')).trimEnd());
  });
});
