import { join } from 'node:path';
import type { BenchContext } from '../context.js';
import { startChild } from '../lib/children.js';

/** The scale figures, measured by scale-child.ts in a process of its own. */
export interface ScaleResult {
  mailboxes: number;
  provisionedReady: number;
  provisionMs: number;
  memory: Record<string, { rssMB: number; heapUsedMB: number; externalMB: number }>;
  /** (RSS after provisioning − RSS before the lab) ÷ mailboxes. */
  rssPerMailboxKB: number;
  heapPerMailboxKB: number;
  /** The same without the directory's share (RSS after the lab was created as the base). */
  rssPerMailboxExcludingDirectoryKB: number;
  advance1h: {
    wallMs: number;
    timersFired: number;
    at2Renewed: number;
    renewalErrors: number;
    syncs: number;
    syncErrors: number;
    readyAfter: number;
  };
}

export async function measureScale(ctx: BenchContext): Promise<ScaleResult> {
  const { mailboxes } = ctx.settings.scale;
  const child = startChild(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', join(ctx.benchDir, 'src/scale-child.ts'), String(mailboxes)],
    { cwd: ctx.repoRoot },
  );
  try {
    const result = (await child.ready(15 * 60_000)) as unknown as ScaleResult;
    ctx.log(
      `scale: ${result.provisionedReady}/${mailboxes} ready in ${result.provisionMs} ms, ${result.rssPerMailboxKB} KB RSS per mailbox, advance 1h ${result.advance1h.wallMs} ms (${result.advance1h.at2Renewed} AT2 renewed, ${result.advance1h.syncs} syncs)`,
    );
    if (result.provisionedReady !== mailboxes || result.advance1h.at2Renewed !== mailboxes) {
      throw new Error(`scale run incomplete: ${JSON.stringify(result)}`);
    }
    return result;
  } finally {
    await child.stop();
  }
}
