import { execFileSync } from 'node:child_process';
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
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    totalMemGB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    wrk,
    loadBefore: load(),
    loadAfter: [],
    othersAtStart: busyProcesses(),
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
