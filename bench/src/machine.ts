import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

/** What the numbers were measured on, and how busy the machine was. */
export interface Machine {
  cpus: number;
  cpuModel: string;
  totalMemGB: number;
  node: string;
  wrk: string;
  loadBefore: number[];
  loadAfter: number[];
  /** Other processes using more than 5 % CPU when the run started (`top`, over one second). */
  othersAtStart: string[];
  /**
   * Share of all cores in use over that same second (`/proc/stat`), 0 to 1;
   * absent where there is no `/proc`. Unlike the load average it does not
   * remember the build that `npm run bench` makes just before.
   */
  cpuBusyAtStart?: number;
}

/** Whether a run started on a machine doing other work (see {@link Machine.cpuBusyAtStart}). */
export function startedBusy(machine: Machine): boolean {
  return machine.cpuBusyAtStart !== undefined
    ? machine.cpuBusyAtStart > 0.2
    : machine.loadBefore[0]! > 0.5;
}

/** The machine's busy and total CPU time so far, in clock ticks (undefined without `/proc`). */
function cpuTimes(): { busy: number; total: number } | undefined {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/);
    // cpu user nice system idle iowait irq softirq steal ...
    const ticks = fields.slice(1, 9).map(Number);
    const total = ticks.reduce((a, b) => a + b, 0);
    return { busy: total - ticks[3]! - ticks[4]!, total };
  } catch {
    return undefined;
  }
}

const load = (): number[] => loadavg().map((l) => Math.round(l * 100) / 100);

export function describeMachine(): Machine {
  let wrk = 'unknown';
  try {
    wrk = /wrk\s+(\S+)/.exec(execFileSync('wrk', ['-v'], { encoding: 'utf8' }))?.[1] ?? wrk;
  } catch (error) {
    // wrk -v exits 1 after printing its version.
    const out = (error as { stdout?: string }).stdout ?? '';
    wrk = /wrk\s+(\S+)/.exec(out)?.[1] ?? wrk;
  }
  const before = cpuTimes();
  const othersAtStart = busyProcesses();
  const after = cpuTimes();
  const cpuBusyAtStart =
    before && after && after.total > before.total
      ? Math.round(((after.busy - before.busy) / (after.total - before.total)) * 100) / 100
      : undefined;
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    wrk,
    loadBefore: load(),
    loadAfter: [],
    othersAtStart,
    ...(cpuBusyAtStart !== undefined ? { cpuBusyAtStart } : {}),
  };
}

export function finishMachine(machine: Machine): Machine {
  return { ...machine, loadAfter: load() };
}

function busyProcesses(): string[] {
  // Two top frames one second apart: the second shows CPU use over that second.
  try {
    const out = execFileSync('top', ['-b', '-n', '2', '-d', '1', '-w', '200'], {
      encoding: 'utf8',
    });
    const frame = out.slice(out.lastIndexOf('top - '));
    const lines = frame.split('\n');
    const head = lines.findIndex((l) => /^\s*PID\s/.test(l));
    if (head < 0) return [];
    return lines
      .slice(head + 1)
      .map((line) => line.trim().split(/\s+/))
      .filter((f) => f.length >= 12 && Number(f[8]) > 5 && Number(f[0]) !== process.pid)
      .slice(0, 5)
      .map((f) => `${f.slice(11).join(' ')} ${f[8]} %`);
  } catch {
    return [];
  }
}
