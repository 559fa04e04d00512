import { BASIC_VS_HMA } from '@hma-lab/outlook-service';

/** `hma-lab compare`: what the cloud holds, what the device holds, what an attacker needs, flow C beside flow A. */
export function renderComparison(): string {
  const width = Math.max(...BASIC_VS_HMA.map((row) => row.topic.length));
  const lines = [
    'Flow A (hybrid modern authentication) beside flow C (basic authentication via the Outlook cloud service)',
    '',
  ];
  for (const row of BASIC_VS_HMA) {
    lines.push(`${row.topic.padEnd(width)}  HMA (A):   ${row.hma}`);
    lines.push(`${''.padEnd(width)}  basic (C): ${row.basic}`);
    lines.push('');
  }
  lines.push('More: docs/basic-vs-hma.md');
  return lines.join('\n');
}
