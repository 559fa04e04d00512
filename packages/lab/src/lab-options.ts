import { kindOf, LabError, SERVICE_PARTIES, shorten } from '@hma-lab/core';

/** `createLab` options it cannot use, or a lab used after `close()`: said before anything starts. */
export class LabUsageError extends LabError {
  constructor(code: 'invalid_lab_options' | 'lab_closed' | 'invalid_argument', message: string) {
    super(400, code, message);
  }
}

const KNOWN = [
  'scenario',
  'mode',
  'startMs',
  'clockMode',
  'ports',
  'bindHost',
  'tls',
  'frontDoor',
  'admin',
  'log',
  'trace',
  'maxTraceEntries',
  'services',
] as const;

/** The last start a lab can run from: 9999-12-31, so that its dates keep four-digit years and room to advance. */
const LAST_DATE_MS = Date.UTC(9999, 11, 31);

/**
 * Checks what `createLab` is given against what it takes, so that a mistake
 * (a mode misspelt, a port given as text, a start before 1970) is one clear
 * error now, not a lab that starts and fails later somewhere else (every
 * flow "unreachable", a trace that breaks every answer, a Unix socket named
 * after the port). The scenario and `services` are checked by their own parsers.
 */
export function checkLabOptions(options: unknown): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalid(`createLab takes an options object, got ${kindOf(options)}`);
  }
  const given = options as Record<string, unknown>;
  const unknown = unknownKey(given, KNOWN);
  if (unknown) throw invalid(`unknown option ${unknown} (known: ${KNOWN.join(', ')})`);
  oneOf(given, 'mode', ['in-process', 'loopback', 'nock']);
  oneOf(given, 'clockMode', ['frozen', 'running']);
  const { startMs } = given;
  if (
    startMs !== undefined &&
    !(
      typeof startMs === 'number' &&
      Number.isInteger(startMs) &&
      startMs >= 0 &&
      startMs <= LAST_DATE_MS
    )
  ) {
    throw invalid(
      `startMs must be whole milliseconds since 1970-01-01 (0 to ${LAST_DATE_MS}, 9999-12-31), got ${describe(startMs)}`,
    );
  }
  ofType(given, 'bindHost', 'string');
  ofType(given, 'log', 'function');
  ofType(given, 'trace', 'boolean');
  const { maxTraceEntries } = given;
  if (
    maxTraceEntries !== undefined &&
    !(
      typeof maxTraceEntries === 'number' &&
      Number.isInteger(maxTraceEntries) &&
      maxTraceEntries > 0
    )
  ) {
    throw invalid(
      `maxTraceEntries must be a whole number above 0, got ${describe(maxTraceEntries)}`,
    );
  }
  if (given.ports !== undefined) {
    const ports = objectOption(given, 'ports');
    const party = unknownKey(ports, SERVICE_PARTIES);
    if (party) throw invalid(`ports: ${party} is no party (known: ${SERVICE_PARTIES.join(', ')})`);
    for (const [name, port] of Object.entries(ports)) checkPort(`ports.${name}`, port);
  }
  for (const key of ['frontDoor', 'admin'] as const) {
    if (given[key] !== undefined) checkPort(`${key}.port`, objectOption(given, key).port);
  }
  const { tls } = given;
  if (tls !== undefined && typeof tls !== 'boolean') {
    const dir = objectOption(given, 'tls').dir;
    if (dir !== undefined && typeof dir !== 'string') {
      throw invalid(`tls.dir must be a folder path, got ${describe(dir)}`);
    }
  }
  if (given.services !== undefined) objectOption(given, 'services');
}

const RUN_OPTIONS = ['runId', 'device', 'path', 'basicDevice'];

/** A run id as it can travel in the `x-hma-lab-run` header. */
const RUN_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

/** `runFlow`'s options: an object of the ones it takes, `path` 'hma' or 'basic'. */
export function checkRunOptions(options: unknown): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new LabUsageError(
      'invalid_argument',
      `runFlow options must be an object, got ${kindOf(options)}`,
    );
  }
  const given = options as Record<string, unknown>;
  const unknown = unknownKey(given, RUN_OPTIONS);
  if (unknown) {
    throw new LabUsageError(
      'invalid_argument',
      `runFlow: unknown option ${unknown} (known: ${RUN_OPTIONS.join(', ')})`,
    );
  }
  // Left out (or null), runFlow makes one.
  const { runId } = given;
  if ((runId ?? undefined) !== undefined && (typeof runId !== 'string' || !RUN_ID.test(runId))) {
    // It travels in a header (and labels the run's trace entries; '' would match them all).
    throw new LabUsageError(
      'invalid_argument',
      `runId must be 1 to 200 printable ASCII characters, not starting or ending with a space, got ${typeof runId === 'string' ? JSON.stringify(shorten(runId, 40)) : typeof runId}`,
    );
  }
  if (given.path !== undefined && given.path !== 'hma' && given.path !== 'basic') {
    throw new LabUsageError(
      'invalid_argument',
      `runFlow: path must be 'hma' or 'basic', got ${describe(given.path)}`,
    );
  }
}

/** The first key of `given` that `known` does not list, quoted and shortened for a message. */
function unknownKey(given: object, known: readonly string[]): string | undefined {
  const key = Object.keys(given).find((k) => !known.includes(k));
  return key === undefined ? undefined : JSON.stringify(shorten(key, 40));
}

function invalid(message: string): LabUsageError {
  return new LabUsageError('invalid_lab_options', `createLab: ${message}`);
}

function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(shorten(value, 40))
    : kindOf(value) === 'number'
      ? String(value)
      : kindOf(value);
}

function oneOf(given: Record<string, unknown>, key: string, allowed: string[]): void {
  const value = given[key];
  if (value !== undefined && !allowed.includes(value as string)) {
    throw invalid(
      `${key} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${describe(value)}`,
    );
  }
}

function ofType(
  given: Record<string, unknown>,
  key: string,
  type: 'string' | 'function' | 'boolean',
): void {
  const value = given[key];
  if (value !== undefined && typeof value !== type) {
    throw invalid(`${key} must be a ${type}, got ${describe(value)}`);
  }
}

function objectOption(given: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = given[key];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(`${key} must be an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function checkPort(name: string, port: unknown): void {
  if (!(typeof port === 'number' && Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw invalid(`${name} must be a port number from 0 to 65535, got ${describe(port)}`);
  }
}
