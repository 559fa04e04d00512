import { FAULT_CATALOGUE } from '../packages/core/src/index.js';

/** docs/faults.md, from the fault catalogue in packages/core/src/fault-catalogue.ts. */
export function renderFaultsDoc(): string {
  const rows = FAULT_CATALOGUE.map((f) => {
    const params = f.params
      ? Object.entries(f.params)
          .map(
            ([name, p]) =>
              `\`${name}\` (${p.description}${p.default !== undefined ? `, default ${JSON.stringify(p.default)}` : ''})`,
          )
          .join(', ')
      : '';
    return `| \`${f.name}\` | ${f.party} | ${f.step ?? '—'} | ${f.symptom.replace(/\|/g, '\\|')} | ${params} |`;
  });
  return `# The fault catalogue

Named, realistic ways the hybrid flow breaks in the field. Each one can be
switched on and off while a lab runs, and is documented with the symptom a
client sees and the step of flow A (docs/flows.md) where it shows.

<!-- Generated from packages/core/src/fault-catalogue.ts by \`npm run docs\`; do not edit by hand. -->

| fault | party | step | what a client sees | parameters |
|---|---|---|---|---|
${rows.join('\n')}

## Switching faults

- From code: \`lab.faults.on('eas-503', { retryAfterS: 30 })\`, \`lab.faults.off('eas-503')\`.
- Over HTTP, on a running lab's admin API: \`PUT /_lab/faults/eas-503\` with a JSON body of
  parameters, \`DELETE /_lab/faults/eas-503\`, \`GET /_lab/faults\`.
- From the command line: \`hma-lab faults on eas-503 --param retryAfterS=30\`, \`hma-lab faults off eas-503\`, \`hma-lab faults\`.
- From a scenario file: \`faults: [{ name: eas-503, params: { retryAfterS: 30 } }]\` (on from the start).

A fault changes what the emulated party is configured to do (HMA switched off,
TLS offloaded, a proxy that strips headers...), not how the lab itself works:
everything else in the flow reacts to it as it would in production.
`;
}
