import type { Clock } from './clock.js';
import type { Directory } from './directory.js';
import type { FaultBoard } from './faults.js';
import type { LabFetch } from './fetch.js';
import type { HostMap, Party } from './hosts.js';
import type { KeyStore } from './keys.js';
import type { TraceRecorder } from './trace.js';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  party: Party;
  message: string;
  error?: unknown;
}

export type Logger = (entry: LogEntry) => void;

/**
 * What every service factory receives. Nothing else is shared between
 * services: no module-level state, so two labs can run in one process.
 */
export interface ServiceDeps {
  clock: Clock;
  trace: TraceRecorder;
  hosts: HostMap;
  /** Outbound HTTP, bound to the calling party (see {@link LabFetch}). */
  fetch: LabFetch;
  directory: Directory;
  keys: KeyStore;
  faults: FaultBoard;
  log: Logger;
}

/** A logger that writes warnings and errors to stderr, one line each. */
export function createConsoleLogger(minLevel: LogEntry['level'] = 'warn'): Logger {
  const order = ['debug', 'info', 'warn', 'error'];
  return (entry) => {
    if (order.indexOf(entry.level) < order.indexOf(minLevel)) return;
    const cause =
      entry.error instanceof Error ? `: ${entry.error.stack ?? entry.error.message}` : '';
    process.stderr.write(`[${entry.level}] ${entry.party}: ${entry.message}${cause}\n`);
  };
}

/**
 * A user's logger made safe to call from anywhere: one that throws is
 * ignored, since it runs where an answer is being made (an error handler, a
 * timer) and must not turn a logged problem into a broken answer.
 */
export function neverThrowing(log: Logger): Logger {
  return (entry) => {
    try {
      const result = (log as (e: LogEntry) => unknown)(entry);
      // An async logger's rejection would otherwise end the process.
      if (result instanceof Promise) result.catch(() => undefined);
    } catch {
      // The problem was for the log; the log is the problem.
    }
  };
}

/** A logger that keeps entries in memory (tests assert on it). */
export function createMemoryLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const logger = ((entry: LogEntry) => void entries.push(entry)) as Logger & {
    entries: LogEntry[];
  };
  logger.entries = entries;
  return logger;
}
